/*
 * image.c — image reference normalisation and made-up digests.
 */
#include "nodeagent/image.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/hash.h"

/* Does the first component of a reference name a registry? */
static bool is_domain(const char *s, size_t len)
{
	return memchr(s, '.', len) || memchr(s, ':', len) ||
	       (len == 9 && !memcmp(s, "localhost", 9));
}

int image_normalize(const char *image, char **ret)
{
	const char *slash, *rest, *last_slash, *colon, *at;
	bool tagged, digested;
	const char *domain = "docker.io", *lib = "";
	size_t dlen = 9;
	char *out;
	int n;

	if (!image || !*image || strlen(image) > IMAGE_REF_MAX)
		return -EINVAL;
	slash = strchr(image, '/');
	rest = image;
	if (slash && is_domain(image, (size_t)(slash - image))) {
		domain = image;
		dlen = (size_t)(slash - image);
		rest = slash + 1;
		if (dlen == 15 && !memcmp(domain, "index.docker.io", 15)) {
			domain = "docker.io";
			dlen = 9;
		}
	}
	at = strchr(rest, '@');
	digested = at != NULL;
	last_slash = strrchr(rest, '/');
	colon = strrchr(last_slash ? last_slash : rest, ':');
	tagged = colon && (!at || colon < at);
	if (dlen == 9 && !memcmp(domain, "docker.io", 9) &&
	    !memchr(rest, '/', at ? (size_t)(at - rest) : strlen(rest)))
		lib = "library/";
	n = asprintf(&out, "%.*s/%s%s%s", (int)dlen, domain, lib, rest,
		     tagged || digested ? "" : ":latest");
	if (n < 0)
		return -ENOMEM;
	*ret = out;
	return 0;
}

int image_id(const char *normalized, char **ret)
{
	const char *at, *last_slash, *colon;
	char hex[IMAGE_DIGEST_HEX + 1];
	size_t repo_len;
	char *out;

	if (!normalized || !*normalized)
		return -EINVAL;
	at = strchr(normalized, '@');
	if (at) {
		out = strdup(normalized);
		if (!out)
			return -ENOMEM;
		/* drop a tag in front of the digest: repo:tag@sha256:x */
		last_slash = strrchr(out, '/');
		colon = strchr(last_slash ? last_slash : out, ':');
		at = strchr(out, '@');
		if (colon && colon < at)
			memmove((char *)colon, at, strlen(at) + 1);
		*ret = out;
		return 0;
	}
	last_slash = strrchr(normalized, '/');
	colon = strrchr(last_slash ? last_slash : normalized, ':');
	repo_len = colon ? (size_t)(colon - normalized) : strlen(normalized);
	image_fake_digest(normalized, hex);
	if (asprintf(&out, "%.*s@sha256:%s", (int)repo_len, normalized, hex) <
	    0)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/* FNV-1a 64 with a seed, finished with a SplitMix64 avalanche. */
static uint64_t hash64(const char *s, uint64_t seed)
{
	uint64_t h = fnv1a(FNV1A_OFFSET ^ seed, s, strlen(s));

	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

void image_fake_digest(const char *s, char hex[IMAGE_DIGEST_HEX + 1])
{
	for (int i = 0; i < 4; i++)
		snprintf(hex + 16 * i, 17, "%016llx",
			 (unsigned long long)hash64(s, 0x9e3779b97f4a7c15ull *
							   (uint64_t)(i + 1)));
}
