/*
 * server.h — the API-server semantics of kubefs-fs, independent of FUSE.
 *
 * This is what kube-apiserver's registry does between a request and etcd:
 * it turns "create / replace / patch / delete this object" into store
 * writes, applying on the way
 *  - identity: names from the path (metadata.name/namespace may be omitted
 *    and must agree when present), generateName, the namespace existing
 *    (and not terminating, for creates);
 *  - server-set metadata: uid (random v4 UUID), creationTimestamp
 *    (RFC 3339, UTC, seconds), resourceVersion (the store rv, as a decimal
 *    string), generation (1 on create, +1 when anything but metadata and
 *    status changes); clients cannot change uid/creationTimestamp;
 *  - defaulting and validation through kind_admit() (api/kinds.h), between
 *    the admission chain's mutate and validate steps
 *    (apiserver/admission.h: namespace lifecycle, limit ranges, service
 *    accounts, pod security, quotas);
 *  - spec/status separation: writes through the object ignore .status
 *    (the stored status is kept), writes through the status subresource
 *    take only .status; a create resets status unless the kind keeps it;
 *  - optimistic concurrency: metadata.resourceVersion in a write must be
 *    the current one, else -ESTALE with Kubernetes' 409 sentence;
 *  - deletion: objects with finalizers, and pods bound to a node, get
 *    metadata.deletionTimestamp (+ deletionGracePeriodSeconds for pods,
 *    default spec.terminationGracePeriodSeconds or 30) and stay until the
 *    finalizers are gone / the node agent deletes them with grace 0;
 *    unbound pods and everything else go at once; deleting a namespace
 *    marks it Terminating, deletes everything in it, and removes it when
 *    it is empty;
 *  - Services: spec.clusterIP allocated from the service CIDR (unless
 *    "None" or set explicitly and free), NodePorts from the node-port range
 *    for type NodePort/LoadBalancer; no duplicates; released on delete;
 *    the allocation tables are rebuilt from the stored Services at start;
 *  - the built-in namespaces default, kube-system, kube-public and
 *    kube-node-lease exist after server_new().
 *
 * Every function returns 0 or a negative errno; on failure err holds the
 * sentence Kubernetes would print and the store is unchanged. Errnos
 * follow SPEC §3: -EINVAL (bad input), -EEXIST (create of an existing
 * name), -ESTALE (resourceVersion conflict), -EFBIG (too large), -ENOENT
 * (object or namespace missing), -ENOSPC (store full).
 *
 * Objects returned (ret_obj) are new references owned by the caller, with
 * metadata.resourceVersion set. Objects passed in are borrowed and never
 * modified (the server works on a copy).
 *
 * Store keys are "PATH_GROUP/RESOURCE/NAMESPACE/NAME" (NAMESPACE empty for
 * cluster-scoped kinds); values are canonical JSON (codec_encode_json_line)
 * without metadata.resourceVersion. The server also keeps one key per
 * allocated ClusterIP and NodePort ("!alloc/serviceips/10.96.0.10",
 * "!alloc/nodeports/30080"; value "NAMESPACE/NAME" of the Service),
 * written in the same atomic store write as the Service, so that several
 * kubefs-fs on one store never hand out a value twice. Those keys (and
 * their events) are not objects: server_parse_key() rejects them.
 *
 * Thread safety: all functions may be called concurrently.
 */
#ifndef KUBEFS_APISERVER_SERVER_H
#define KUBEFS_APISERVER_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "api/error.h"
#include "api/kinds.h"
#include "api/rbac.h"
#include "store/store.h"

struct server;

struct server_config {
	struct store *store;	  /* borrowed; must outlive the server */
	const char *service_cidr; /* default "10.96.0.0/12" */
	unsigned node_port_min;	  /* default 30000 */
	unsigned node_port_max;	  /* default 32767 */
};

/*
 * Open the API server on cfg->store: rebuild the allocation tables from
 * the stored Services and create the built-in namespaces that are
 * missing. -EINVAL for a service CIDR that is not IPv4 /12../30 or a bad
 * node-port range; store errors otherwise.
 */
int server_new(const struct server_config *cfg, struct server **ret);
void server_free(struct server *srv);

/*
 * The user on whose behalf the calling thread's server calls are made
 * (the user.Info of Kubernetes' request context), for admission
 * (NodeRestriction); NULL, the default, for the server's own writes.
 * Borrowed until the thread sets another: set it before a request's
 * writes and NULL after.
 */
void server_request_user(const struct rbac_user *u);

/* Replace the clock (default time(NULL)) that stamps creationTimestamp
 * and deletionTimestamp; NULL restores it. For tests. Not thread-safe:
 * call before other threads use srv. */
void server_set_clock(struct server *srv, time_t (*now)(void *ud), void *ud);

/* Build the store key of an object into buf (STORE_KEY_MAX + 1 bytes).
 * ns is ignored (may be NULL) for cluster-scoped kinds. -ENAMETOOLONG if
 * it does not fit, -EINVAL if name (or ns, for a namespaced kind) is
 * NULL, empty or contains '/'. */
int server_key(const struct kind_info *k, const char *ns, const char *name,
	       char *buf, size_t size);

/* Build the store key prefix under which the objects of kind k lie into
 * buf (STORE_KEY_MAX + 1 bytes), for store_list(): those of namespace ns,
 * or of every namespace when ns is NULL; ns is ignored for
 * cluster-scoped kinds. The one spelling, with server_key(), of the key
 * layout GROUP/RESOURCE/NAMESPACE/NAME. -ENAMETOOLONG if it does not
 * fit, -EINVAL if k is NULL or ns (not NULL, namespaced kind) is empty
 * or contains '/'. */
int server_prefix(const struct kind_info *k, const char *ns, char *buf,
		  size_t size);

/* Inverse of server_key(): split a key into its kind, namespace ("" for
 * cluster-scoped) and name. Pointers into buf (modified in place).
 * -EINVAL if the key is not an object key. */
int server_parse_key(char *buf, const struct kind_info **ret_kind,
		     const char **ret_ns, const char **ret_name);

/* Decode a stored value (store_get/store_list/store_events data) and set
 * metadata.resourceVersion to rv. NULL on a corrupt value. Owned. */
json_t *server_decode_value(const char *data, size_t len, uint64_t rv);

/* Read one object. -ENOENT: 'pods "x" not found'. */
int server_get(struct server *srv, const struct kind_info *k, const char *ns,
	       const char *name, struct kf_error *err, json_t **ret_obj);

/*
 * List names (cheap: no decoding). ns NULL lists all namespaces. fn gets
 * borrowed strings valid during the call; non-zero stops the walk.
 * *ret_rv (may be NULL) is the list's resourceVersion.
 */
typedef int (*server_name_fn)(void *ud, const char *ns, const char *name,
			      uint64_t rv);
int server_list_names(struct server *srv, const struct kind_info *k,
		      const char *ns, server_name_fn fn, void *ud,
		      uint64_t *ret_rv);

/* Does namespace ns exist (stored, possibly terminating)? */
bool server_namespace_exists(struct server *srv, const char *ns);

enum server_write_flags {
	SERVER_CREATE = 1u << 0,  /* must not exist (O_EXCL): -EEXIST */
	SERVER_UPDATE = 1u << 1,  /* must exist: -ENOENT */
	SERVER_STATUS = 1u << 2,  /* status subresource: take only .status */
	SERVER_DRY_RUN = 1u << 3, /* validate and report, store nothing */
	/* namespaces' finalize subresource: take only spec.finalizers; the
	 * namespace goes once it is terminating and has none left */
	SERVER_FINALIZE = 1u << 4,
};

/*
 * Create or replace the object ns/name of kind k with obj. Neither flag:
 * create if absent, else replace (the file semantics of `cp`/`>`).
 * name may be NULL on create when obj has metadata.generateName.
 * metadata.name/namespace in obj must equal name/ns when present.
 * A replace that changes nothing still succeeds and does not write.
 */
int server_put(struct server *srv, const struct kind_info *k, const char *ns,
	       const char *name, const json_t *obj, unsigned flags,
	       struct kf_error *err, json_t **ret_obj);

/*
 * Drop box: apply one manifest document under its own identity. The kind
 * comes from apiVersion/kind (-EINVAL 'no matches for kind "X" in version
 * "Y"'); the namespace from metadata.namespace, else default_ns (for
 * namespaced kinds). Create if absent, else replace.
 */
int server_apply(struct server *srv, const json_t *doc, const char *default_ns,
		 struct kf_error *err, json_t **ret_obj);

/*
 * A manifest of several documents (a JSON array), all or nothing: every
 * document is judged as server_apply() would, each seeing the earlier
 * ones (a Namespace, then objects in it), and only if all are accepted
 * are they stored, in one atomic store write. On failure nothing is
 * stored and err holds every rejected document's sentence, one per line
 * (the errno is the first one's). -EFBIG past SERVER_APPLY_MAX documents.
 */
#define SERVER_APPLY_MAX 1000
int server_apply_all(struct server *srv, const json_t *docs,
		     const char *default_ns, struct kf_error *err);

/* JSON merge patch (RFC 7386) onto the current object, then as
 * server_put() with SERVER_UPDATE (| SERVER_STATUS if flags say so). The
 * patch may carry metadata.resourceVersion as a precondition. */
int server_patch(struct server *srv, const struct kind_info *k, const char *ns,
		 const char *name, const json_t *patch, unsigned flags,
		 struct kf_error *err, json_t **ret_obj);

/*
 * Delete. grace_seconds < 0: the kind's default; 0: immediately (what a
 * node agent sends once containers are gone). precondition_rv 0 or the
 * rv the object must have. -ENOENT if absent.
 */
/*
 * Create the bootstrap ClusterRoles and ClusterRoleBindings that are
 * missing and reconcile the others (api/rbac_bootstrap.h): kube-apiserver
 * does so at every start. 0, or the first failure with err filled.
 */
int server_rbac_bootstrap(struct server *srv, struct kf_error *err);

int server_delete(struct server *srv, const struct kind_info *k, const char *ns,
		  const char *name, long grace_seconds,
		  uint64_t precondition_rv, struct kf_error *err);

/* DeleteOptions (server_delete_opts.c): NAME@delete. */
enum server_propagation {
	SERVER_PROPAGATE_DEFAULT = 0, /* Background, keeping finalizers */
	SERVER_PROPAGATE_ORPHAN,
	SERVER_PROPAGATE_FOREGROUND,
	SERVER_PROPAGATE_BACKGROUND,
};

struct server_delete_options {
	long grace_seconds; /* < 0: the kind's default */
	enum server_propagation propagation;
	char uid[128];		   /* precondition, "" for none */
	uint64_t resource_version; /* precondition, 0 for none */
};

/*
 * Read a DeleteOptions document (doc may be NULL: the defaults). -EINVAL
 * with Kubernetes' sentence for an unknown propagationPolicy, a negative
 * gracePeriodSeconds or a malformed precondition.
 */
int server_parse_delete_options(const json_t *doc, struct kf_error *err,
				struct server_delete_options *ret);

/*
 * Delete with options: preconditions (-ESTALE, 409's sentence), the
 * propagation policy's finalizer (orphan, foregroundDeletion) written
 * before the deletion, then server_delete() with the grace.
 */
int server_delete_with(struct server *srv, const struct kind_info *k,
		       const char *ns, const char *name,
		       const struct server_delete_options *o,
		       struct kf_error *err);

/* pods/binding: set spec.nodeName of an unbound pod. -EEXIST ('pod x is
 * already assigned to node "n"') if bound. */
int server_bind(struct server *srv, const char *ns, const char *pod,
		const char *node, struct kf_error *err);

/* pods/eviction: graceful delete (PodDisruptionBudgets: not yet). */
int server_evict(struct server *srv, const char *ns, const char *pod,
		 struct kf_error *err);

/* scale subresource: read or set spec.replicas. */
int server_scale_get(struct server *srv, const struct kind_info *k,
		     const char *ns, const char *name, struct kf_error *err,
		     long *ret_replicas);
int server_scale_set(struct server *srv, const struct kind_info *k,
		     const char *ns, const char *name, long replicas,
		     struct kf_error *err);

#endif
