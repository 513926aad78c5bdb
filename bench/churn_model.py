#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Model of the fragmentation churn, on the host.

Replays dmabuf_bench's churn (bench/bench_churn.c: the same PRNG, size mix,
phases and seeds) against a model of the heap's allocator (one bit per
page, best-fit or first-fit, an alignment rule) and prints the mean
utilization at the first failure. The kernel is the reference: this model
ignores deferred zeroing, so a run in the guest can place a buffer
elsewhere and differ. What the model is for is the question the benchmark
alone cannot answer: how much of the gap to the target comes from the
policy, how much from alignment, and how much from the workload, by
changing one of them at a time. The last line is an allocator that may
move live buffers (compaction), which a carveout cannot do: devices hold
the physical and DMA addresses of live buffers.

Usage: churn_model.py [--seeds N] [--first SEED]
"""
import argparse

MASK = (1 << 64) - 1
PAGE = 4096
HEAP = 64 << 20
SIZES = [4096, 65536, 460800, 1382400, 3110400, 8 << 20]
WEIGHTS = [20, 15, 15, 20, 20, 10]
CHURN_OPS = 2000


def rand(state):
    """bench_rand(): xorshift64*."""
    x = state[0]
    x ^= x >> 12
    x ^= (x << 25) & MASK
    x ^= x >> 27
    state[0] = x
    return (x * 0x2545F4914F6CDD1D) & MASK


def pick_size(state):
    r = rand(state) % 100
    acc = 0
    for size, weight in zip(SIZES, WEIGHTS):
        acc += weight
        if r < acc:
            return size
    return SIZES[0]


def pow2_up(n):
    p = 1
    while p < n:
        p <<= 1
    return p


def pow2_down(n):
    p = 1
    while p * 2 <= n:
        p <<= 1
    return p


def align_natural(size, max_align):
    """Before 2026-11-22: roundup_pow_of_two, capped at max-align."""
    return max(PAGE, min(pow2_up(size), max_align))


def align_small64(size, max_align):
    """carveout_alloc_align(): max-align, or rounddown_pow_of_two capped at 64 KiB."""
    if size >= max_align:
        return max_align
    return max(PAGE, min(pow2_down(size), 65536, max_align))


def align_large(size, max_align):
    """Blocks for the buffers that can use one, nothing for the others."""
    return max_align if size >= max_align else PAGE


def align_page(size, max_align):
    return PAGE


def holes(bits):
    out, i, n = [], 0, len(bits)
    while i < n:
        if bits[i]:
            i += 1
            continue
        j = i
        while j < n and not bits[j]:
            j += 1
        out.append((i, j))
        i = j
    return out


def fit(hole, nr, align):
    start = -(-hole[0] // align) * align
    return start if start + nr <= hole[1] else None


def fit_top(hole, nr, align):
    start = (hole[1] - nr) // align * align
    return start if start >= hole[0] else None


# Two-ended placement: buffers of at least this many pages go low,
# smaller ones high, so that small buffers do not break up (and misalign)
# the room large ones need.
SPLIT_PAGES = (1 << 20) // PAGE


def place(policy, bits, nr, align):
    # "+fallback": the alignment is a preference: when no aligned start
    # exists, any page will do (block mappings are lost for that buffer).
    if policy.endswith("+fallback"):
        base = policy[:-len("+fallback")]
        start = place(base, bits, nr, align)
        return start if start is not None or align == 1 else place(base, bits, nr, 1)
    if policy in ("two-ended", "two-ended-ff"):
        return place_two_ended(policy, bits, nr, align)
    best, best_len = None, None
    for hole in holes(bits):
        length = hole[1] - hole[0]
        if length < nr or (best_len is not None and length >= best_len):
            continue
        start = fit(hole, nr, align)
        if start is None:
            continue
        if policy == "first-fit":
            return start
        best, best_len = start, length
    return best


def place_two_ended(policy, bits, nr, align):
    """Large buffers best-fit (or first-fit) from the bottom; small ones
    best-fit (or first-fit from the top) at the top end of their hole."""
    hs = holes(bits)
    small = nr < SPLIT_PAGES
    if small:
        hs = hs[::-1]
    best, best_len = None, None
    for hole in hs:
        length = hole[1] - hole[0]
        if length < nr or (best_len is not None and length >= best_len):
            continue
        start = fit_top(hole, nr, align) if small else fit(hole, nr, align)
        if start is None:
            continue
        if policy == "two-ended-ff":
            return start
        best, best_len = start, length
    return best


def churn(policy, align_rule, seed, max_align=2 << 20):
    bits = bytearray(HEAP // PAGE)
    state = [seed or 1]
    live, used = [], 0
    for op in range(200000):
        p_alloc = 100 if op >= CHURN_OPS else (75 if used * 10 < HEAP * 7 else 25)
        if not live or rand(state) % 100 < p_alloc:
            size = pick_size(state)
            nr = -(-size // PAGE)
            start = place(policy, bits, nr, align_rule(size, max_align) // PAGE)
            if start is None:
                if op < CHURN_OPS:
                    continue
                return used / HEAP, 1 - size / HEAP
            bits[start:start + nr] = b"\x01" * nr
            live.append((start, nr, size))
            used += size
        else:
            i = rand(state) % len(live)
            start, nr, size = live[i]
            bits[start:start + nr] = bytes(nr)
            used -= size
            live[i] = live[-1]
            live.pop()
    return used / HEAP, 0.0


def compacting(seed):
    """An allocator that may move buffers: a request fails only if the
    free bytes (pages) are fewer than it needs."""
    state = [seed or 1]
    live, used, held = [], 0, 0
    for op in range(200000):
        p_alloc = 100 if op >= CHURN_OPS else (75 if used * 10 < HEAP * 7 else 25)
        if not live or rand(state) % 100 < p_alloc:
            size = pick_size(state)
            pages = -(-size // PAGE) * PAGE
            if HEAP - held < pages:
                if op < CHURN_OPS:
                    continue
                return used / HEAP, 1 - size / HEAP
            live.append((size, pages))
            used += size
            held += pages
        else:
            i = rand(state) % len(live)
            used -= live[i][0]
            held -= live[i][1]
            live[i] = live[-1]
            live.pop()
    return used / HEAP, 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first", type=int, default=20261122)
    ap.add_argument("--policies", default="best-fit,first-fit,two-ended,two-ended-ff")
    ap.add_argument("--rules", default="natural,small64,page")
    ap.add_argument("--per-seed", action="store_true")
    args = ap.parse_args()
    rules = [r for r in [("natural (before)", align_natural), ("small 64 KiB (now)", align_small64),
                         ("large only", align_large), ("page only", align_page)]
             if r[1].__name__[len("align_"):] in args.rules.split(",")]
    print("%-20s %-18s %-16s %-17s %s" % ("alignment", "policy", "mean utilization",
                                          "mean ideal bound", "mean per-seed ratio"))
    for name, rule in rules:
        for policy in args.policies.split(","):
            res = [churn(policy, rule, s) for s in range(args.first, args.first + args.seeds)]
            print("%-20s %-18s %14.1f%%  %15.1f%%  %5.1f%% of the bound" % (
                name, policy, 100 * sum(u for u, _ in res) / len(res),
                100 * sum(b for _, b in res) / len(res),
                100 * sum(u / b for u, b in res if b) / len(res)))
            if args.per_seed:
                print("   " + " ".join("%.1f" % (100 * u) for u, _ in res))
    res = [compacting(s) for s in range(args.first, args.first + args.seeds)]
    print("%-20s %-18s %14.1f%%  %15.1f%%   (%d of %d seeds >= 95%%)" % (
        "(moves buffers)", "compacting", 100 * sum(u for u, _ in res) / len(res),
        100 * sum(b for _, b in res) / len(res), sum(1 for u, _ in res if u >= 0.95),
        len(res)))


if __name__ == "__main__":
    main()
