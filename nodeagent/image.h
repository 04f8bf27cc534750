/*
 * image.h — container image references as a container runtime reports
 * them to the kubelet.
 *
 * image_normalize() is the Docker reference normalisation containerd
 * applies ("nginx" → "docker.io/library/nginx:latest"): a first path
 * component that has no '.' or ':' and is not "localhost" is not a
 * registry, so "docker.io" is put in front (and "library/" for a
 * one-component name); a reference with neither tag nor digest gets
 * ":latest". Nothing is checked beyond that: the API server validated
 * the pod.
 *
 * The fake runtime has no image store, so the digests it reports are
 * made up (image_fake_digest(): a stable 256-bit hash of a string, not
 * SHA-256). They are stable for a given input, so a restarted agent
 * reports the same IDs.
 */
#ifndef KUBEFS_NODEAGENT_IMAGE_H
#define KUBEFS_NODEAGENT_IMAGE_H

#include <stddef.h>

#define IMAGE_REF_MAX 4096 /* longer references are refused */
#define IMAGE_DIGEST_HEX 64

/*
 * Normalise image. *ret is malloc'd, owned by the caller. -EINVAL for an
 * empty reference or one longer than IMAGE_REF_MAX, -ENOMEM.
 */
int image_normalize(const char *image, char **ret);

/*
 * The image ID a runtime reports for a normalised reference: the
 * repository with a digest, "docker.io/library/nginx@sha256:HEX". A
 * reference that carries a digest keeps it; otherwise the fake digest of
 * the reference. *ret malloc'd, owned by the caller. -EINVAL, -ENOMEM.
 */
int image_id(const char *normalized, char **ret);

/* 64 lowercase hex digits derived from s (NUL-terminated into hex). */
void image_fake_digest(const char *s, char hex[IMAGE_DIGEST_HEX + 1]);

#endif
