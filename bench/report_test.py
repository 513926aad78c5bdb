#!/usr/bin/env python3
"""Host tests of the benchmark report (report.py), printed as KTAP.

The report turns repetitions into medians and verdicts; each case feeds it
figures or a small results file and checks what it says.
"""
import io
import json
import os
import sys
import tempfile
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import report  # noqa: E402
import pyktap  # noqa: E402
from pyktap import case  # noqa: E402

MiB = 1 << 20


@case
def median_of_the_repetitions_with_its_range():
    return report.Figure([0.3, 0.5, 0.4]).show() == "0.400 (0.300..0.500)"


@case
def met_only_if_every_repetition_meets():
    return (report.Figure([0.3, 0.4, 0.45]).verdict(0.5) == "met" and
            report.Figure([0.3, 0.4, 0.6]).verdict(0.5) == "not met (1 of 3)")


@case
def at_least_targets_count_the_misses_below():
    return report.Figure([1.0, 0.95, 1.0]).verdict(1.0, below=False) == "not met (1 of 3)"


@case
def a_missing_repetition_is_not_met():
    return report.Figure([0.1, None]).verdict(0.5, reps=2) == \
        "not measured in every repetition"


def alloc_row(heap, size, ns, op="alloc"):
    return {"heap": heap, "op": op, "size": size, "n": 10, "failed": 0,
            "median_ns": ns, "p99_ns": ns}


def results(video_ns):
    """Three repetitions; the video heap's 1 MiB allocation costs video_ns[i]."""
    reps = []
    for ns in video_ns:
        rows = [alloc_row("video", 1 * MiB, ns), alloc_row("system", 1 * MiB, 1000),
                alloc_row("reserved", 1 * MiB, 10000)]
        reps.append({"alloc": rows, "map_camera": [
            alloc_row("video", 4096, 100, "map_unwritten"),
            alloc_row("video", 32 * MiB, 120, "map_unwritten")]})
    return {"page_size": 4096, "reps": reps, "heaps": [
        {"name": "video", "kind": "carveout-cached", "size": 64 * MiB},
        {"name": "system", "kind": "system", "size": 0},
        {"name": "reserved", "kind": "cma", "size": 64 * MiB}]}


def render(r):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(r, fh)
    out = io.StringIO()
    sys.argv = ["report.py", fh.name]
    with redirect_stdout(out):
        report.main()
    os.unlink(fh.name)
    return out.getvalue()


def line_of(text, *words):
    return next((l for l in text.splitlines() if all(w in l for w in words)), "")


@case
def a_target_missed_in_one_repetition_is_not_met():
    text = render(results([300, 600, 400]))
    return "0.400 (0.300..0.600)" in line_of(text, "video", "1 MiB") and \
        "not met (1 of 3)" in line_of(text, "video", "1 MiB")


@case
def a_target_held_in_every_repetition_is_met():
    return "met" in line_of(render(results([300, 350, 400])), "video", "1 MiB").split()


@case
def camera_map_ratio_of_the_cached_heap_is_judged():
    row = line_of(render(results([300, 300, 300])), "video", "1.200")
    return "met" in row.split()


if __name__ == "__main__":
    sys.exit(pyktap.run())
