/*
 * hash.h — FNV-1a (64 bits), the string hash of every table in kubefs
 * (api/strmap.h, the render cache): short keys, good spread, no state.
 * Also FNV-1a in 32 bits, which Kubernetes' pod-template-hash uses.
 */
#ifndef KUBEFS_API_HASH_H
#define KUBEFS_API_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_OFFSET 0xcbf29ce484222325ull
#define FNV1A_PRIME 0x100000001b3ull

/* Continue hash h (start from FNV1A_OFFSET) over data[0..n). */
static inline uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV1A_PRIME;
	}
	return h;
}

#define FNV1A32_OFFSET 2166136261u
#define FNV1A32_PRIME 16777619u

/* Continue 32-bit hash h (start from FNV1A32_OFFSET) over data[0..n). */
static inline uint32_t fnv1a32(uint32_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV1A32_PRIME;
	}
	return h;
}

/* FNV-1a of a NUL-terminated string, folded for use as a table index
 * (low bits mixed with high ones). */
static inline size_t fnv1a_str_index(const char *s)
{
	uint64_t h = FNV1A_OFFSET;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV1A_PRIME;
	}
	return (size_t)(h ^ (h >> 29));
}

#endif
