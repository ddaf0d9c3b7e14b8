/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_replay.c -- main() for a fuzz harness built without libFuzzer:
 * run LLVMFuzzerTestOneInput once on each file named on the command line
 * (a directory stands for the files in it).  The regular build uses it to
 * replay the seed corpus and the regression images on every test run,
 * under whatever sanitizers that build has.  Prints one TAP line per
 * input: a crash or a sanitizer report ends the program, so the TAP
 * plan then comes up short and the test fails.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static int ntests;

static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long len;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		return 1;
	}
	if ((buf = malloc(len > 0 ? (size_t)len : 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		return 1;
	}
	fclose(f);
	(void)LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	printf("ok %d - %s\n", ++ntests, path);
	fflush(stdout);
	return 0;
}

static int
count_or_run(const char *path, bool run)
{
	struct stat st;
	struct dirent **ents;
	char sub[4096];
	int i, n, total = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (run && run_file(path) != 0)
			exit(1);
		return 1;
	}
	if ((n = scandir(path, &ents, NULL, alphasort)) < 0) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    ents[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
				total++;
				if (run && run_file(sub) != 0)
					exit(1);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return total;
}

int
main(int argc, char **argv)
{
	int i, total = 0;

	(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		total += count_or_run(argv[i], false);
	printf("1..%d\n", total);
	for (i = 1; i < argc; i++)
		(void)count_or_run(argv[i], true);
	return 0;
}
