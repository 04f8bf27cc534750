/*
 * access.c — the tree's operations as Kubernetes request attributes, and
 * the per-caller answers built on them (see access.h).
 */
#include "fs/access.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const verb_names[] = {
    [KV_GET] = "get",	    [KV_LIST] = "list",	    [KV_WATCH] = "watch",
    [KV_CREATE] = "create", [KV_UPDATE] = "update", [KV_PATCH] = "patch",
    [KV_DELETE] = "delete",
};

/* A non-resource request for path (copied into buf). */
static int url(struct rbac_attrs *a, char *buf, const char *fmt, const char *x,
	       const char *y)
{
	snprintf(buf, KFS_ACCESS_BUF, fmt, x, y);
	a->resource_request = false;
	a->verb = "get";
	a->path = buf;
	return 0;
}

/* Discovery paths of a group and version directory. */
static int discovery(const struct node *n, struct rbac_attrs *a, char *buf)
{
	bool core = n->group && !strcmp(n->group, "core");

	if (n->type == NODE_GROUP)
		return core ? url(a, buf, "/api", "", "")
			    : url(a, buf, "/apis/%s", n->group, "");
	return core ? url(a, buf, "/api/%s", n->version, "")
		    : url(a, buf, "/apis/%s/%s", n->group, n->version);
}

static int rootfile(const struct node *n, struct rbac_attrs *a, char *buf)
{
	switch (n->rootfile) {
	case RF_README:
		return url(a, buf, "/openapi/v2", "", "");
	case RF_RESOURCES:
		return url(a, buf, "/apis", "", "");
	case RF_VERSION:
		return url(a, buf, "/version", "", "");
	case RF_HEALTHZ:
		return url(a, buf, "/healthz", "", "");
	case RF_METRICS:
		return url(a, buf, "/metrics", "", "");
	case RF_SNAPSHOT:
		return 2;
	default:
		return 1;
	}
}

/* The subresource a NODE_SUB names, and the verb a write to it is. */
static const char *subresource(enum subres sub, enum kfs_verb *verb)
{
	switch (sub) {
	case SUB_STATUS:
		return "status";
	case SUB_SCALE:
		return "scale";
	case SUB_BINDING:
		*verb = KV_CREATE;
		return "binding";
	case SUB_EVICTION:
		*verb = KV_CREATE;
		return "eviction";
	case SUB_LOG:
		*verb = KV_GET;
		return "log";
	case SUB_DELETE:
		*verb = KV_DELETE;
		return "";
	default:
		return "";
	}
}

int kfs_access_attrs(const struct node *n, enum kfs_verb verb, const char *name,
		     struct rbac_attrs *ret, char *buf)
{
	struct rbac_attrs a = {
	    .verb = verb_names[verb],
	    .resource_request = true,
	    .api_group = "",
	    .resource = "",
	    .subresource = "",
	    .name = "",
	    .namespace = n->ns ? n->ns : "",
	};
	int r = 0;

	if (n->kind) {
		a.api_group = n->kind->group;
		a.resource = n->kind->resource;
	}
	switch (n->type) {
	case NODE_ROOT:
		r = url(&a, buf, "/apis", "", "");
		break;
	case NODE_GROUP:
	case NODE_VERSION:
		r = discovery(n, &a, buf);
		break;
	case NODE_ROOTFILE:
		r = rootfile(n, &a, buf);
		break;
	case NODE_RESOURCE:
	case NODE_NSDIR:
		if (!n->kind)
			return 1;
		if (verb == KV_CREATE) {
			a.name = "";
		} else if (verb != KV_WATCH) {
			a.verb = "list";
		}
		(void)name;
		break;
	case NODE_WATCH:
		a.verb = "watch";
		break;
	case NODE_OBJECT:
		a.name = n->objname ? n->objname : "";
		if (verb == KV_CREATE)
			a.name = "";
		break;
	case NODE_SUB:
		a.name = n->objname ? n->objname : "";
		a.subresource = subresource(n->sub, &verb);
		a.verb = verb_names[verb];
		if (verb == KV_CREATE && !*a.subresource)
			a.name = "";
		break;
	default:
		return 1;
	}
	if (r)
		return r;
	/* Kubernetes: a namespace's own requests are in that namespace */
	if (a.resource_request && n->kind && !n->kind->namespaced &&
	    !strcmp(a.resource, "namespaces") && *a.name)
		a.namespace = a.name;
	*ret = a;
	return 0;
}

int kfs_access_check(struct authz *a, const struct kfs_identity *id,
		     const struct node *n, enum kfs_verb verb, const char *name,
		     struct kf_error *err)
{
	struct rbac_attrs at;
	char buf[KFS_ACCESS_BUF];
	int r;

	if (id->masters && !id->refusal)
		return 0;
	r = kfs_access_attrs(n, verb, name, &at, buf);
	if (r == 1)
		return 0;
	if (r == 2)
		return kf_error_set(err, -EACCES,
				    "forbidden: only system:masters may read "
				    "the snapshot");
	return authz_check(a, id, &at, err);
}

static bool can(struct authz *a, const struct kfs_identity *id,
		const struct node *n, enum kfs_verb verb)
{
	struct rbac_attrs at;
	char buf[KFS_ACCESS_BUF];
	int r = kfs_access_attrs(n, verb, NULL, &at, buf);

	if (r == 1)
		return true;
	if (r == 2)
		return id->masters && !id->refusal;
	return authz_allowed(a, id, &at, NULL, 0);
}

/* The caller's rights on n as rwx bits (0..7). */
static unsigned rights(struct authz *a, const struct kfs_identity *id,
		       const struct node *n)
{
	switch (n->type) {
	case NODE_ROOT:
		return 7; /* the drop box: each manifest is judged */
	case NODE_GROUP:
	case NODE_VERSION:
		return (can(a, id, n, KV_LIST) ? 5 : 1);
	case NODE_RESOURCE:
	case NODE_NSDIR:
		return (can(a, id, n, KV_LIST) ? 5 : 1) |
		       ((n->type == NODE_NSDIR || !n->kind->namespaced) &&
				can(a, id, n, KV_CREATE)
			    ? 2
			    : 0);
	case NODE_ROOTFILE:
		return can(a, id, n, KV_GET) ? 4 : 0;
	case NODE_WATCH:
		return can(a, id, n, KV_WATCH) ? 4 : 0;
	case NODE_OBJECT:
		return (can(a, id, n, KV_GET) ? 4 : 0) |
		       (can(a, id, n, KV_UPDATE) ? 2 : 0);
	case NODE_SUB:
		switch (n->sub) {
		case SUB_BINDING:
		case SUB_EVICTION:
			return can(a, id, n, KV_CREATE) ? 2 : 0;
		case SUB_DELETE:
			return can(a, id, n, KV_DELETE) ? 2 : 0;
		case SUB_LOG:
			return can(a, id, n, KV_GET) ? 4 : 0;
		default:
			return (can(a, id, n, KV_GET) ? 4 : 0) |
			       (can(a, id, n, KV_UPDATE) ? 2 : 0);
		}
	default:
		return 6;
	}
}

void kfs_access_stat(struct authz *a, const struct kfs_identity *id,
		     const struct node *n, struct stat *st)
{
	unsigned bits;

	if (id->masters && !id->refusal)
		return;
	bits = rights(a, id, n);
	if (n->type == NODE_ROOTFILE && n->rootfile == RF_ERRORS)
		bits = 4;
	st->st_uid = id->uid;
	st->st_mode = (st->st_mode & S_IFMT) | (bits << 6);
	if (!(bits & 4) && S_ISREG(st->st_mode))
		st->st_size = 0; /* not even the size of what one cannot read */
}

int kfs_access_mask(struct authz *a, const struct kfs_identity *id,
		    const struct node *n, int mask)
{
	unsigned bits, want = 0;

	if (id->masters && !id->refusal)
		return 0;
	if (mask == F_OK)
		return 0;
	bits = rights(a, id, n);
	if (n->type == NODE_ROOTFILE && n->rootfile == RF_ERRORS)
		bits = 4;
	if (mask & R_OK)
		want |= 4;
	if (mask & W_OK)
		want |= 2;
	if (mask & X_OK)
		want |= 1;
	return (bits & want) == want ? 0 : -EACCES;
}
