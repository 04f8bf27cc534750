/*
 * admission.h — the admission chain of kubefs-fs, as kube-apiserver's:
 * every create, update and delete the server stores passes each plugin's
 * mutate step (in chain order), then the kind's defaulting and validation
 * (kind_admit()), then each plugin's validate step. The first refusal
 * ends the write: the store is unchanged and err holds the sentence
 * Kubernetes' plugin would give.
 *
 * The chain, in order (one file per plugin, apiserver/admission_*.c):
 *   NamespaceLifecycle  no new object in a missing namespace (-ENOENT,
 *                       'namespaces "x" not found') or a terminating one
 *                       (-EACCES, '... unable to create new content in
 *                       namespace x because it is being terminated');
 *                       the namespaces default, kube-system and
 *                       kube-public cannot be deleted (-EACCES).
 *   LimitRanger         pods get their containers' missing limits and
 *                       requests from the namespace's LimitRanges
 *                       (default, defaultRequest) and are refused
 *                       outside min/max/maxLimitRequestRatio (-EACCES,
 *                       Kubernetes' sentences; admission_limitrange.c).
 *   ServiceAccount      a pod without a service account gets "default"
 *                       (spec.serviceAccountName).
 *   NodeRestriction     a node agent (user system:node:NAME in group
 *                       system:nodes) changes only its own Node (not
 *                       its node-restriction.kubernetes.io/ labels nor
 *                       its taints) and the pods bound to it (status,
 *                       delete; creates only mirror pods) (-EACCES,
 *                       Kubernetes' sentences;
 *                       admission_noderestriction.c).
 *   PodSecurity         pods in a namespace labelled
 *                       pod-security.kubernetes.io/enforce=baseline or
 *                       restricted are refused when they violate it
 *                       (-EACCES, 'pods "p" is forbidden: violates
 *                       PodSecurity "restricted:latest": ...');
 *                       the warn label's level gives a warning
 *                       (ADMISSION_WARNING); audit is not served yet.
 *   ResourceQuota       a create that takes a resource a quota of its
 *                       namespace limits past spec.hard is refused
 *                       (-EACCES, 'pods "p" is forbidden: exceeded
 *                       quota: q, requested: pods=1, used: pods=2,
 *                       limited: pods=2'); admission_quota.c lists the
 *                       resources counted.
 *
 * Plugins read the store through the server (a batch's earlier documents
 * included: server_apply_all() sees a Namespace then objects in it).
 * Thread safety: as the server's; plugins keep no state of their own.
 */
#ifndef KUBEFS_APISERVER_ADMISSION_H
#define KUBEFS_APISERVER_ADMISSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"
#include "api/kinds.h"
#include "api/rbac.h"

struct server;

enum admission_op {
	ADMISSION_CREATE,
	ADMISSION_UPDATE,
	ADMISSION_DELETE,
};

/* One request as admission sees it (admission.Attributes). All borrowed
 * except obj, which the mutate step may change in place. */
struct admission_attrs {
	/* the caller (server_request_user()); NULL: the server's own write */
	const struct rbac_user *user;
	enum admission_op op;
	const struct kind_info *kind;
	const char *ns;	  /* NULL for a cluster-scoped kind */
	const char *name; /* may be NULL on create (generateName) */
	bool status;	  /* the status subresource */
	bool dry_run;
	json_t *obj;	   /* the new object; NULL on delete */
	const json_t *old; /* the stored object; NULL on create */
	/*
	 * Writes that commit in the same store transaction as this one, or
	 * not at all (ResourceQuota charging status.used, as Kubernetes
	 * updates the quota with the object): a validate step appends
	 * {"key": STORE KEY, "rv": RV, "obj": OBJECT}; the server puts
	 * each obj at key if key is still at rv, else judges the whole
	 * write again. Owned by the server; NULL when the write takes none
	 * (dry runs, updates, deletes).
	 */
	json_t *also;
};

/*
 * A warning for the writer (kubectl prints the API's warnings as
 * "Warning: ..."): an admitted write may leave err with code 0 and a
 * message starting with ADMISSION_WARNING; kubefs-fs writes it to the
 * caller's errors file.
 */
#define ADMISSION_WARNING "Warning: "

/* A plugin: either step may be NULL. Each returns 0 (admit) or a
 * negative errno with err filled. */
struct admission_plugin {
	const char *name; /* "NamespaceLifecycle" */
	int (*mutate)(struct server *srv, struct admission_attrs *a,
		      struct kf_error *err);
	int (*validate)(struct server *srv, const struct admission_attrs *a,
			struct kf_error *err);
};

/* Run every plugin's mutate step, in chain order. */
int admission_mutate(struct server *srv, struct admission_attrs *a,
		     struct kf_error *err);

/* Run every plugin's validate step, in chain order. */
int admission_validate(struct server *srv, const struct admission_attrs *a,
		       struct kf_error *err);

/* ---- for plugins ---- */

/* The stored objects of kind k in namespace ns, as server_get() reads
 * them (owned array; empty when k is NULL). Store errors. */
int admission_list(struct server *srv, const struct kind_info *k,
		   const char *ns, json_t **ret);

/* Append {key, rv, obj} (obj's reference taken) to a->also. -ENOMEM. */
int admission_also(const struct admission_attrs *a, const char *key,
		   uint64_t rv, json_t *obj);

/* The keys of JSON object obj, sorted (Kubernetes iterates Go maps;
 * messages listing several take a stable order). *ret is owned (free()),
 * its strings borrowed from obj; *ret_n entries. -ENOMEM. */
int admission_sorted_keys(const json_t *obj, const char ***ret, size_t *ret_n);

/* Is u a node agent (in group system:nodes)? 1 with *ret its node's
 * name (NAME of system:node:NAME; NULL when the user name is not of
 * that form), else 0. As Kubernetes' NodeIdentifier. */
int admission_node_name(const struct rbac_user *u, const char **ret);

/* The plugins (admission_*.c). */
extern const struct admission_plugin admission_namespace_lifecycle;
extern const struct admission_plugin admission_limit_ranger;
extern const struct admission_plugin admission_service_account;
extern const struct admission_plugin admission_node_restriction;
extern const struct admission_plugin admission_pod_security;
extern const struct admission_plugin admission_resource_quota;

#endif
