/*
 * volume.h — a pod's volumes on the node and its containers' env from
 * ConfigMaps and Secrets, as the kubelet prepares them.
 *
 * Volumes live in DIR/volumes/NAME (DIR: the pod's directory):
 *   emptyDir       a directory; medium Memory: a tmpfs of sizeLimit
 *   configMap      one file per key (or per item, at its path), mode
 *                  defaultMode/item mode (0644)
 *   secret         the same, decoded from base64, on a tmpfs
 *   downwardAPI    metadata.name/namespace/uid/labels/annotations
 *   projected      configMap, secret and downwardAPI sources together
 *   hostPath       the host's path itself, only when allowed
 * Containers see them through volumeMounts (mountPath, readOnly,
 * subPath) as OCI bind mounts.
 *
 * Objects are read through get (the caller's client). Errors carry the
 * kubelet's words: `configmap "x" not found`, `couldn't find key k in
 * ConfigMap ns/x`, `hostPath volumes are not allowed on this node`.
 */
#ifndef KUBEFS_NODEAGENT_VOLUME_H
#define KUBEFS_NODEAGENT_VOLUME_H

#include <jansson.h>
#include <stdbool.h>

#include "api/error.h"

/* Fetch kind ("configmaps" or "secrets") ns/name. 0 with *ret (owned),
 * -ENOENT, or -errno. */
typedef int (*volume_get_fn)(void *ud, const char *kind, const char *ns,
			     const char *name, json_t **ret);

/* The objects of kind in ns: *ret a new array, or -errno. */
typedef int (*volume_list_fn)(void *ud, const char *kind, const char *ns,
			      json_t **ret);

struct volume_ctx {
	volume_get_fn get;
	void *get_ud;
	bool allow_host_path;
	volume_list_fn list; /* may be NULL: no service env */
};

/*
 * Set up every volume of pod under dir/volumes. -EINVAL/-ENOENT with err
 * (FailedMount's message); what was set up stays for volume_teardown().
 */
int volume_setup(const struct volume_ctx *v, const json_t *pod, const char *dir,
		 struct kf_error *err);

/* Unmount the tmpfs volumes under dir/volumes (before it is removed). */
void volume_teardown(const char *dir);

/*
 * The OCI mounts of container (its volumeMounts) for pod, whose volumes
 * are under dir/volumes. *ret: a new array. -EINVAL with err for a
 * mount of no volume.
 */
int volume_mounts(const json_t *pod, const json_t *container, const char *dir,
		  struct kf_error *err, json_t **ret);

/*
 * The env a container gets from ConfigMaps and Secrets (envFrom, then
 * env entries with configMapKeyRef/secretKeyRef): *ret a new array of
 * "K=V". -ENOENT/-EINVAL with err (CreateContainerConfigError).
 */
int volume_env(const struct volume_ctx *v, const json_t *pod,
	       const json_t *container, struct kf_error *err, json_t **ret);

/*
 * The Kubernetes service environment variables (enableServiceLinks,
 * default true): for each Service with a cluster IP in the pod's
 * namespace, and the "kubernetes" Service of "default",
 * NAME_SERVICE_HOST, NAME_SERVICE_PORT[_PORTNAME], NAME_PORT,
 * NAME_PORT_P_PROTO[_PROTO|_PORT|_ADDR], NAME upper-cased with '-' as
 * '_'. *ret a new array of "K=V" (empty when nothing can be listed).
 */
int volume_service_env(const struct volume_ctx *v, const json_t *pod,
		       json_t **ret);

/*
 * Standard base64 (a Secret's data) to bytes: *ret NUL-terminated and
 * owned, *ret_len without the NUL. -EINVAL for a bad character, -ENOMEM.
 */
int volume_b64_decode(const char *in, char **ret, size_t *ret_len);

#endif
