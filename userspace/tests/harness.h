/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's kselftest harness (KTAP output, a fork per test so that a
 * crash or a failed ASSERT cannot leak into the next test).
 *
 * It trips -Wextra's unused-parameter warning, and not only in the header:
 * TEST() and TEST_F() expand to functions taking _metadata and variant in
 * the test file itself. A push/pop around the #include would not cover
 * those expansions, so the suppression stays on for the rest of the file.
 */
#ifndef LDMA_TEST_HARNESS_H
#define LDMA_TEST_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#endif
