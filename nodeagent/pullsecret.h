/*
 * pullsecret.h — registry credentials from a pod's imagePullSecrets, as
 * the kubelet's keyring reads them: Secrets of type
 * kubernetes.io/dockerconfigjson (data[".dockerconfigjson"]:
 * {"auths": {"REGISTRY": {"username", "password", "auth"}}}) or
 * kubernetes.io/dockercfg (data[".dockercfg"]: {"REGISTRY": {...}}),
 * in the pod's namespace. "auth" (base64 of "user:password") wins over
 * username and password. A REGISTRY key may carry a scheme and a path
 * ("https://index.docker.io/v1/"); its host is what must match the
 * image's registry (index.docker.io and registry-1.docker.io are
 * docker.io).
 */
#ifndef KUBEFS_NODEAGENT_PULLSECRET_H
#define KUBEFS_NODEAGENT_PULLSECRET_H

#include <jansson.h>

#include "nodeagent/registry.h"
#include "nodeagent/volume.h"

/*
 * The credentials pod's imagePullSecrets hold for registry (the host of
 * a normalized image reference), in the pods' order: *ret (owned,
 * registry_creds_free()) and *ret_n, maybe 0. The names of the Secrets
 * that could not be read go into missing (", "-separated, "" if none),
 * for the kubelet's warning. -ENOMEM.
 */
int pullsecret_creds(const struct volume_ctx *v, const json_t *pod,
		     const char *registry, struct registry_cred **ret,
		     size_t *ret_n, char *missing, size_t missing_size);

#endif
