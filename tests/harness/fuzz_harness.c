/*
 * fuzz_harness.c — a fuzz harness with a deliberate bug, built only for
 * the harness self-test (tests/harness/selftest.sh): an input starting
 * with "crash" aborts, any other input is fine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 5 && !memcmp(data, "crash", 5))
		abort();
	return 0;
}
