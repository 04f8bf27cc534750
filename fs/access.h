/*
 * access.h — what each operation on the tree asks of RBAC, and the
 * answers the tree gives per caller (mode bits, access(2), EACCES).
 *
 * The mapping (Kubernetes' request attributes for a path and a verb):
 *   the root, a group, a version directory  nonResourceURL /apis,
 *                                            /apis/GROUP[/VERSION]
 *                                            (/api, /api/v1 for core)
 *   README, resources                        /openapi/v2, /apis
 *   version, healthz, metrics                /version, /healthz, /metrics
 *   errors                                   nothing (each caller's own)
 *   snapshot                                 system:masters only
 *   RESOURCE/ (listing)                      list RESOURCE, all namespaces
 *   RESOURCE/NS/ (listing)                   list RESOURCE in NS
 *   NAME, NAME@json (read)                   get RESOURCE NAME
 *   NAME (write, replace / >>)               update / patch; create when
 *                                            absent (no name, as a POST)
 *   rm NAME, NAME@delete                     delete RESOURCE NAME
 *   NAME@status, @scale (read / write)       get / update RESOURCE/SUB
 *   NAME@binding, @eviction (write)          create pods/binding, eviction
 *   NAME@log (read)                          get pods/log
 *   @watch                                   watch RESOURCE [in NS]
 * A Namespace's own attributes carry its name as their namespace, as
 * Kubernetes' request info does, so a RoleBinding's "namespaces" rule
 * reaches the namespace it lives in.
 */
#ifndef KUBEFS_FS_ACCESS_H
#define KUBEFS_FS_ACCESS_H

#include "fs/authz.h"
#include "fs/fs_i.h"

enum kfs_verb {
	KV_GET,
	KV_LIST,
	KV_WATCH,
	KV_CREATE,
	KV_UPDATE,
	KV_PATCH,
	KV_DELETE,
	KV_APPLY, /* kfs_authorize_object(): create, or update if it exists */
};

#define KFS_ACCESS_BUF 512

/*
 * The attributes of verb on node n; for a directory and KV_CREATE, of
 * creating name in it. Strings point into n, name or buf (at least
 * KFS_ACCESS_BUF bytes). Returns 0, 1 when RBAC has nothing to say (the
 * errors file, ghosts, scratch files), 2 for system:masters only
 * (snapshot).
 */
int kfs_access_attrs(const struct node *n, enum kfs_verb verb, const char *name,
		     struct rbac_attrs *ret, char *buf);

/*
 * May id do verb on n? 0, or -EACCES with Kubernetes' sentence in err.
 */
int kfs_access_check(struct authz *a, const struct kfs_identity *id,
		     const struct node *n, enum kfs_verb verb, const char *name,
		     struct kf_error *err);

/*
 * The caller's view of n's attributes: for callers outside
 * system:masters the file belongs to them and its owner bits say what
 * they may do (r: get/list/watch, w: update/create/delete, x: enter);
 * group and other bits are clear. system:masters see st unchanged, but
 * for a file server (authz.h): owner root with root's bits, and as group
 * and other bits what any authenticated user may do (authz_anyone()).
 */
void kfs_access_stat(struct authz *a, const struct kfs_identity *id,
		     const struct node *n, struct stat *st);

/* access(2) with mask (R_OK, W_OK, X_OK, F_OK) on n: 0 or -EACCES. X_OK
 * holds for directories only; id NULL (nothing checked) or in
 * system:masters may do the rest. */
int kfs_access_mask(struct authz *a, const struct kfs_identity *id,
		    const struct node *n, int mask);

/* ---- at the FUSE boundary ---- */

/*
 * The caller of req, a new reference in *ret; NULL when nothing is
 * checked (--authorization-mode=AlwaysAllow, or kubefs-fs's own
 * notifier). 0 or -ENOMEM (the request must then fail: fail closed).
 */
int kfs_caller(struct kfs *fs, fuse_req_t req, struct kfs_identity **ret);

/*
 * kfs_access_check() for req's caller; a refusal's sentence goes to the
 * caller's `errors` file under n's path (/name). 0, -EACCES or -ENOMEM.
 */
int kfs_authorize(struct kfs *fs, fuse_req_t req, const struct node *n,
		  enum kfs_verb verb, const char *name);

/* kfs_access_stat() for req's caller (nothing when unchecked). */
void kfs_authz_stat(struct kfs *fs, fuse_req_t req, const struct node *n,
		    struct stat *st);

/* The kernel's attribute cache time: t, or 0 under RBAC (the kernel
 * keeps one copy of an inode's attributes for every caller). */
double kfs_authz_timeout(const struct kfs *fs, double t);

/*
 * The check of a write's verdict: may id do verb (KV_APPLY: create, or
 * update when the object exists) on the object ns/name of kind k, or on
 * its subresource sub ("" for none)? For a create or update of an RBAC
 * object, doc (may be NULL) also passes Kubernetes' escalation check.
 * id NULL: allowed. 0, or -EACCES with the sentence in err.
 */
int kfs_authorize_object(struct kfs *fs, const struct kfs_identity *id,
			 const struct kind_info *k, const char *ns,
			 const char *name, const char *sub, enum kfs_verb verb,
			 const json_t *doc, struct kf_error *err);

/* The same for each document of a drop-box manifest (default_ns for
 * documents that name no namespace). */
int kfs_authorize_docs(struct kfs *fs, const struct kfs_identity *id,
		       const json_t *docs, const char *default_ns,
		       struct kf_error *err);

/* A SelfSubjectReview's status for id: {userInfo: {username, groups}}
 * (owned; NULL on ENOMEM). */
json_t *kfs_whoami_status(const struct kfs_identity *id);

/*
 * The review kinds, created and never stored, as in Kubernetes
 * (access_review.c): SelfSubjectAccessReview, SubjectAccessReview,
 * LocalSubjectAccessReview (authorization.k8s.io/v1) and
 * SelfSubjectReview (authentication.k8s.io/v1). Written to a drop box,
 * their responses are what the writer reads back from the name it wrote.
 */
bool kfs_is_review(const json_t *doc);

/*
 * The response to review doc from id (namespace default_ns for a
 * LocalSubjectAccessReview that names none): doc with its status filled
 * ({allowed, reason} as can-i answers it, for id or the review's
 * subject; a SelfSubjectReview's userInfo), a new object in *ret.
 * -EACCES when id may not create that review (RBAC's sentence), -EINVAL
 * for a malformed one (Kubernetes' validation sentence), both in err.
 */
int kfs_review(struct kfs *fs, const struct kfs_identity *id, const json_t *doc,
	       const char *default_ns, struct kf_error *err, json_t **ret);

/* The text of whoami / can-i?QUERY for id (owned). */
char *kfs_whoami_text(const struct kfs_identity *id, size_t *ret_len);
char *kfs_can_i_text(struct kfs *fs, const struct kfs_identity *id,
		     const char *query, size_t *ret_len);

#endif
