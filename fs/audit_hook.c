/*
 * audit_hook.c — the tree's requests as audit events (audit_hook.h).
 */
#include "fs/audit_hook.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/validate.h"
#include "apiserver/audit.h"

static const char *const verb_names[] = {
    [KV_GET] = "get",	    [KV_LIST] = "list",	    [KV_WATCH] = "watch",
    [KV_CREATE] = "create", [KV_UPDATE] = "update", [KV_PATCH] = "patch",
    [KV_DELETE] = "delete", [KV_APPLY] = "update",
};

void kfs_audit_received(struct timespec *ret)
{
	clock_gettime(CLOCK_REALTIME, ret);
}

static void fill_user(struct audit_request *a, const struct kfs_identity *id)
{
	a->user = id->user.name;
	a->groups = id->user.groups;
	a->ngroups = id->user.ngroups;
}

/* The object as the store has it now (JSON), or NULL. Owned. */
static json_t *stored(struct kfs *fs, const struct kind_info *k, const char *ns,
		      const char *name)
{
	char key[STORE_KEY_MAX + 1];
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (!name || !*name || server_key(k, ns, name, key, sizeof(key)) < 0 ||
	    kfs_render(fs, key, RENDER_JSON, &text, &len, NULL, NULL) < 0)
		return NULL;
	return json_loadb(text, len, 0, NULL);
}

/* What was written, as one object (several documents: a List). */
static json_t *written(const char *body, size_t len)
{
	json_t *docs = NULL, *one;

	if (!body || codec_decode(body, len, NULL, NULL, &docs) < 0)
		return NULL;
	if (json_array_size(docs) == 1) {
		one = json_incref(json_array_get(docs, 0));
		json_decref(docs);
		return one;
	}
	return json_pack("{s:s,s:s,s:o}", "apiVersion", "v1", "kind", "List",
			 "items", docs);
}

/* One resource request; verb is Kubernetes' word for it. */
static void resource_event(struct kfs *fs, const struct kfs_identity *id,
			   const struct kind_info *k, const char *ns,
			   const char *name, const char *sub, const char *verb,
			   int r, const struct timespec *received,
			   const char *body, size_t body_len)
{
	_cleanup_json_ json_t *req_obj = NULL, *resp_obj = NULL;
	struct audit_request a = {0};
	enum audit_level level;

	fill_user(&a, id);
	a.verb = verb;
	a.api_group = k->group;
	a.api_version = k->version;
	a.resource = k->resource;
	a.subresource = sub;
	a.ns = k->namespaced ? ns : "";
	a.name = name;
	a.code = audit_code(verb, r);
	a.allowed = r != -EACCES;
	a.received = *received;
	level = audit_decide(fs->audit, &a);
	if (level == AUDIT_NONE)
		return;
	if (level >= AUDIT_REQUEST && body)
		a.request_object = req_obj = written(body, body_len);
	/* the object after a get or a write of it */
	if (level >= AUDIT_REQUEST_RESPONSE && r == 0 && !(sub && *sub) &&
	    (!strcmp(verb, "get") || (body && strcmp(verb, "delete"))))
		a.response_object = resp_obj = stored(fs, k, ns, name);
	audit_log(fs->audit, &a, level);
}

void kfs_audit_object(struct kfs *fs, const struct kfs_identity *id,
		      const struct kind_info *k, const char *ns,
		      const char *name, const char *sub, enum kfs_verb verb,
		      int r, const struct timespec *received, const char *body,
		      size_t body_len)
{
	if (fs->audit && id && k)
		resource_event(fs, id, k, ns, name, sub, verb_names[verb], r,
			       received, body, body_len);
}

void kfs_audit_node(struct kfs *fs, const struct kfs_identity *id,
		    const struct node *n, enum kfs_verb verb, const char *name,
		    int r, const struct timespec *received)
{
	struct rbac_attrs at;
	struct audit_request a = {0};
	char buf[KFS_ACCESS_BUF];
	enum audit_level level;

	if (!fs->audit || !id)
		return;
	if (n->kind && n->type != NODE_ROOTFILE) {
		if (kfs_access_attrs(n, verb, name, &at, buf) != 0)
			return;
		resource_event(fs, id, n->kind, at.namespace,
			       verb == KV_CREATE && name ? name : at.name,
			       at.subresource, at.verb, r, received, NULL, 0);
		return;
	}
	/* the root, discovery and root files: non-resource requests */
	if (kfs_access_attrs(n, verb, name, &at, buf) != 0 ||
	    at.resource_request)
		return;
	fill_user(&a, id);
	a.verb = at.verb;
	a.path = at.path;
	a.code = audit_code(a.verb, r);
	a.allowed = r != -EACCES;
	a.received = *received;
	level = audit_decide(fs->audit, &a);
	audit_log(fs->audit, &a, level);
}

/* The verb and subresource a write's verdict is. */
static enum kfs_verb write_verb(const struct kfs_write *w, bool existed,
				const char **ret_sub)
{
	*ret_sub = "";
	if (w->target == NODE_SUB) {
		switch (w->sub) {
		case SUB_DELETE:
			return KV_DELETE;
		case SUB_BINDING:
			*ret_sub = "binding";
			return KV_CREATE;
		case SUB_EVICTION:
			*ret_sub = "eviction";
			return KV_CREATE;
		case SUB_STATUS:
			*ret_sub = "status";
			break;
		case SUB_SCALE:
			*ret_sub = "scale";
			break;
		case SUB_FINALIZE:
			*ret_sub = "finalize";
			break;
		default:
			break;
		}
		return w->append ? KV_PATCH : KV_UPDATE;
	}
	if (w->append)
		return KV_PATCH;
	return existed ? KV_UPDATE : KV_CREATE;
}

void kfs_audit_write(struct kfs *fs, const struct kfs_write *w, bool existed,
		     int r, const struct timespec *received)
{
	const char *sub, *name = NULL;
	enum kfs_verb verb;

	if (!fs->audit || !w->id || !w->kind)
		return;
	verb = write_verb(w, existed, &sub);
	/* a manifest dropped under another name is a POST: no name */
	if (w->entry && name_valid(w->kind->name_rule, w->entry))
		name = w->entry;
	resource_event(fs, w->id, w->kind, w->ns, name, sub, verb_names[verb],
		       r, received, w->buf ? w->buf : "", w->len);
}
