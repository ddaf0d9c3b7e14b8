/* SPDX-License-Identifier: BSD-2-Clause */
/* fsu_stubs.c -- temporary. */
#include "fsu.h"
#define STUB(n) int n(int argc, char **argv) { (void)argc; (void)argv; fsu_errx("not yet"); return 1; }
STUB(cmd_cat) STUB(cmd_cp) STUB(cmd_get) STUB(cmd_put) STUB(cmd_mv) STUB(cmd_rm)
STUB(cmd_rmdir) STUB(cmd_mkdir) STUB(cmd_ln) STUB(cmd_chmod) STUB(cmd_chown)
STUB(cmd_chgrp) STUB(cmd_touch) STUB(cmd_stat) STUB(cmd_find) STUB(cmd_du)
STUB(cmd_df) STUB(cmd_diff) STUB(cmd_write) STUB(cmd_mknod) STUB(cmd_mkfifo)
STUB(cmd_readlink) STUB(cmd_truncate) STUB(cmd_getfattr) STUB(cmd_setfattr)
