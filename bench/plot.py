#!/usr/bin/env python3
"""Plot allocation and map latency against size per heap, log-log.

Usage: plot.py results.json out.png
Renders on the host with gnuplot (Debian's gnuplot-nox).
"""
import json
import os
import subprocess
import sys
import tempfile


def series(results, key, op):
    """{heap: [(size, median_ns)]} for one table of the results."""
    out = {}
    for row in results.get(key, []):
        if row.get("op", op) != op or not row.get("n"):
            continue
        out.setdefault(row["heap"], []).append((row["size"], row["median_ns"]))
    return out


def main():
    src, png = sys.argv[1], sys.argv[2]
    with open(src) as fh:
        results = json.load(fh)
    panels = [("Allocate + close (median)", series(results, "alloc", "alloc")),
              ("vgem attach + map (median)", series(results, "map_sync_vgem", "map"))]
    with tempfile.TemporaryDirectory() as tmp:
        script = ['set terminal pngcairo size 1200,520 font ",10"',
                  'set output "%s"' % png,
                  "set multiplot layout 1,2",
                  "set logscale xy",
                  'set xlabel "buffer size (KiB)"',
                  'set ylabel "latency (us)"',
                  "set key top left",
                  "set grid"]
        # One colour per heap in both panels.
        names = sorted({h for _, data in panels for h in data})
        for p, (title, data) in enumerate(panels):
            plots = []
            for heap, pts in sorted(data.items()):
                path = os.path.join(tmp, "p%d-%s.dat" % (p, heap.replace(",", "_")))
                with open(path, "w") as dat:
                    for size, ns in sorted(pts):
                        dat.write("%g %g\n" % (size / 1024.0, max(ns, 1) / 1000.0))
                plots.append('"%s" using 1:2 with linespoints lt %d title "%s"'
                             % (path, names.index(heap) + 1, heap))
            script.append('set title "%s"' % title)
            script.append("plot " + ", ".join(plots) if plots else "plot 1 notitle")
        script.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
