#!/usr/bin/env python3
"""Host tests of the harness's judge (judge.py), printed as KTAP.

The judge decides whether `make check` is green, so it gets tests that
can fail: each case feeds it a KTAP text or a kernel log and checks the
verdict.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import judge  # noqa: E402
import pyktap  # noqa: E402
from pyktap import case  # noqa: E402


@case
def counts_flat_kselftest_results():
    r = judge.parse_ktap("TAP version 13\n1..3\nok 1 a\nnot ok 2 b\nok 3 c # SKIP no vgem\n")
    return (r["passed"], r["failed"], r["skipped"], r["problems"]) == (1, 1, 1, [])


@case
def counts_kunit_leaves_not_suites():
    text = ("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..2\n"
            "    ok 1 t1\n    not ok 2 t2\nnot ok 1 s\n")
    r = judge.parse_ktap(text)
    return (r["passed"], r["failed"], r["problems"]) == (1, 1, [])


@case
def counts_parameterised_kunit_cases():
    text = ("    # Subtest: s\n    1..1\n        # Subtest: p\n        ok 1 p1\n"
            "        ok 2 p2\n    ok 1 p\nok 1 s\n")
    r = judge.parse_ktap(text)
    return (r["passed"], r["failed"]) == (2, 0)


@case
def flags_truncated_plan():
    r = judge.parse_ktap("1..3\nok 1 a\nok 2 b\n")
    return r["problems"] and "plan 1..3 but 2" in r["problems"][0]


@case
def flags_empty_output():
    return judge.parse_ktap("")["problems"] == ["no output"]


@case
def flags_bail_out():
    return judge.parse_ktap("1..1\nBail out! no heap\n")["problems"] != []


WARN_BLOCK = [
    "[    5.1] ------------[ cut here ]------------",
    "[    5.1] DMA-API: platform vgem: mapping sg segment longer than device claims "
    "to support [len=1048576] [max=65536]",
    "[    5.1] WARNING: CPU: 1 PID: 90 at kernel/dma/debug.c:1200 debug_dma_map_sg+0x1/0x2",
    "[    5.1] ---[ end trace 0000000000000000 ]---",
]


@case
def allows_cma_vgem_segment_warning_in_cma_window():
    log = (["dmabuf-runner: begin upstream-dmabuf-heap-reserved"] + WARN_BLOCK
           + ["dmabuf-runner: end upstream-dmabuf-heap-reserved rc=0"])
    return judge.kernel_reports(log) == []


@case
def rejects_segment_warning_on_another_heap():
    log = ["dmabuf-runner: begin upstream-dmabuf-heap-video"] + WARN_BLOCK
    return len(judge.kernel_reports(log)) == 1


@case
def rejects_segment_warning_in_our_own_tests():
    log = ["dmabuf-runner: begin carveout_heap_test"] + WARN_BLOCK
    return len(judge.kernel_reports(log)) == 1


@case
def ignores_dma_api_boot_messages():
    return judge.kernel_reports(["[ 0.0] DMA-API: preallocated 65536 debug entries",
                                "[ 0.0] DMA-API: debugging enabled by kernel config"]) == []


@case
def rejects_segment_warning_outside_any_test():
    return len(judge.kernel_reports(WARN_BLOCK)) == 1


@case
def rejects_other_warning_in_cma_window():
    block = list(WARN_BLOCK)
    block[1] = "[    5.1] DMA-API: platform vgem: device driver frees DMA memory with wrong function"
    log = ["dmabuf-runner: begin upstream-dmabuf-heap-reserved"] + block
    return len(judge.kernel_reports(log)) == 1


VIVID_SYNC = ("[    7.2] DMA-API: vivid vivid.0: device driver syncs DMA memory with different "
              "direction [device address=0x00000000b9d00000] [size=462848 bytes] "
              "[mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]")


@case
def allows_mainline_heap_sync_direction_against_vivid_in_its_window():
    block = list(WARN_BLOCK)
    block[1] = VIVID_SYNC
    log = (["dmabuf-runner: begin vivid-mainline-system"] + block
           + ["dmabuf-runner: end vivid-mainline-system"])
    return judge.kernel_reports(log) == []


@case
def rejects_vivid_reports_on_our_carveouts():
    block = list(WARN_BLOCK)
    block[1] = VIVID_SYNC
    # A carveout heap never opens a vivid-mainline window: ours must be clean.
    log = ["dmabuf-runner: begin pipeline_vivid_test"] + block
    return len(judge.kernel_reports(log)) == 1


@case
def rejects_other_vivid_reports_in_the_mainline_window():
    block = list(WARN_BLOCK)
    block[1] = VIVID_SYNC.replace("[synced with DMA_TO_DEVICE]", "[synced with DMA_BIDIRECTIONAL]")
    log = ["dmabuf-runner: begin vivid-mainline-reserved"] + block
    return len(judge.kernel_reports(log)) == 1


@case
def rejects_kasan_lockdep_and_bug_lines():
    logs = [["[ 1.0] BUG: KASAN: slab-use-after-free in contig_release+0x10"],
            ["[ 1.0] WARNING: possible circular locking dependency detected"],
            ["[ 1.0] BUG: sleeping function called from invalid context"],
            ["[ 1.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"]]
    return all(len(judge.kernel_reports(l)) == 1 for l in logs)


@case
def accepts_a_clean_log():
    return judge.kernel_reports(["[ 0.0] Booting Linux", "[ 1.0] carveout_heap: video: 64 MiB"]) == []


if __name__ == "__main__":
    sys.exit(pyktap.run())
