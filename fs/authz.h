/*
 * authz.h — who calls kubefs-fs, and may they: authentication from the
 * kernel's word on each FUSE request, and RBAC authorization over the
 * store's RBAC objects.
 *
 * Authentication. A request carries the caller's uid, gid and thread id.
 * The caller's user name is its passwd name ("uid:N" when the uid has
 * none); its groups are the names of its gid and supplementary groups
 * ("gid:N" when unnamed) plus "system:authenticated". uid 0, and members
 * of the admin group, are also in "system:masters" (Kubernetes'
 * privileged group: every request allowed). Identities are cached per
 * (thread id, uid, gid) for AUTHZ_IDENTITY_TTL seconds.
 *
 * Impersonation. A process whose environment (as exec'd: /proc/PID/
 * environ) holds KUBEFS_AS=USER, and optionally KUBEFS_AS_GROUPS=G1,G2,
 * acts as that user and those groups (plus system:authenticated), as
 * Kubernetes' Impersonate-User/Impersonate-Group headers do — provided
 * its real identity may "impersonate" that user (resource "users") and
 * each group ("groups"); otherwise every request of that process is
 * refused with the sentence of the missing right. Forging the variable
 * grants nothing the real identity could not grant itself.
 *
 * File servers. A system:masters process whose environment holds
 * KUBEFS_FILE_SERVER=1 is a file server exporting the tree (nfs-ganesha,
 * started so by `kubefs export nfs`): it makes its callers' reads and
 * writes as itself and decides from the mode bits it sees whether they
 * may. Its identity is marked file_server; kfs_access_stat() then shows
 * it, besides root's own rights, only what every authenticated user may
 * do (authz_anyone()) as the group and other bits, so that the server
 * refuses its callers whatever RBAC grants them alone (fail closed).
 *
 * Authorization. The RBAC objects are read from the store at start and
 * followed through the store's event log (so writes by any kubefs-fs on
 * the store count); decisions are cached per (identity, attributes) and
 * the cache is dropped when an RBAC object changes.
 *
 * Thread safety: every function may be called from any FUSE thread.
 */
#ifndef KUBEFS_FS_AUTHZ_H
#define KUBEFS_FS_AUTHZ_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "api/error.h"
#include "api/rbac.h"
#include "store/store.h"

#define AUTHZ_IDENTITY_TTL 2	  /* seconds */
#define AUTHZ_IDENTITIES_MAX 4096 /* cached identities */
#define AUTHZ_DECISIONS_MAX 65536 /* cached decisions */
#define AUTHZ_GROUPS_MAX 256	  /* supplementary groups read */
#define AUTHZ_ADMIN_GROUP "kubefs-admins"

/* An authenticated caller (refcounted; immutable once made). */
struct kfs_identity {
	unsigned refs;	       /* atomic */
	uid_t uid;	       /* the real caller's uid: its `errors` file */
	struct rbac_user user; /* name and groups (owned strings) */
	bool masters;	       /* in system:masters */
	char *key;	       /* name and groups, for the decision cache */
	/* an impersonation the real identity may not do: every request
	 * is refused with this sentence (owned, NULL when none) */
	char *refusal;
	bool file_server; /* in system:masters, exporting the tree for
			   * callers it cannot name (see "File servers") */
};

struct authz;

struct authz_config {
	struct store *store; /* borrowed; outlives the authz */
	/* the admin group's name; NULL: AUTHZ_ADMIN_GROUP if it exists */
	const char *admin_group;
};

/*
 * Read the RBAC objects of cfg->store. -EINVAL when admin_group is given
 * and names no group; -ENOMEM; store errors.
 */
int authz_new(const struct authz_config *cfg, struct authz **ret);
void authz_free(struct authz *a);

/*
 * The identity of req's caller, a new reference in *ret (release with
 * kfs_identity_put()). 0 or -ENOMEM.
 */
int authz_caller(struct authz *a, fuse_req_t req, struct kfs_identity **ret);

/*
 * The identity of uid/gid with supplementary groups (for tests and for
 * callers not on a FUSE request); pid 0: no impersonation.
 */
int authz_identity(struct authz *a, uid_t uid, gid_t gid, const gid_t *groups,
		   size_t ngroups, pid_t pid, struct kfs_identity **ret);

/*
 * The identity of user name in exactly groups (a SubjectAccessReview's
 * subject: system:authenticated is not added), for authz_allowed(); uid
 * -1 (no errors file). 0 or -ENOMEM.
 */
int authz_identity_named(const char *name, const char *const *groups,
			 size_t ngroups, struct kfs_identity **ret);

void kfs_identity_put(struct kfs_identity *id);

/*
 * Any authenticated user: a user no binding names, in the group
 * system:authenticated only (what a file server's callers get). Borrowed:
 * lives as long as a.
 */
const struct kfs_identity *authz_anyone(struct authz *a);

/*
 * The Node authorizer (authz_node.c): for a node agent (user
 * system:node:NAME in group system:nodes), reading (get) a Secret,
 * ConfigMap or PersistentVolumeClaim is allowed only when a pod bound to
 * NAME in its namespace refers to it (volumes, projections, env,
 * envFrom, imagePullSecrets; and the node's own endpoint Secret
 * kube-system/kubefs-node-endpoint-NAME); listing and watching them are
 * refused. 1 allow, 0 refuse (reason "no relationship found between node
 * 'NAME' and this object"), -1 for every other request (RBAC decides).
 * Never cached: the pods are read from st at each call.
 */
int authz_node_decide(struct store *st, const struct kfs_identity *id,
		      const struct rbac_attrs *at, char *reason, size_t size);

/* May id do at? Cached. reason (may be NULL) as rbac_authorize(). */
bool authz_allowed(struct authz *a, const struct kfs_identity *id,
		   const struct rbac_attrs *at, char *reason, size_t size);

/*
 * authz_allowed() or the refusal: 0, or -EACCES with Kubernetes'
 * sentence in err (rbac_forbidden(), or the identity's refusal).
 */
int authz_check(struct authz *a, const struct kfs_identity *id,
		const struct rbac_attrs *at, struct kf_error *err);

/* rbac_check_write() for id over the current policy (escalation). */
int authz_check_rbac_write(struct authz *a, const struct kfs_identity *id,
			   const json_t *obj, const json_t *old,
			   struct kf_error *err);

#endif
