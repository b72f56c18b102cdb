/*
 * replay.c — a plain main() for the fuzz harnesses: runs
 * LLVMFuzzerTestOneInput() once on every file named on the command line
 * and on every regular file of every directory named there (a corpus),
 * so that `make check` replays the corpora without libFuzzer.
 *
 *	fuzz-diameter-replay tests/fuzz/diameter/corpus [FILE...]
 *
 * Exits 0 after the last input (a broken invariant aborts first), 1 when
 * a path cannot be read or no input was found.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX	(1 << 20)	/* larger inputs are skipped */

static int
replay_file(const char *path, size_t *count)
{
	struct stat st;
	uint8_t *data;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || st.st_size < 0 ||
	    st.st_size > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: skipped (size)\n", path);
		fclose(f);
		return 0;
	}
	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(data);
		return -1;
	}
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	(*count)++;
	return 0;
}

static int
replay_dir(const char *dir, size_t *count)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path, count) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct stat st;
	size_t count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) == -1)
				rc = 1;
		} else if (replay_file(argv[i], &count) == -1)
			rc = 1;
	}
	printf("%s: replayed %zu inputs\n", argc > 0 ? argv[0] : "replay",
	    count);
	if (count == 0)
		rc = 1;
	return rc;
}
