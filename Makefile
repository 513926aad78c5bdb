# SPDX-License-Identifier: GPL-2.0
#
#   make demo    boot the emulated board and run the demo
#   make check   every test: host tests, then the guest suites on the
#                debug kernel; closes with "N passed, N failed, N skipped"
#   make bench   heap benchmarks on the release kernel (build/bench/)
#   make stress  the long hardening runs on the debug kernel (stress,
#                fuzzing, fault injection, lifecycle, random kills)
#   make mutants every cache mutant of the exporter, each booted with the
#                importer's cache model (make check runs three)
#
# Variables: PAGE_SIZE=4K|64K  KVARIANT=debug|release  IOMMU=none|smmuv3
#            SUITE=all|upstream|kunit|kselftest  V=1 (show everything)
#            ONLY=GLOB[,GLOB] (only the guest tests whose name matches)
#            BOARD=virt|imx8q (imx8q: i.MX8QM-class memory map, RAM above
#              4 GiB, SWIOTLB; Documentation/porting.rst)
#            SWIOTLB=force (swiotlb=force; alone, runs carveout_* and
#              importer_* of the kselftests)
# check boots four times (no IOMMU: all suites; SMMUv3: kselftests;
# BOARD=imx8q: kselftests; SWIOTLB=force: carveout and importer
# kselftests), then three times for three cache mutants, unless IOMMU, SUITE,
# BOARD, SWIOTLB or ONLY is set.
# See README.md.

TOP       := $(CURDIR)
BUILD     ?= $(TOP)/build
S         := $(TOP)/harness
PAGE_SIZE ?= 4K
V         ?= 0
CROSS_CC  ?= aarch64-linux-gnu-gcc
export TOP BUILD PAGE_SIZE IOMMU V KVARIANT SUITE TIMEOUT KERNEL_CACHE ONLY BOARD SWIOTLB
export CROSS_CC

HOST_OUT  := $(BUILD)/host

.PHONY: help deps kernel check demo bench stress mutants shell host-test clean
.DELETE_ON_ERROR:

help:
	@sed -n '3,/^# See README.md/p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@$(S)/deps.sh

kernel: deps
	@$(S)/kernel.sh $(or $(KVARIANT),debug) $(PAGE_SIZE) >/dev/null

# Tests that run on the build machine itself, each writing KTAP.
host-test: deps
	@mkdir -p $(HOST_OUT) && rm -f $(HOST_OUT)/*.ktap
	@echo "[host] harness self-test (KTAP parser, kernel-log judge)" >&2
	@python3 $(S)/judge_test.py >$(HOST_OUT)/harness.ktap || true
	@echo "[host] benchmark report (medians of repetitions, verdicts)" >&2
	@python3 $(TOP)/bench/report_test.py >$(HOST_OUT)/bench-report.ktap || true
	@echo "[host] device tree binding and overlays (dt-schema)" >&2
	@$(S)/dt-check.sh >$(HOST_OUT)/dt-schema.ktap
	@echo "[host] libdma and the dmabuf CLI (log: build/logs/host-userspace.log)" >&2
	@ksrc=$$($(S)/kernel.sh source) && \
		$(MAKE) -C userspace host-test OUT=$(HOST_OUT) \
		KSELFTEST=$$ksrc/tools/testing/selftests >$(BUILD)/logs/host-userspace.log 2>&1 || \
		{ tail -n 30 $(BUILD)/logs/host-userspace.log; exit 1; }

check: deps host-test
	@HOST_KTAP="$$(ls $(HOST_OUT)/*.ktap)" $(S)/run.sh check

demo: deps
	@$(S)/run.sh demo

# Benchmarks on the release kernel: table on stdout, build/bench/results.json
# and build/bench/latency.png. See Documentation/performance.rst.
bench: deps
	@$(S)/run.sh bench

# Long forms of the hardening tests (Documentation/reliability.rst); judged
# like make check. TIMEOUT is the guest's time limit.
stress: deps
	@TIMEOUT=$(or $(TIMEOUT),3000) $(S)/run.sh stress

# The exporter's cache mutants under the importer's cache model, all of
# them (make check runs three); Documentation/importer.rst.
mutants: deps
	@$(S)/run.sh mutants

shell: deps
	@$(S)/run.sh shell

clean:
	rm -rf $(BUILD)
