/*
 * registry.h — pulling an image from an OCI distribution registry (the
 * Docker Registry HTTP API v2) into the node's store, as containerd's
 * resolver and fetcher do: the manifest by tag or digest (an index or
 * manifest list resolved to linux/amd64), then the config and layers,
 * each checked against its digest; Bearer token auth when the registry
 * asks for it (WWW-Authenticate: Bearer realm=...,service=...,scope=...),
 * with credentials if given (an imagePullSecret's), and Basic auth with
 * them when the registry asks for that.
 *
 * The registry is the reference's first component, spoken to in HTTP
 * on loopback (localhost, 127.0.0.0/8, [::1]) and in HTTPS otherwise.
 */
#ifndef KUBEFS_NODEAGENT_REGISTRY_H
#define KUBEFS_NODEAGENT_REGISTRY_H

#include "api/error.h"
#include "nodeagent/imagestore.h"

#define REGISTRY_MANIFEST_MAX (4u << 20)
#define REGISTRY_TIMEOUT_S 300

/* A user name and password for a registry (both owned). */
struct registry_cred {
	char *username;
	char *password;
};

void registry_creds_free(struct registry_cred *c, size_t n);

/*
 * Pull normalized ("127.0.0.1:5000/app:1", "docker.io/library/x@sha256:…")
 * into s under that name, anonymously when n_creds is 0, else with each
 * of creds in turn until one is let in. -ENOENT with err when the
 * registry has no such image, -EACCES with err when it refuses us (its
 * 401, and its message), -EIO with err when it cannot be reached or
 * answers wrongly, -EINVAL for a digest mismatch.
 */
int registry_pull(struct imagestore *s, const char *normalized,
		  const struct registry_cred *creds, size_t n_creds,
		  struct kf_error *err);

#endif
