/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * probe.h -- `rumpfuse --probe` and `rumpfuse --list` (daemon/probe.c).
 */
#ifndef RF_PROBE_H
#define RF_PROBE_H

/*
 * Run `rumpfuse --probe|--list [-t TYPE] [-o OPTIONS] SOURCE`.  ARGV[1]
 * is "--probe" or "--list"; main() calls this when it sees one of them
 * there and exits with the result.
 * => 0 success; 1 nothing found / an error (message on stderr); 2 usage.
 */
int	rf_probe_main(int argc, char **argv);

#endif /* RF_PROBE_H */
