/*
 * sha256.h — SHA-256 (FIPS 180-4), for content-addressed image blobs.
 *
 * Streaming: sha256_init(), any number of sha256_update(), then
 * sha256_final_hex() for the 64 lowercase hex digits OCI digests carry.
 */
#ifndef KUBEFS_NODEAGENT_SHA256_H
#define KUBEFS_NODEAGENT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX 64

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed */
	unsigned char buf[64];
	size_t n; /* bytes in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Finish; hex gets 64 digits and a NUL. s must be re-initialised after. */
void sha256_final_hex(struct sha256 *s, char hex[SHA256_HEX + 1]);

/*
 * The digest of the file at path. 0, or -errno from open/read.
 */
int sha256_file(const char *path, char hex[SHA256_HEX + 1]);

#endif
