/*
 * server.c — the bottom layer of the API server: keys, reads, lists and
 * the helpers every other server*.c file shares. It calls none of the
 * write, delete or Service paths: only the batch's read overlay
 * (srv_batch_read, server_batch.c), so that reads inside a batch see
 * its earlier writes.
 *
 * The server's lifecycle is in server_lifecycle.c, the write paths in
 * server_write.c and server_delete.c, Service allocation in
 * server_service.c; see server_i.h.
 */
#include "apiserver/server_i.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/codec.h"

static __thread const struct rbac_user *request_user;

void server_request_user(const struct rbac_user *u)
{
	request_user = u;
}

const struct rbac_user *srv_request_user(void)
{
	return request_user;
}

time_t srv_now(struct server *srv)
{
	return srv->clock(srv->clock_ud);
}

/* Is key stored? (store_get without keeping the value) */
static bool key_exists(struct server *srv, const char *key)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	uint64_t rv;

	return store_get(srv->store, key, &data, &len, &rv) == 0;
}

/* A name or namespace that can be a key segment. */
static bool segment_ok(const char *s)
{
	return s && *s && !strchr(s, '/');
}

int server_key(const struct kind_info *k, const char *ns, const char *name,
	       char *buf, size_t size)
{
	int n;

	if (!k || !segment_ok(name) || (k->namespaced && !segment_ok(ns)))
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s/%s/%s", k->path_group, k->resource,
		     k->namespaced ? ns : "", name);
	if (n < 0 || (size_t)n >= size || n > STORE_KEY_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int server_prefix(const struct kind_info *k, const char *ns, char *buf,
		  size_t size)
{
	int n;

	if (!k || (k->namespaced && ns && !segment_ok(ns)))
		return -EINVAL;
	if (!k->namespaced)
		n = snprintf(buf, size, "%s/%s//", k->path_group, k->resource);
	else if (ns)
		n = snprintf(buf, size, "%s/%s/%s/", k->path_group, k->resource,
			     ns);
	else
		n = snprintf(buf, size, "%s/%s/", k->path_group, k->resource);
	if (n < 0 || (size_t)n >= size || n > STORE_KEY_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int srv_ref_init(const struct kind_info *k, const char *ns, const char *name,
		 struct srv_ref *ret)
{
	ret->k = k;
	ret->ns = ns;
	ret->name = name;
	return server_key(k, ns, name, ret->key, sizeof(ret->key));
}

/* The kind stored under path_group/resource. */
static const struct kind_info *kind_by_key(const char *group,
					   const char *resource)
{
	for (size_t i = 0; i < kinds_count(); i++) {
		const struct kind_info *k = kinds_at(i);

		if (!strcmp(k->path_group, group) &&
		    !strcmp(k->resource, resource))
			return k;
	}
	return NULL;
}

int server_parse_key(char *buf, const struct kind_info **ret_kind,
		     const char **ret_ns, const char **ret_name)
{
	char *part[4];
	const struct kind_info *k;
	char *p = buf;

	for (int i = 0; i < 4; i++) {
		char *slash = strchr(p, '/');

		part[i] = p;
		if (i < 3) {
			if (!slash)
				return -EINVAL;
			*slash = '\0';
			p = slash + 1;
		} else if (slash) {
			return -EINVAL;
		}
	}
	k = kind_by_key(part[0], part[1]);
	if (!k || !*part[3] || k->namespaced != (*part[2] != '\0'))
		return -EINVAL;
	*ret_kind = k;
	*ret_ns = part[2];
	*ret_name = part[3];
	return 0;
}

void srv_set_rv(json_t *obj, uint64_t rv)
{
	char buf[24];
	json_t *meta = json_object_get(obj, "metadata");

	if (!json_is_object(meta)) {
		meta = json_object();
		if (json_object_set_new(obj, "metadata", meta) < 0)
			return;
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, rv);
	json_object_set_new(meta, "resourceVersion", json_string(buf));
}

json_t *server_decode_value(const char *data, size_t len, uint64_t rv)
{
	json_t *obj;

	if (!data)
		return NULL;
	obj = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return NULL;
	}
	srv_set_rv(obj, rv);
	return obj;
}

int srv_read(struct server *srv, const char *key, json_t **ret_obj,
	     uint64_t *ret_rv)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	uint64_t rv;
	json_t *obj;
	int r;

	if (srv_batching()) {
		r = srv_batch_read(key, ret_obj, ret_rv);
		if (r <= 0)
			return r;
	}
	r = store_get(srv->store, key, &data, &len, &rv);
	if (r < 0)
		return r;
	obj = server_decode_value(data, len, rv);
	if (!obj)
		return -EIO;
	*ret_obj = obj;
	if (ret_rv)
		*ret_rv = rv;
	return 0;
}

json_t *srv_meta(const json_t *obj)
{
	json_t *m = json_object_get(obj, "metadata");

	return json_is_object(m) ? m : NULL;
}

const char *srv_meta_str(const json_t *obj, const char *field)
{
	return json_string_value(json_object_get(srv_meta(obj), field));
}

int srv_encode(json_t *obj, struct kf_error *err, char **ret, size_t *ret_len)
{
	json_t *meta = srv_meta(obj);
	size_t len;
	char *data;

	if (meta)
		json_object_del(meta, "resourceVersion");
	data = codec_encode_json_line(obj, &len);
	if (!data)
		return -ENOMEM;
	if (len > CODEC_MAX_BYTES) {
		free(data);
		return kf_error_set(err, -EFBIG,
				    "Request entity too large: limit is %u",
				    CODEC_MAX_BYTES);
	}
	*ret = data;
	*ret_len = len;
	return 0;
}

int srv_store_error(int r, struct kf_error *err)
{
	switch (r) {
	case -ENOSPC:
		return kf_error_set(err, r,
				    "database space exceeded: the store is "
				    "full");
	case -EIO:
		return kf_error_set(err, r,
				    "Internal error occurred: the store "
				    "failed to write: %s",
				    strerror(-r));
	default:
		return kf_error_set(err, r, "Internal error occurred: %s",
				    strerror(-r));
	}
}

int srv_not_found(struct kf_error *err, const struct kind_info *k,
		  const char *name)
{
	return kf_error_set(err, -ENOENT, SRV_RES_FMT " \"%s\" not found",
			    SRV_RES_ARGS(k), name ? name : "");
}

int srv_no_such_resource(struct kf_error *err)
{
	return kf_error_set(err, -ENOENT,
			    "the server could not find the requested "
			    "resource");
}

int srv_conflict(struct kf_error *err, const struct kind_info *k,
		 const char *name)
{
	return kf_error_set(err, -ESTALE,
			    "Operation cannot be fulfilled on " SRV_RES_FMT
			    " \"%s\": the object has been modified; please "
			    "apply your changes to the latest version and try "
			    "again",
			    SRV_RES_ARGS(k), name ? name : "");
}

int server_get(struct server *srv, const struct kind_info *k, const char *ns,
	       const char *name, struct kf_error *err, json_t **ret_obj)
{
	char key[STORE_KEY_MAX + 1];
	int r;

	if (!k)
		return -EINVAL;
	if (server_key(k, ns, name, key, sizeof(key)) < 0)
		return srv_not_found(err, k, name);
	r = srv_read(srv, key, ret_obj, NULL);
	if (r == -ENOENT)
		return srv_not_found(err, k, name);
	if (r < 0)
		return kf_error_set(err, r, "Internal error occurred: %s",
				    strerror(-r));
	return 0;
}

struct list_ctx {
	size_t prefix_len;
	bool all_ns;
	const char *ns;
	server_name_fn fn;
	void *ud;
};

static int list_one(void *ud, const char *key, size_t key_len, const char *data,
		    size_t len, uint64_t rv)
{
	struct list_ctx *c = ud;
	char buf[STORE_KEY_MAX + 1];
	const char *ns = c->ns;
	char *name;
	size_t n;

	(void)data;
	(void)len;
	if (key_len <= c->prefix_len || key_len > STORE_KEY_MAX)
		return 0;
	n = key_len - c->prefix_len;
	memcpy(buf, key + c->prefix_len, n);
	buf[n] = '\0';
	name = buf;
	if (c->all_ns) {
		char *slash = strchr(buf, '/');

		if (!slash)
			return 0;
		*slash = '\0';
		ns = buf;
		name = slash + 1;
	}
	if (!*name || strchr(name, '/'))
		return 0;
	return c->fn(c->ud, ns, name, rv);
}

int server_list_names(struct server *srv, const struct kind_info *k,
		      const char *ns, server_name_fn fn, void *ud,
		      uint64_t *ret_rv)
{
	char prefix[STORE_KEY_MAX + 1];
	struct list_ctx c = {.fn = fn, .ud = ud};
	int r;

	if (!k || !fn)
		return -EINVAL;
	r = server_prefix(k, ns, prefix, sizeof(prefix));
	if (r < 0)
		return r;
	if (!k->namespaced)
		c.ns = "";
	else if (ns)
		c.ns = ns;
	else
		c.all_ns = true;
	c.prefix_len = strlen(prefix);
	return store_list(srv->store, prefix, list_one, &c, ret_rv);
}

bool server_namespace_exists(struct server *srv, const char *ns)
{
	char key[STORE_KEY_MAX + 1];

	if (!srv->k_ns || server_key(srv->k_ns, NULL, ns, key, sizeof(key)) < 0)
		return false;
	return key_exists(srv, key);
}
