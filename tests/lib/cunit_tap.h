/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cunit_tap.h -- run every registered CUnit suite and report each test as
 * a TAP line ("ok N - suite: test" / "not ok N - ..."), so meson and the
 * test runner count individual cases.  Returns the process exit status.
 */
#ifndef CUNIT_TAP_H
#define CUNIT_TAP_H

int	cunit_tap_run(void);

#endif
