#!/usr/bin/env python3
"""The benchmark's figures against the project's targets, as RST tables.

Usage: report.py results.json
Every ratio compares two figures of the same run (same boot, heaps
interleaved). Printed by `make bench` and pasted into
Documentation/performance.rst.
"""
import json
import statistics
import sys

MiB = 1 << 20


def median(results, key, heap, size, op=None):
    op = op or key
    for row in results.get(key, []):
        if row["heap"] == heap and row["size"] == size and row.get("n") \
                and row.get("op", op) == op:
            return row["median_ns"]
    return None


def table(title, header, rows):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    out = [title, "~" * len(title), "", rule,
           "  ".join(str(h).ljust(w) for h, w in zip(header, widths)), rule]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    out += [rule, ""]
    return "\n".join(out)


def ratio(a, b):
    return "%.3f" % (a / b) if a is not None and b else "n/a"


def verdict(value, limit, below=True):
    if value == "n/a":
        return "not measured"
    v = float(value)
    return "met" if (v <= limit if below else v >= limit) else "not met"


def main():
    with open(sys.argv[1]) as fh:
        r = json.load(fh)
    kinds = {h["name"]: h["kind"] for h in r["heaps"]}
    carveouts = [h for h, k in kinds.items() if k.startswith("carveout")]
    system = next((h for h, k in kinds.items() if k == "system"), None)
    cma = next((h for h, k in kinds.items() if k == "cma"), None)
    out = []

    rows = []
    for heap in carveouts:
        for size in (1 * MiB, 8 * MiB, 32 * MiB):
            c = median(r, "alloc", heap, size)
            s = median(r, "alloc", system, size)
            m = median(r, "alloc", cma, size)
            rs, rm = ratio(c, s), ratio(c, m)
            rows.append((heap, "%d MiB" % (size // MiB), rs, verdict(rs, 0.5), rm,
                         verdict(rm, 0.2)))
    out.append(table("Allocate + close, carveout against system and CMA (medians)",
                     ("heap", "size", "/ system", "<= 0.5", "/ CMA", "<= 0.2"), rows))

    rows = []
    for heap in list(kinds):
        cells = [heap]
        for size in (4096, 1 * MiB, 8 * MiB, 32 * MiB):
            a = median(r, "alloc", heap, size, "alloc_only")
            t = median(r, "alloc", heap, size, "alloc")
            cells.append("%.0f / %.0f" % (a / 1000, t / 1000) if a and t else "-")
        rows.append(tuple(cells))
    out.append(table("Allocation ioctl alone / with the close (medians, us)",
                     ("heap", "4 KiB", "1 MiB", "8 MiB", "32 MiB"), rows))

    rows = []
    anon = median(r, "alloc_prezeroed", "anon-memset", 32 * MiB)
    for heap in carveouts:
        c = median(r, "alloc_prezeroed", heap, 32 * MiB)
        q = ratio(c, anon)
        rows.append((heap, "%.0f us" % (c / 1000) if c else "n/a",
                     "%.0f us" % (anon / 1000) if anon else "n/a", q, verdict(q, 0.1)))
    out.append(table("Pre-zeroed 32 MiB allocation against a 32 MiB memset",
                     ("heap", "alloc+close", "memset", "ratio", "<= 0.1"), rows))

    rows = []
    for heap in list(kinds):
        small = median(r, "map_sync_vgem", heap, 4096, "map")
        big = median(r, "map_sync_vgem", heap, 32 * MiB, "map")
        q = ratio(big, small)
        rows.append((heap, q, verdict(q, 1.5) if heap in carveouts else "(reference)"))
    out.append(table("vgem attach + map, 32 MiB against 4 KiB (medians)",
                     ("heap", "32 MiB / 4 KiB", "<= 1.5"), rows))

    churn = r.get("churn", {})
    rows = []
    by_seed = {}
    for x in churn.get("runs", []):
        by_seed.setdefault(x["seed"], {})[x["policy"]] = x["utilization"]
    for policy in ("best-fit", "first-fit", "two-ended"):
        pairs = [(v[policy], v["first-fit"]) for v in by_seed.values()
                 if policy in v and "first-fit" in v]
        runs = [x for x in churn.get("runs", []) if x["policy"] == policy]
        if not runs:
            continue
        u = statistics.mean(x["utilization"] for x in runs)
        bound = statistics.mean(x["ideal_bound"] for x in runs)
        above = "(baseline)"
        if policy != "first-fit" and pairs:
            diff = statistics.mean(b - f for b, f in pairs)
            wins = sum(1 for b, f in pairs if b > f)
            ties = sum(1 for b, f in pairs if b == f)
            above = "%s: %+.1f points, higher in %d, equal in %d of %d seeds" % (
                "met" if diff > 0 else "not met", 100 * diff, wins, ties, len(pairs))
        rows.append((policy, len(runs), "%.1f%%" % (100 * u), "%.1f%%" % (100 * bound),
                     verdict("%.3f" % u, 0.95, below=False), above))
    if rows:
        out.append(table("Utilization at the first failure, churn on %s" % churn.get("heap"),
                         ("policy", "seeds", "mean utilization", "mean ideal bound",
                          ">= 95%", "above first-fit"), rows))

    rows = []
    for heap, rate in r.get("pressure", {}).get("success", {}).items():
        rows.append((heap, kinds.get(heap, "?"), "%.0f%%" % (100 * rate),
                     verdict("%.3f" % rate, 1.0, below=False) if heap in carveouts
                     else "(reference)"))
    out.append(table("8 MiB allocations under mlock pressure",
                     ("heap", "kind", "success", "carveout 100%"), rows))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
