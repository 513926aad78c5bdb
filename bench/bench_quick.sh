#!/bin/sh
# make check runs the benchmark briefly, to prove that every section works;
# its figures are reported, never asserted.
exec /usr/bin/dmabuf_bench --quick --json "${OUT:-/tmp}/artifacts/bench-quick.json"
