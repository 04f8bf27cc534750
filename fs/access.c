/*
 * access.c — the tree's operations as Kubernetes request attributes, and
 * the per-caller answers built on them (see access.h).
 */
#include "fs/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/kinds.h"
#include "apiserver/mergepatch.h"

static const char *const verb_names[] = {
    [KV_GET] = "get",	    [KV_LIST] = "list",	    [KV_WATCH] = "watch",
    [KV_CREATE] = "create", [KV_UPDATE] = "update", [KV_PATCH] = "patch",
    [KV_DELETE] = "delete", [KV_APPLY] = "create",
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
	case SUB_FINALIZE:
		return "finalize";
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

/*
 * A read of an object the caller may list: Kubernetes' list returns every
 * object whole, and a kubefs list is a readdir then a read of each
 * object, so the list right lets those reads through (it reveals nothing
 * the list does not). can-i still answers Kubernetes' question.
 */
static bool listed(struct authz *a, const struct kfs_identity *id,
		   const struct rbac_attrs *at)
{
	struct rbac_attrs l = *at;

	if (!at->resource_request || strcmp(at->verb, "get") ||
	    *at->subresource || !at->name || !*at->name)
		return false;
	l.verb = "list";
	l.name = "";
	return authz_allowed(a, id, &l, NULL, 0);
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
	r = authz_check(a, id, &at, err);
	if (r == -EACCES && !id->refusal && listed(a, id, &at)) {
		kf_error_init(err);
		r = 0;
	}
	return r;
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
	return authz_allowed(a, id, &at, NULL, 0) ||
	       (!id->refusal && listed(a, id, &at));
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

/* The rights shown to everybody but the owner: what any authenticated
 * user may do. */
static unsigned anyones_rights(struct authz *a, const struct node *n)
{
	if (n->type == NODE_ROOTFILE && n->rootfile == RF_ERRORS)
		return 4;
	return rights(a, authz_anyone(a), n);
}

void kfs_access_stat(struct authz *a, const struct kfs_identity *id,
		     const struct node *n, struct stat *st)
{
	unsigned bits;

	if (id->masters && !id->refusal) {
		if (id->file_server) {
			bits = anyones_rights(a, n);
			st->st_uid = 0;
			st->st_gid = 0;
			st->st_mode = (st->st_mode & (S_IFMT | 0700)) |
				      (bits << 3) | bits;
		}
		return;
	}
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
	bool dir = n->type == NODE_ROOT || n->type == NODE_GROUP ||
		   n->type == NODE_VERSION || n->type == NODE_RESOURCE ||
		   n->type == NODE_NSDIR;

	if ((mask & X_OK) && !dir)
		return -EACCES; /* no file here is a program */
	if (!id || (id->masters && !id->refusal) || mask == F_OK)
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

/* ---- at the FUSE boundary ---- */

int kfs_caller(struct kfs *fs, fuse_req_t req, struct kfs_identity **ret)
{
	*ret = NULL;
	if (!fs->authz || notifier_is_caller(fs->notifier, req))
		return 0;
	return authz_caller(fs->authz, req, ret);
}

int kfs_authorize(struct kfs *fs, fuse_req_t req, const struct node *n,
		  enum kfs_verb verb, const char *name)
{
	struct kfs_identity *id;
	struct kf_error err;
	int r = kfs_caller(fs, req, &id);

	if (r < 0 || !id)
		return r;
	kf_error_init(&err);
	r = kfs_access_check(fs->authz, id, n, verb, name, &err);
	if (r == -EACCES) {
		_cleanup_free_ char *dir = kfs_node_path(fs, n);
		_cleanup_free_ char *path = NULL;

		if (name && asprintf(&path, "%s/%s", dir ? dir : "", name) < 0)
			path = NULL;
		errlog_add(fs->errlog, id->uid,
			   path	 ? path
			   : dir ? dir
				 : "",
			   err.msg);
	}
	kfs_identity_put(id);
	return r;
}

void kfs_authz_stat(struct kfs *fs, fuse_req_t req, const struct node *n,
		    struct stat *st)
{
	struct kfs_identity *id;

	if (kfs_caller(fs, req, &id) < 0) {
		st->st_mode &= S_IFMT; /* fail closed: no rights shown */
		return;
	}
	if (!id)
		return;
	kfs_access_stat(fs->authz, id, n, st);
	kfs_identity_put(id);
}

double kfs_authz_timeout(const struct kfs *fs, double t)
{
	return fs->authz ? 0.0 : t;
}

/* Is the RBAC object kind k? */
static bool rbac_kind(const struct kind_info *k)
{
	return !strcmp(k->group, RBAC_GROUP);
}

/*
 * The escalation check of writing doc (a create, update or patch of an
 * RBAC object at ns/name; old: the stored one or NULL), judged on the
 * object as the server will store it: its name and namespace are the
 * path's.
 */
static int rbac_write_check(struct kfs *fs, const struct kfs_identity *id,
			    const struct kind_info *k, const char *ns,
			    const char *name, enum kfs_verb verb,
			    const json_t *doc, const json_t *old,
			    struct kf_error *err)
{
	_cleanup_json_ json_t *obj = NULL;
	json_t *meta;
	int r;

	if (verb == KV_PATCH) {
		/* the object the patch makes */
		if (!old || mergepatch_apply(old, doc, &obj) < 0)
			return 0; /* the server refuses the patch itself */
	} else if (verb == KV_CREATE || verb == KV_UPDATE) {
		obj = json_deep_copy(doc);
	} else {
		return 0;
	}
	meta = obj ? json_object_get(obj, "metadata") : NULL;
	if (obj && !json_is_object(meta)) {
		meta = json_object();
		json_object_set_new(obj, "metadata", meta);
	}
	if (!meta)
		return -ENOMEM;
	if (name && *name)
		json_object_set_new(meta, "name", json_string(name));
	if (k->namespaced && ns)
		json_object_set_new(meta, "namespace", json_string(ns));
	json_object_set_new(obj, "kind", json_string(k->kind));
	r = authz_check_rbac_write(fs->authz, id, obj, old, err);
	return r;
}

int kfs_authorize_object(struct kfs *fs, const struct kfs_identity *id,
			 const struct kind_info *k, const char *ns,
			 const char *name, const char *sub, enum kfs_verb verb,
			 const json_t *doc, struct kf_error *err)
{
	_cleanup_json_ json_t *old = NULL;
	struct rbac_attrs at = {
	    .resource_request = true,
	    .api_group = k->group,
	    .resource = k->resource,
	    .subresource = sub ? sub : "",
	    .name = name ? name : "",
	    .namespace = k->namespaced && ns ? ns : "",
	};
	int r;

	if (!id)
		return 0;
	if (verb == KV_APPLY || (doc && rbac_kind(k) && verb != KV_DELETE))
		server_get(fs->srv, k, ns, name, NULL, &old);
	if (verb == KV_APPLY)
		verb = old ? KV_UPDATE : KV_CREATE;
	at.verb = verb_names[verb];
	if (verb == KV_CREATE && !*at.subresource)
		at.name = ""; /* a create names no object: a POST */
	if (!k->namespaced && !strcmp(k->resource, "namespaces") && name &&
	    *name)
		at.namespace = name;
	r = authz_check(fs->authz, id, &at, err);
	if (r < 0 || !doc || !rbac_kind(k) || *at.subresource)
		return r;
	return rbac_write_check(fs, id, k, ns, name, verb, doc, old, err);
}

int kfs_authorize_docs(struct kfs *fs, const struct kfs_identity *id,
		       const json_t *docs, const char *default_ns,
		       struct kf_error *err)
{
	const json_t *doc;
	size_t i;

	if (!id)
		return 0;
	json_array_foreach ((json_t *)docs, i, doc) {
		const json_t *meta = json_object_get(doc, "metadata");
		const char *ns =
		    json_string_value(json_object_get(meta, "namespace"));
		const char *name =
		    json_string_value(json_object_get(meta, "name"));
		const struct kind_info *k = kinds_by_gvk(
		    json_string_value(json_object_get(doc, "apiVersion")),
		    json_string_value(json_object_get(doc, "kind")));
		int r;

		if (!k)
			continue; /* the server refuses it with its reason */
		r = kfs_authorize_object(fs, id, k, ns ? ns : default_ns,
					 name ? name : "", "",
					 name ? KV_APPLY : KV_CREATE, doc, err);
		if (r < 0)
			return r;
	}
	return 0;
}

json_t *kfs_whoami_status(const struct kfs_identity *id)
{
	json_t *groups = json_array();

	for (size_t i = 0; id && groups && i < id->user.ngroups; i++)
		json_array_append_new(groups, json_string(id->user.groups[i]));
	return json_pack("{s:{s:s,s:o}}", "userInfo", "username",
			 id ? id->user.name : "system:anonymous", "groups",
			 groups);
}

char *kfs_whoami_text(const struct kfs_identity *id, size_t *ret_len)
{
	_cleanup_json_ json_t *review = NULL;
	char *text;

	review =
	    json_pack("{s:s,s:s,s:{},s:o}", "apiVersion",
		      "authentication.k8s.io/v1", "kind", "SelfSubjectReview",
		      "metadata", "status", kfs_whoami_status(id));
	text = review ? json_dumps(review, JSON_INDENT(2)) : NULL;
	if (!text)
		return NULL;
	*ret_len = strlen(text);
	text = realloc(text, *ret_len + 2);
	if (text) {
		text[(*ret_len)++] = '\n';
		text[*ret_len] = '\0';
	}
	return text;
}

/* The value of key in an & separated, %-encoded query, decoded into buf. */
static const char *query_get(const char *query, const char *key, char *buf,
			     size_t size)
{
	size_t kn = strlen(key);

	buf[0] = '\0';
	for (const char *p = query; p && *p;
	     p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		size_t j = 0;

		if (strncmp(p, key, kn) || p[kn] != '=')
			continue;
		for (p += kn + 1; *p && *p != '&' && j + 1 < size; p++) {
			unsigned v;

			if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1) {
				buf[j++] = (char)v;
				p += 2;
			} else {
				buf[j++] = *p;
			}
		}
		buf[j] = '\0';
		break;
	}
	return buf;
}

char *kfs_can_i_text(struct kfs *fs, const struct kfs_identity *id,
		     const char *query, size_t *ret_len)
{
	char verb[64], group[256], res[256], sub[64], name[256], ns[256];
	char path[1024], reason[RBAC_REASON_MAX];
	struct rbac_attrs at = {
	    .verb = query_get(query, "verb", verb, sizeof(verb)),
	    .api_group = query_get(query, "group", group, sizeof(group)),
	    .resource = query_get(query, "resource", res, sizeof(res)),
	    .subresource = query_get(query, "subresource", sub, sizeof(sub)),
	    .name = query_get(query, "name", name, sizeof(name)),
	    .namespace = query_get(query, "namespace", ns, sizeof(ns)),
	    .path = query_get(query, "path", path, sizeof(path)),
	};
	bool ok;
	char *text = NULL;

	at.resource_request = !*path;
	reason[0] = '\0';
	ok = !id || authz_allowed(fs->authz, id, &at, reason, sizeof(reason));
	if (id && id->refusal) {
		ok = false;
		snprintf(reason, sizeof(reason), "%s", id->refusal);
	}
	if (asprintf(&text, "%s%s%s\n", ok ? "yes" : "no",
		     !ok && *reason ? " - " : "", ok ? "" : reason) < 0)
		return NULL;
	*ret_len = strlen(text);
	return text;
}
