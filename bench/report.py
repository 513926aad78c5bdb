#!/usr/bin/env python3
"""The benchmark's figures against the project's targets, as RST tables.

Usage: report.py results.json
Every ratio compares two figures of the same repetition (same boot,
heaps interleaved). A figure is the median of the repetitions, printed
with its range over them; a target reads "met" only if it holds in every
repetition. Printed by `make bench` and pasted into
Documentation/performance.rst.
"""
import json
import statistics
import sys

MiB = 1 << 20


def row_of(rep, key, heap, size, op=None):
    op = op or key
    for row in rep.get(key, []):
        if row["heap"] == heap and row["size"] == size and row.get("n") \
                and row.get("op", op) == op:
            return row
    return None


def median_ns(rep, key, heap, size, op=None):
    row = row_of(rep, key, heap, size, op)
    return row["median_ns"] if row else None


def ratio(a, b):
    return a / b if a is not None and b else None


class Figure:
    """One figure, once per repetition."""

    def __init__(self, values):
        self.values = [v for v in values if v is not None]

    def median(self):
        return statistics.median(self.values) if self.values else None

    def show(self, fmt="%.3f", scale=1.0):
        if not self.values:
            return "n/a"
        m = fmt % (self.median() * scale)
        if len(self.values) == 1:
            return m
        return "%s (%s..%s)" % (m, fmt % (min(self.values) * scale),
                                fmt % (max(self.values) * scale))

    def verdict(self, limit, below=True, reps=None):
        if not self.values:
            return "not measured"
        bad = sum(1 for v in self.values if (v > limit if below else v < limit))
        if len(self.values) < (reps or len(self.values)):
            return "not measured in every repetition"
        if not bad:
            return "met"
        return "not met (%d of %d)" % (bad, len(self.values))


def table(title, header, rows):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    out = [title, "~" * len(title), "", rule,
           "  ".join(str(h).ljust(w) for h, w in zip(header, widths)), rule]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    out += [rule, ""]
    return "\n".join(out)


def alloc_tables(reps, kinds, carveouts, system, cma):
    n = len(reps)
    out, rows = [], []
    for heap in carveouts:
        for size in (1 * MiB, 8 * MiB, 32 * MiB):
            rs = Figure(ratio(median_ns(r, "alloc", heap, size),
                              median_ns(r, "alloc", system, size)) for r in reps)
            rm = Figure(ratio(median_ns(r, "alloc", heap, size),
                              median_ns(r, "alloc", cma, size)) for r in reps)
            rows.append((heap, "%d MiB" % (size // MiB), rs.show(), rs.verdict(0.5, reps=n),
                         rm.show(), rm.verdict(0.2, reps=n)))
    out.append(table("Allocate + close, carveout against system and CMA",
                     ("heap", "size", "/ system", "<= 0.5", "/ CMA", "<= 0.2"), rows))

    rows = []
    for heap in kinds:
        cells = [heap]
        for size in (4096, 1 * MiB, 8 * MiB, 32 * MiB):
            a = Figure(median_ns(r, "alloc", heap, size, "alloc_only") for r in reps)
            t = Figure(median_ns(r, "alloc", heap, size, "alloc") for r in reps)
            cells.append("%s / %s" % (a.show("%.0f", 1e-3), t.show("%.0f", 1e-3))
                         if a.values and t.values else "-")
        rows.append(tuple(cells))
    out.append(table("Allocation ioctl alone / with the close (us)",
                     ("heap", "4 KiB", "1 MiB", "8 MiB", "32 MiB"), rows))

    rows = []
    for heap in kinds:
        cells = [heap]
        for size in (1 * MiB, 8 * MiB):
            after = Figure(median_ns(r, "alloc", heap, size, "alloc_only_after_munmap")
                           for r in reps)
            every = Figure(median_ns(r, "alloc", heap, size, "alloc_only") for r in reps)
            cells += [after.show("%.0f", 1e-3), every.show("%.0f", 1e-3)]
        rows.append(tuple(cells))
    out.append(table("Allocation ioctl right after the reference's munmap, against every "
                     "attempt (us)",
                     ("heap", "1 MiB after", "1 MiB every", "8 MiB after", "8 MiB every"),
                     rows))

    rows = []
    anon = Figure(median_ns(r, "alloc_prezeroed", "anon-memset", 32 * MiB) for r in reps)
    for heap in carveouts:
        c = Figure(median_ns(r, "alloc_prezeroed", heap, 32 * MiB) for r in reps)
        q = Figure(ratio(median_ns(r, "alloc_prezeroed", heap, 32 * MiB),
                         median_ns(r, "alloc_prezeroed", "anon-memset", 32 * MiB))
                   for r in reps)
        rows.append((heap, c.show("%.0f", 1e-3), anon.show("%.0f", 1e-3), q.show(),
                     q.verdict(0.1, reps=n)))
    out.append(table("Pre-zeroed 32 MiB allocation against a 32 MiB memset (us)",
                     ("heap", "alloc+close", "memset", "ratio", "<= 0.1"), rows))
    return out


def map_tables(reps, kinds, carveouts):
    n = len(reps)
    rows = []
    for heap in kinds:
        cells = [heap]
        for op in ("map_unwritten", "map_written"):
            q = Figure(ratio(median_ns(r, "map_camera", heap, 32 * MiB, op),
                             median_ns(r, "map_camera", heap, 4096, op)) for r in reps)
            cells.append(q.show())
            if op == "map_unwritten":
                cells.append(q.verdict(1.5, reps=n) if heap in carveouts and
                             kinds[heap] == "carveout-cached" else "(reference)")
        big = Figure(median_ns(r, "map_camera", heap, 32 * MiB, "map_unwritten") for r in reps)
        cells.append(big.show("%.0f", 1e-3))
        rows.append(tuple(cells))
    out = [table("Camera attach + map, 32 MiB against 4 KiB",
                 ("heap", "never written", "<= 1.5 (cached)", "written first",
                  "32 MiB never written (us)"), rows)]

    rows = []
    for heap in kinds:
        q = Figure(ratio(median_ns(r, "map_sync_vgem", heap, 32 * MiB, "map"),
                         median_ns(r, "map_sync_vgem", heap, 4096, "map")) for r in reps)
        s = Figure(median_ns(r, "map_sync_vgem", heap, 32 * MiB, "sync") for r in reps)
        rows.append((heap, q.show(), s.show("%.0f", 1e-3)))
    out.append(table("vgem (64 KiB segments): attach + map 32 MiB against 4 KiB, "
                     "and a 32 MiB sync",
                     ("heap", "32 MiB / 4 KiB", "sync begin+end 32 MiB (us)"), rows))
    return out


def churn_tables(reps):
    n = len(reps)
    policies = []
    for r in reps:
        for x in r.get("churn", {}).get("runs", []):
            if x["policy"] not in policies:
                policies.append(x["policy"])
    if not policies:
        return []
    heap = reps[0].get("churn", {}).get("heap")
    rows = []
    seeds = {}
    for r in reps:
        for x in r.get("churn", {}).get("runs", []):
            seeds.setdefault(x["seed"], {}).setdefault(x["policy"], []).append(
                (x["utilization"], x["ideal_bound"]))
    for policy in policies:
        util, of_bound, above = [], [], []
        for r in reps:
            runs = [x for x in r.get("churn", {}).get("runs", []) if x["policy"] == policy]
            base = {x["seed"]: x["utilization"] for x in r.get("churn", {}).get("runs", [])
                    if x["policy"] == "first-fit"}
            if not runs:
                continue
            util.append(statistics.mean(x["utilization"] for x in runs))
            of_bound.append(statistics.mean(x["utilization"] / x["ideal_bound"]
                                            for x in runs))
            above.append(statistics.mean(x["utilization"] - base[x["seed"]]
                                         for x in runs if x["seed"] in base))
        u, b, a = Figure(util), Figure(of_bound), Figure(above)
        rows.append((policy, u.show("%.1f%%", 100), b.show("%.1f%%", 100),
                     b.verdict(0.95, below=False, reps=n),
                     "(baseline)" if policy == "first-fit" else
                     "%s, %s" % (a.show("%+.1f", 100), a.verdict(0.0, below=False, reps=n))))
    out = [table("Utilization at the first failure, churn on %s (mean over the seeds)" % heap,
                 ("policy", "utilization", "of the ideal bound", ">= 95% of the bound",
                  "points above first-fit"), rows)]

    rows = []
    for seed in sorted(seeds):
        cells = [str(seed)]
        bound = statistics.median(b for v in seeds[seed].values() for _, b in v)
        for policy in policies:
            v = seeds[seed].get(policy, [])
            cells.append(Figure(u for u, _ in v).show("%.1f", 100))
        cells.append("%.1f" % (100 * bound))
        rows.append(tuple(cells))
    out.append(table("Churn seed by seed: utilization at the first failure (%)",
                     tuple(["seed"] + policies + ["ideal bound"]), rows))
    return out


def adversary_tables(reps, kinds, carveouts):
    n = len(reps)
    names = []
    for r in reps:
        for a in r.get("adversaries", []):
            if a["adversary"] not in names:
                names.append(a["adversary"])
    rows = []
    for name in names:
        runs = [a for r in reps for a in r.get("adversaries", []) if a["adversary"] == name]
        what = runs[0]["what"]
        used = Figure(a["cma_used"] for a in runs)
        for heap in kinds:
            got = [a["heaps"][heap] for a in runs if heap in a["heaps"]]
            if not got:
                continue
            ok = Figure(g["success"] / g["attempts"] for g in got)
            p50 = Figure(g["p50_ns"] for g in got)
            p99 = Figure(g["p99_ns"] for g in got)
            mx = Figure(g["max_ns"] for g in got)
            target = ok.verdict(1.0, below=False, reps=n) if heap in carveouts \
                else "(reference)"
            rows.append((name, heap, ok.show("%.0f%%", 100), p50.show("%.0f", 1e-3),
                         p99.show("%.0f", 1e-3), mx.show("%.0f", 1e-3), target))
        rows.append(("", "(%s; CMA area in use: %s MiB)" % (what, used.show("%.0f", 1 / MiB)),
                     "", "", "", "", ""))
    if not rows:
        return []
    return [table("8 MiB allocations against the adversaries of CMA (latency in us)",
                  ("adversary", "heap", "success", "p50", "p99", "max", "carveout 100%"),
                  rows)]


def main():
    with open(sys.argv[1]) as fh:
        r = json.load(fh)
    reps = r["reps"]
    kinds = {h["name"]: h["kind"] for h in r["heaps"]}
    carveouts = [h for h, k in kinds.items() if k.startswith("carveout")]
    system = next((h for h, k in kinds.items() if k == "system"), None)
    cma = next((h for h, k in kinds.items() if k == "cma"), None)
    out = ["%d repetition(s), %d KiB pages. A figure is the median of the repetitions, "
           "with its range over them in parentheses; a target is met only if it holds in every "
           "repetition." % (len(reps), r["page_size"] // 1024), ""]
    out += alloc_tables(reps, kinds, carveouts, system, cma)
    out += map_tables(reps, kinds, carveouts)
    out += churn_tables(reps)
    out += adversary_tables(reps, kinds, carveouts)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
