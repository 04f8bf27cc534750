/*
 * server_i.h — private to the API-server semantics (apiserver/server*.c).
 *
 *  server.c          keys, reads, lists, shared helpers (the bottom)
 *  server_lifecycle.c  server_new / server_free, ranges, namespaces
 *  server_meta.c     server-set metadata: uid, timestamps, names, QoS
 *  server_write.c    create / replace / patch / apply / bind / scale
 *  server_commit.c   the store write of each (srv_commit)
 *  server_delete.c   deletion: graceful, finalizers, namespaces
 *  server_service.c  ClusterIP and NodePort allocation for Services
 *  admission*.c      the admission chain (apiserver/admission.h)
 */
#ifndef KUBEFS_APISERVER_SERVER_I_H
#define KUBEFS_APISERVER_SERVER_I_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "apiserver/alloc.h"
#include "apiserver/server.h"

/* Bounded retries of a read-modify-write that lost a CAS race. */
#define SRV_RETRIES 16
/* Internal "lost a race, read again" code; never returned to callers. */
#define SRV_RETRY (-EAGAIN)
/* Attempts at a free generated name (generateName). */
#define SRV_GENERATE_TRIES 8
#define SRV_GENERATE_SUFFIX 5
#define SRV_GENERATE_BASE_MAX (63 - SRV_GENERATE_SUFFIX)
#define SRV_DEFAULT_GRACE 30
#define SRV_TIMESTAMP_LEN 32
#define SRV_UUID_LEN 37
/* The store key of an allocation: PREFIX "serviceips/10.96.0.5" or
 * PREFIX "nodeports/30080". '!' sorts before any group name, and the
 * key has three segments, so it never parses as an object key. */
#define SRV_ALLOC_PREFIX "!alloc/"

/* "pods", "deployments.apps": Kubernetes' qualified resource in messages
 * (`deployments.apps "x" not found`). */
#define SRV_RES_FMT "%s%s%s"
#define SRV_RES_ARGS(k) (k)->resource, *(k)->group ? "." : "", (k)->group

struct server {
	struct store *store;
	const struct kind_info *k_ns, *k_pod, *k_svc;
	time_t (*clock)(void *ud);
	void *clock_ud;

	/* allocation tables, guarded by alloc_lock */
	pthread_mutex_t alloc_lock;
	uint32_t svc_net; /* network address, host order */
	unsigned svc_prefix;
	char svc_cidr[24];	 /* "10.96.0.0/12" as configured */
	struct alloc_range *ips; /* index i is svc_net + 1 + i */
	unsigned port_min, port_max;
	struct alloc_range *ports; /* index i is port_min + i */
};

/* ---- server.c ---- */
time_t srv_now(struct server *srv);
/* The calling thread's request user (server_request_user()), or NULL. */
const struct rbac_user *srv_request_user(void);
/* One object a write is about: its kind, namespace (NULL for a
 * cluster-scoped kind), name, and the store key they make. ns and name
 * are borrowed: they must outlive the struct. */
struct srv_ref {
	const struct kind_info *k;
	const char *ns;
	const char *name;
	char key[STORE_KEY_MAX + 1];
};
/* Fill *ref and build its key; server_key()'s errors. */
int srv_ref_init(const struct kind_info *k, const char *ns, const char *name,
		 struct srv_ref *ret);
/* Read and decode one object (owned, resourceVersion set). -ENOENT,
 * -EIO on a corrupt value, or the store's error. */
int srv_read(struct server *srv, const char *key, json_t **ret_obj,
	     uint64_t *ret_rv);
/* The object's metadata (borrowed), or NULL. */
json_t *srv_meta(const json_t *obj);
/* metadata.FIELD as a string (borrowed), or NULL. */
const char *srv_meta_str(const json_t *obj, const char *field);
void srv_set_rv(json_t *obj, uint64_t rv);
/* Encode obj for the store, without metadata.resourceVersion (removed
 * from obj). -EFBIG with Kubernetes' sentence over CODEC_MAX_BYTES.
 * *ret is owned. */
int srv_encode(json_t *obj, struct kf_error *err, char **ret, size_t *ret_len);
/* Map a store_write() failure (other than the expected races) to the
 * user's sentence. */
int srv_store_error(int r, struct kf_error *err);
int srv_not_found(struct kf_error *err, const struct kind_info *k,
		  const char *name);
/* "the server could not find the requested resource" (-ENOENT): a kind
 * or subresource this server does not serve. */
int srv_no_such_resource(struct kf_error *err);
int srv_conflict(struct kf_error *err, const struct kind_info *k,
		 const char *name);

/* ---- server_meta.c ---- */
void srv_uuid(char buf[SRV_UUID_LEN]);
void srv_timestamp(time_t t, char buf[SRV_TIMESTAMP_LEN]);
/* Parse an RFC 3339 UTC timestamp as written by srv_timestamp(). */
int srv_timestamp_parse(const char *s, time_t *ret);
/* generateName: base (truncated to SRV_GENERATE_BASE_MAX) plus random
 * characters. buf holds at least 64 bytes. */
void srv_generate_name(const char *base, char *buf, size_t size);
/* Kubernetes' status.qosClass of a pod: "BestEffort", "Burstable" or
 * "Guaranteed" (static string). */
const char *srv_pod_qos(const json_t *pod);
/* Equal apart from metadata and status: generation stays. */
bool srv_same_spec(const json_t *a, const json_t *b);
/* Equal apart from metadata.resourceVersion: nothing to write. */
bool srv_same_object(const json_t *a, const json_t *b);
/* "%s in version \"%s\" cannot be handled as a %s: json: cannot
 * unmarshal <type of v> into Go struct field <field> of type <type>". */
int srv_type_error(struct kf_error *err, const struct kind_info *k,
		   const json_t *v, const char *field, const char *type);

/* ---- server_commit.c ---- */
/* Write or delete ops[0] (an object) together with the allocation ops of
 * plan (may be NULL), atomically. On success the plan is committed and
 * *ret_rv (may be NULL) is ops[0]'s rv. A lost race on ops[0] is
 * returned raw (-EEXIST, -ESTALE, -ENOENT) for the caller to judge. */
struct svc_plan;
int srv_commit(struct server *srv, struct store_op *op, struct svc_plan *plan,
	       struct kf_error *err, uint64_t *ret_rv);
/* srv_commit() with the write's companions (admission_attrs.also: each
 * object put at its key if that is still at its rv) in the same store
 * transaction; SRV_RETRY when a companion moved meanwhile. */
int srv_commit_also(struct server *srv, struct store_op *op, const json_t *also,
		    struct svc_plan *plan, struct kf_error *err,
		    uint64_t *ret_rv);
/* Replace key with object n if it is still at rv; SRV_RETRY when it
 * moved or went meanwhile (read again and retry). */
int srv_put_at_rv(struct server *srv, const char *key, json_t *n, uint64_t rv,
		  struct kf_error *err);

/* ---- server_batch.c: server_apply_all ---- */
/* Is a batch open on this thread (srv_commit queues, srv_read looks at
 * the queue first)? */
bool srv_batching(void);
/* The queued value of key: 0 (*ret_obj owned), -ENOENT (queued delete),
 * -EIO, or 1 when key is not in the batch. */
int srv_batch_read(const char *key, json_t **ret_obj, uint64_t *ret_rv);
/* Queue op and also[0..nalso) (copied) and the plan's ops (the plan is
 * kept and ended with the batch); *ret_rv is a placeholder. -ENOMEM
 * (plan aborted). */
int srv_batch_add(struct server *srv, const struct store_op *op,
		  const struct store_op *also, size_t nalso,
		  struct svc_plan *plan, uint64_t *ret_rv);
/* srv_namespace_finish(), now or once the batch is stored. */
void srv_namespace_finish_after(struct server *srv, const char *ns);

/* ---- server_delete.c ---- */
/* If namespace ns is terminating and has neither metadata nor spec
 * finalizers (the namespace controller removes `kubernetes` once it is
 * empty), remove it. Best effort: a lost race leaves it for the next
 * call. */
void srv_namespace_finish(struct server *srv, const char *ns);

/* ---- server_service.c ---- */
enum svc_res {
	SVC_IP,
	SVC_PORT,
};

struct svc_claim {
	enum svc_res res;
	uint32_t value; /* IP (host order) or port */
	bool user;	/* asked for explicitly: a clash is the user's */
	char field[64]; /* "spec.ports[2].nodePort", for messages */
};

/*
 * What one write does to the allocation tables: values to take (already
 * claimed in memory, each written as an allocation key that must not
 * exist) and values to give back (released in memory once the write
 * committed). Owned by the caller; ended by svc_plan_commit() or
 * svc_plan_abort().
 */
struct svc_plan {
	char owner[STORE_KEY_MAX + 1]; /* "ns/name": allocation key value */
	struct svc_claim *add;
	size_t nadd;
	struct svc_claim *del;
	size_t ndel;
	/* built by svc_plan_ops() */
	struct store_op *ops;
	char **keys;
	size_t nops;
};

void svc_plan_init(struct svc_plan *plan);
/*
 * Decide and claim the ClusterIP and NodePorts of Service svc (mutable,
 * defaulted; NULL when the Service is being deleted) replacing old (NULL
 * on create), filling spec.clusterIP(s), ipFamilies, nodePorts and
 * healthCheckNodePort as kube-apiserver does. -EINVAL (field errors),
 * -ENOSPC (range full) with err set; the plan is aborted on failure.
 */
int svc_plan_build(struct server *srv, json_t *svc, const json_t *old,
		   const char *ns, const char *name, struct svc_plan *plan,
		   struct kf_error *err);
/* The store ops for the plan (borrowed by the plan): create the keys of
 * new values, delete those of released ones. */
int svc_plan_ops(struct server *srv, struct svc_plan *plan);
/*
 * ops[i] of the plan hit an existing allocation key: another kubefs-fs
 * on the store holds the value. Returns -EINVAL with Kubernetes' sentence
 * when the user asked for that value, else SRV_RETRY (the value stays
 * marked in use here and the caller tries again).
 */
int svc_plan_clash(struct server *srv, struct svc_plan *plan, size_t i,
		   const char *name, struct kf_error *err);
void svc_plan_commit(struct server *srv, struct svc_plan *plan);
void svc_plan_abort(struct server *srv, struct svc_plan *plan);
/* Mark every value held by stored Services and allocation keys. */
int svc_rebuild(struct server *srv);

#endif
