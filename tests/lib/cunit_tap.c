/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cunit_tap.c -- CUnit to TAP.  Runs each test on its own so that a
 * failure can be attributed (CU_run_test resets the failure count and list
 * each time), and prints the failed assertions as TAP diagnostics
 * ("# file:line: condition").
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cunit_tap.h"

int
cunit_tap_run(void)
{
	CU_pTestRegistry reg = CU_get_registry();
	CU_pSuite suite;
	CU_pTest test;
	unsigned n = 0, total = 0, failed = 0;

	for (suite = reg->pSuite; suite != NULL; suite = suite->pNext)
		for (test = suite->pTest; test != NULL; test = test->pNext)
			total++;
	printf("1..%u\n", total);
	fflush(stdout);
	CU_basic_set_mode(CU_BRM_SILENT);
	for (suite = reg->pSuite; suite != NULL; suite = suite->pNext) {
		for (test = suite->pTest; test != NULL; test = test->pNext) {
			CU_pFailureRecord f;
			CU_ErrorCode ec;

			n++;
			ec = CU_run_test(suite, test);
			if (ec == CUE_SUCCESS &&
			    CU_get_number_of_failures() == 0 &&
			    CU_get_number_of_suites_failed() == 0) {
				printf("ok %u - %s: %s\n", n, suite->pName,
				    test->pName);
			} else {
				failed++;
				printf("not ok %u - %s: %s\n", n, suite->pName,
				    test->pName);
				for (f = CU_get_failure_list(); f != NULL;
				    f = f->pNext)
					printf("# %s:%u: %s\n",
					    f->strFileName ? f->strFileName : "?",
					    f->uiLineNumber,
					    f->strCondition ? f->strCondition : "?");
			}
			fflush(stdout);
		}
	}
	CU_cleanup_registry();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
