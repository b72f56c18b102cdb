/*
 * fuzz.h — the libFuzzer entry point every harness under tests/fuzz/
 * defines. The same harness links either with libFuzzer (`make fuzz`,
 * clang -fsanitize=fuzzer) or with replay.c, whose main() feeds it every
 * file of a corpus (`make check`).
 */
#ifndef UTSTACK_FUZZ_H
#define UTSTACK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* One input. Returns 0; aborts on a broken invariant. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message when `cond` does not hold (sanitizers and
 * libFuzzer report the abort with the input that caused it). */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

static inline void __attribute__((noreturn))
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

#endif
