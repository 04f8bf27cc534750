/*
 * audit_hook.h — the tree's requests into the audit log
 * (apiserver/audit.h): each operation calls one hook when its outcome is
 * known, with the caller's identity, the verb the tree mapped it to
 * (fs/access.h) and the result. Nothing is done without
 * --audit-policy-file, nor for requests without an identity
 * (--authorization-mode=AlwaysAllow, kubefs-fs's own notifier).
 */
#ifndef KUBEFS_FS_AUDIT_HOOK_H
#define KUBEFS_FS_AUDIT_HOOK_H

#include <time.h>

#include "fs/access.h"

/* The moment a request came (CLOCK_REALTIME). */
void kfs_audit_received(struct timespec *ret);

/* verb on node n (for KV_CREATE in a directory: of entry name) by id,
 * ended with r (0 or -errno). */
void kfs_audit_node(struct kfs *fs, const struct kfs_identity *id,
		    const struct node *n, enum kfs_verb verb, const char *name,
		    int r, const struct timespec *received);

/* verb on object ns/name of kind k (sub: subresource or "") by id, ended
 * with r; body (may be NULL): the bytes written, logged at the Request
 * level and above. */
void kfs_audit_object(struct kfs *fs, const struct kfs_identity *id,
		      const struct kind_info *k, const char *ns,
		      const char *name, const char *sub, enum kfs_verb verb,
		      int r, const struct timespec *received, const char *body,
		      size_t body_len);

/* A write's verdict (ops_write.c): create, update or patch of the
 * object or a subresource, or a delete through NAME@delete; existed: the
 * object was there before. Drop-box manifests at the root (no kind) are
 * not logged. */
void kfs_audit_write(struct kfs *fs, const struct kfs_write *w, bool existed,
		     int r, const struct timespec *received);

#endif
