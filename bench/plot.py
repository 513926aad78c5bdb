#!/usr/bin/env python3
"""Plot allocation and map latencies against size per heap, log-log.

Usage: plot.py results.json out.png
Renders on the host with gnuplot (Debian's gnuplot-nox).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile


def series(results, key, op):
    """{heap: [(size, median_ns)]} for one table, the median of the repetitions."""
    pts = {}
    for rep in results["reps"]:
        for row in rep.get(key, []):
            if row.get("op", op) != op or not row.get("n"):
                continue
            pts.setdefault(row["heap"], {}).setdefault(row["size"], []).append(
                row["median_ns"])
    return {heap: [(size, statistics.median(v)) for size, v in sizes.items()]
            for heap, sizes in pts.items()}


def main():
    src, png = sys.argv[1], sys.argv[2]
    with open(src) as fh:
        results = json.load(fh)
    panels = [("Allocate + close (median)", series(results, "alloc", "alloc")),
              ("Camera attach + map, never written (median)",
               series(results, "map_camera", "map_unwritten")),
              ("vgem attach + map (median)", series(results, "map_sync_vgem", "map"))]
    with tempfile.TemporaryDirectory() as tmp:
        script = ['set terminal pngcairo size 1500,480 font ",10"',
                  'set output "%s"' % png,
                  "set multiplot layout 1,3",
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
