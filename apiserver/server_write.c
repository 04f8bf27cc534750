/*
 * server_write.c — create, replace, patch and apply: every write that
 * stores a whole object, as kube-apiserver's registry runs it
 * (identity → server-set metadata → defaulting and validation → status
 * handling → allocation → one atomic, compare-and-swap store write).
 */
#include "apiserver/server_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/validate.h"
#include "apiserver/admission.h"
#include "apiserver/mergepatch.h"

/* ---- identity ---- */

static int kind_mismatch(struct kf_error *err, const struct kind_info *k,
			 const char *what, const char *got, const char *want)
{
	return kf_error_set(err, -EINVAL,
			    "the %s in the data (%s) does not match the "
			    "expected %s (%s): %s/%s/%s holds %s objects",
			    what, got, what, want, k->path_group, k->version,
			    k->resource, k->kind);
}

/* metadata.FIELD must be a string when present. */
static int meta_string(const struct kind_info *k, json_t *meta,
		       const char *field, const char **ret,
		       struct kf_error *err)
{
	json_t *v = json_object_get(meta, field);
	char path[64];

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(path, sizeof(path), "ObjectMeta.metadata.%s", field);
		return srv_type_error(err, k, v, path, "string");
	}
	*ret = json_string_value(v);
	return 0;
}

/*
 * A private copy of obj with apiVersion/kind checked (filled when absent)
 * and metadata.name/namespace agreeing with the request: name (NULL:
 * from the object, or generateName) and ns (NULL for cluster scope).
 */
static int identity(const struct kind_info *k, const char *ns, const char *name,
		    const json_t *obj, json_t **ret, struct kf_error *err)
{
	_cleanup_json_ json_t *w = NULL;
	const char *s, *mname, *mns, *gen;
	json_t *v, *meta;
	int r;

	if (!json_is_object(obj))
		return kf_error_set(err, -EINVAL,
				    "%s in version \"%s\" cannot be handled as "
				    "a %s: json: cannot unmarshal %s into Go "
				    "value of type %s.%s",
				    k->kind, k->version, k->kind,
				    json_is_array(obj) ? "array" : "scalar",
				    k->version, k->kind);
	w = json_deep_copy(obj);
	if (!w)
		return -ENOMEM;

	v = json_object_get(w, "apiVersion");
	s = json_string_value(v);
	if (!v || json_is_null(v) || (s && !*s))
		json_object_set_new(w, "apiVersion",
				    json_string(k->api_version));
	else if (!s || strcmp(s, k->api_version))
		return kind_mismatch(err, k, "API version", s ? s : "?",
				     k->api_version);
	v = json_object_get(w, "kind");
	s = json_string_value(v);
	if (!v || json_is_null(v) || (s && !*s))
		json_object_set_new(w, "kind", json_string(k->kind));
	else if (!s || strcmp(s, k->kind))
		return kind_mismatch(err, k, "kind", s ? s : "?", k->kind);

	meta = json_object_get(w, "metadata");
	if (!meta || json_is_null(meta)) {
		meta = json_object();
		if (json_object_set_new(w, "metadata", meta) < 0)
			return -ENOMEM;
	} else if (!json_is_object(meta)) {
		char field[64];

		snprintf(field, sizeof(field), "%s.metadata", k->kind);
		return srv_type_error(err, k, meta, field, "v1.ObjectMeta");
	}
	if ((r = meta_string(k, meta, "name", &mname, err)) < 0 ||
	    (r = meta_string(k, meta, "namespace", &mns, err)) < 0 ||
	    (r = meta_string(k, meta, "generateName", &gen, err)) < 0 ||
	    (r = meta_string(k, meta, "resourceVersion", &s, err)) < 0)
		return r;

	if (name) {
		if (mname && *mname && strcmp(mname, name))
			return kf_error_set(
			    err, -EINVAL,
			    "the name of the object (%s) does "
			    "not match the name on the URL (%s)",
			    mname, name);
		json_object_set_new(meta, "name", json_string(name));
	} else if (!mname || !*mname) {
		if (!gen || !*gen)
			return kf_error_set(
			    err, -EINVAL,
			    "%s \"\" is invalid: metadata.name: "
			    "Required value: name or "
			    "generateName is required",
			    kind_qualified(k));
		json_object_del(meta, "name");
	}

	if (k->namespaced) {
		if (!ns || !*ns)
			return kf_error_set(err, -EINVAL,
					    "an empty namespace may not be set "
					    "when a resource name is provided");
		if (mns && *mns && strcmp(mns, ns))
			return kf_error_set(err, -EINVAL,
					    "the namespace of the provided "
					    "object does not match the "
					    "namespace sent on the request");
		json_object_set_new(meta, "namespace", json_string(ns));
	} else {
		json_object_del(meta, "namespace");
	}
	*ret = TAKE_PTR(w);
	return 0;
}

/* ---- shared pieces ---- */

static int already_exists(struct kf_error *err, const struct kind_info *k,
			  const char *name)
{
	return kf_error_set(err, -EEXIST, SRV_RES_FMT " \"%s\" already exists",
			    SRV_RES_ARGS(k), name);
}

/* A name that cannot be a key: let validation word it, else say why. */
static int bad_name(const struct kind_info *k, json_t *w, const char *name,
		    struct kf_error *err)
{
	int r = kind_admit(k, w, NULL, err);

	if (r < 0)
		return r;
	return kf_error_set(err, -EINVAL,
			    "%s \"%s\" is invalid: metadata.name: Invalid "
			    "value: \"%s\": may not contain '/'",
			    kind_qualified(k), name, name);
}

static void copy_field(json_t *dst, const json_t *src, const char *field)
{
	json_t *v = json_object_get(src, field);

	if (v)
		json_object_set_new(dst, field, json_deep_copy(v));
	else
		json_object_del(dst, field);
}

/* The strings in a's finalizers that b's lack, as Go's %#v []string. */
static bool new_finalizers(const json_t *a, const json_t *b, char *buf,
			   size_t size)
{
	json_t *fa = json_object_get(srv_meta(a), "finalizers");
	json_t *fb = json_object_get(srv_meta(b), "finalizers");
	size_t len = (size_t)snprintf(buf, size, "[]string{"), i, j;
	bool found = false;
	json_t *v, *w;

	json_array_foreach (fa, i, v) {
		bool old = false;

		json_array_foreach (fb, j, w)
			if (json_equal(v, w))
				old = true;
		if (old)
			continue;
		if (len < size)
			len += (size_t)snprintf(
			    buf + len, size - len, "%s\"%s\"",
			    found ? ", " : "",
			    json_string_value(v) ? json_string_value(v) : "");
		found = true;
	}
	if (len < size)
		snprintf(buf + len, size - len, "}");
	return found;
}

static long long meta_int(const json_t *obj, const char *field)
{
	return json_integer_value(json_object_get(srv_meta(obj), field));
}

/* ---- create ---- */

static void reset_status(struct server *srv, const struct kind_info *k,
			 json_t *w)
{
	json_t *st;

	if (k->keep_status_on_create) {
		st = json_object_get(w, "status");
		if (k == srv->k_ns) {
			if (!json_is_object(st)) {
				st = json_object();
				json_object_set_new(w, "status", st);
			}
			json_object_set_new(st, "phase", json_string("Active"));
		}
	} else if (k->subresources & KIND_SUB_STATUS) {
		json_object_set_new(w, "status", json_object());
	} else {
		json_object_del(w, "status");
	}
}

/*
 * A new namespace gets the `kubernetes` spec finalizer (Kubernetes'
 * namespace strategy, PrepareForCreate): not defaulting, which runs on
 * every update and would put it back after the namespace controller
 * removed it.
 */
static void add_kubernetes_finalizer(json_t *w)
{
	json_t *spec = json_object_get(w, "spec"), *f, *v;
	size_t i;

	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(w, "spec", spec);
	}
	f = json_object_get(spec, "finalizers");
	if (!json_is_array(f)) {
		f = json_array();
		json_object_set_new(spec, "finalizers", f);
	}
	json_array_foreach (f, i, v)
		if (!strcmp(json_string_value(v) ?: "", FINALIZER_KUBERNETES))
			return;
	json_array_append_new(f, json_string(FINALIZER_KUBERNETES));
}

static int create_obj(struct server *srv, const struct srv_ref *o, json_t *w,
		      unsigned flags, json_t **ret_obj, struct kf_error *err)
{
	const struct kind_info *k = o->k;
	json_t *meta = srv_meta(w);
	struct svc_plan plan, *pp = NULL;
	_cleanup_free_ char *data = NULL;
	char uid[SRV_UUID_LEN], ts[SRV_TIMESTAMP_LEN];
	const char *rvs =
	    json_string_value(json_object_get(meta, "resourceVersion"));
	bool has_rv = rvs && *rvs;
	struct admission_attrs a = {
	    .user = srv_request_user(),
	    .op = ADMISSION_CREATE,
	    .kind = k,
	    .ns = o->ns,
	    .name = o->name,
	    .dry_run = flags & SERVER_DRY_RUN,
	    .obj = w,
	};
	_cleanup_json_ json_t *also = NULL;
	struct store_op op = {0};
	uint64_t rv;
	size_t len;
	int r;

	srv_uuid(uid);
	srv_timestamp(srv_now(srv), ts);
	json_object_set_new(meta, "uid", json_string(uid));
	json_object_set_new(meta, "creationTimestamp", json_string(ts));
	json_object_set_new(meta, "generation", json_integer(1));
	json_object_del(meta, "resourceVersion");
	json_object_del(meta, "deletionTimestamp");
	json_object_del(meta, "deletionGracePeriodSeconds");
	json_object_del(meta, "managedFields");
	json_object_del(meta, "selfLink");
	reset_status(srv, k, w);
	if (k == srv->k_ns)
		add_kubernetes_finalizer(w);
	if (k->set_defaults)
		k->set_defaults(w);
	/* after the object's defaulting, as Kubernetes decodes before
	 * admission */
	r = admission_mutate(srv, &a, err);
	if (r < 0)
		return r;
	if (has_rv)
		return kf_error_set(err, -ESTALE,
				    "resourceVersion should not be set on "
				    "objects to be created");
	if (k == srv->k_pod)
		json_object_set_new(w, "status",
				    json_pack("{s:s,s:s}", "phase", "Pending",
					      "qosClass", srv_pod_qos(w)));
	if (!(flags & SERVER_DRY_RUN)) {
		a.also = also = json_array();
		if (!also)
			return -ENOMEM;
	}
	if (k == srv->k_svc) {
		r = svc_plan_build(srv, w, NULL, o->ns, o->name, &plan, err);
		if (r < 0)
			return r;
		pp = &plan;
	}
	r = kind_admit(k, w, NULL, err);
	if (r == 0)
		r = admission_validate(srv, &a, err);
	if (r == 0)
		r = srv_encode(w, err, &data, &len);
	if (r < 0 || (flags & SERVER_DRY_RUN)) {
		if (pp)
			svc_plan_abort(srv, pp);
		if (r == 0 && ret_obj)
			*ret_obj = json_incref(w);
		return r;
	}
	op.type = STORE_PUT;
	op.key = o->key;
	op.data = data;
	op.len = len;
	op.expect_rv = STORE_RV_ABSENT;
	r = srv_commit_also(srv, &op, also, pp, err, &rv);
	if (r < 0)
		return r;
	srv_set_rv(w, rv);
	if (ret_obj)
		*ret_obj = json_incref(w);
	return 0;
}

/* ---- update ---- */

/* Parse a resourceVersion precondition. */
static bool rv_matches(const char *s, uint64_t rv)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	return !*end && errno == 0 && v == rv;
}

/* Take the server-owned metadata from old. */
static void keep_server_meta(json_t *n, const json_t *old)
{
	static const char *const fields[] = {
	    "uid",
	    "creationTimestamp",
	    "generation",
	    "deletionTimestamp",
	    "deletionGracePeriodSeconds",
	};
	json_t *meta = srv_meta(n), *ometa = srv_meta(old);

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		copy_field(meta, ometa, fields[i]);
	json_object_del(meta, "managedFields");
	json_object_del(meta, "selfLink");
}

/* A namespace's spec.finalizers change only through NAME@finalize
 * (Kubernetes' namespace strategy, PrepareForUpdate). */
static void keep_spec_finalizers(json_t *n, const json_t *old)
{
	json_t *f = json_object_get(json_object_get(old, "spec"), "finalizers");
	json_t *spec = json_object_get(n, "spec");

	if (!f) {
		json_object_del(spec, "finalizers");
		return;
	}
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(n, "spec", spec);
	}
	json_object_set(spec, "finalizers", f);
}

/* NAME@finalize: the old namespace with w's spec.finalizers. */
static int finalize_update(struct server *srv, const struct kind_info *k,
			   const json_t *w, const json_t *old,
			   struct kf_error *err, json_t **ret)
{
	_cleanup_json_ json_t *n = NULL;

	if (k != srv->k_ns)
		return srv_no_such_resource(err);
	n = json_deep_copy(old);
	if (!n)
		return -ENOMEM;
	keep_spec_finalizers(n, w);
	*ret = TAKE_PTR(n);
	return 0;
}

/* The update leaves a deleted object with nothing to wait for. */
static bool update_deletes(struct server *srv, const struct kind_info *k,
			   const json_t *n)
{
	json_t *meta = srv_meta(n);
	json_t *grace = json_object_get(meta, "deletionGracePeriodSeconds");

	return k != srv->k_ns && json_object_get(meta, "deletionTimestamp") &&
	       json_array_size(json_object_get(meta, "finalizers")) == 0 &&
	       json_is_integer(grace) && json_integer_value(grace) == 0;
}

static int update_obj(struct server *srv, const struct srv_ref *o, json_t *w,
		      const json_t *old, uint64_t old_rv, unsigned flags,
		      json_t **ret_obj, struct kf_error *err)
{
	const struct kind_info *k = o->k;
	const char *ns = o->ns, *name = o->name;
	_cleanup_json_ json_t *n = NULL;
	_cleanup_free_ char *data = NULL;
	struct svc_plan plan, *pp = NULL;
	const char *rvs = srv_meta_str(w, "resourceVersion");
	struct store_op op = {0};
	struct admission_attrs a = {
	    .user = srv_request_user(),
	    .op = ADMISSION_UPDATE,
	    .kind = k,
	    .ns = ns,
	    .name = name,
	    .status = flags & SERVER_STATUS,
	    .dry_run = flags & SERVER_DRY_RUN,
	    .old = old,
	};
	bool deleting;
	uint64_t rv;
	size_t len = 0;
	int r;

	if (rvs && *rvs && !rv_matches(rvs, old_rv))
		return srv_conflict(err, k, name);

	if (flags & SERVER_STATUS) {
		json_t *st = json_object_get(w, "status");

		if (!(k->subresources & KIND_SUB_STATUS))
			return srv_no_such_resource(err);
		n = json_deep_copy(old);
		if (!n)
			return -ENOMEM;
		json_object_set_new(n, "status",
				    st ? json_deep_copy(st) : json_object());
		st = json_object_get(n, "status");
		if (k == srv->k_ns && json_is_object(st) &&
		    srv_meta_str(n, "deletionTimestamp"))
			json_object_set_new(st, "phase",
					    json_string("Terminating"));
	} else if (flags & SERVER_FINALIZE) {
		r = finalize_update(srv, k, w, old, err, &n);
		if (r < 0)
			return r;
	} else {
		char extra[512];

		n = json_incref(w);
		copy_field(n, old, "status");
		keep_server_meta(n, old);
		if (k == srv->k_ns)
			keep_spec_finalizers(n, old);
		if (srv_meta_str(old, "deletionTimestamp") &&
		    new_finalizers(n, old, extra, sizeof(extra)))
			return kf_error_set(
			    err, -EINVAL,
			    "%s \"%s\" is invalid: "
			    "metadata.finalizers: Forbidden: no "
			    "new finalizers can be added if the "
			    "object is being deleted, found new "
			    "finalizers %s",
			    kind_qualified(k), name, extra);
	}
	srv_set_rv(n, old_rv);
	if (k->set_defaults)
		k->set_defaults(n);
	deleting = update_deletes(srv, k, n);
	if (k == srv->k_svc) {
		r = svc_plan_build(srv, deleting ? NULL : n, old, ns, name,
				   &plan, err);
		if (r < 0)
			return r;
		pp = &plan;
	}
	a.obj = n;
	r = admission_mutate(srv, &a, err);
	if (r == 0)
		r = kind_admit(k, n, old, err);
	if (r == 0)
		r = admission_validate(srv, &a, err);
	if (r < 0)
		goto out_abort;
	if (!(flags & SERVER_STATUS) && !srv_same_spec(n, old))
		json_object_set_new(
		    srv_meta(n), "generation",
		    json_integer(meta_int(old, "generation") + 1));
	/* an unchanged object is not stored again, unless its stored form
	 * is stale: a rewrite re-encrypts it with the current key */
	if ((srv_same_object(n, old) && !store_stale(srv->store, o->key)) ||
	    (flags & SERVER_DRY_RUN)) {
		if (pp)
			svc_plan_abort(srv, pp);
		if (ret_obj)
			*ret_obj = json_incref(n);
		return 0;
	}

	op.key = o->key;
	op.expect_rv = old_rv;
	if (deleting) {
		op.type = STORE_DELETE;
	} else {
		r = srv_encode(n, err, &data, &len);
		if (r < 0)
			goto out_abort;
		op.type = STORE_PUT;
		op.data = data;
		op.len = len;
	}
	r = srv_commit(srv, &op, pp, err, &rv);
	if (r == -ESTALE || r == -ENOENT)
		return SRV_RETRY;
	if (r < 0)
		return r;
	srv_set_rv(n, rv);
	if (k == srv->k_ns && srv_meta_str(n, "deletionTimestamp"))
		srv_namespace_finish_after(srv, name);
	if (ret_obj)
		*ret_obj = TAKE_PTR(n);
	return 0;

out_abort:
	if (pp)
		svc_plan_abort(srv, pp);
	return r;
}

/* ---- put ---- */

/*
 * A write that lost a race to another writer waits before it tries again,
 * with jitter, so that one writer cannot keep winning: about 0.1 ms the
 * first time, doubling up to about 6 ms.
 */
static void retry_pause(int attempt)
{
	unsigned us = 100u << (attempt < 6 ? attempt : 6);

	usleep(us / 2 + (unsigned)random() % us);
}

static int put_once(struct server *srv, const struct kind_info *k,
		    const char *ns, const char *name, const json_t *in,
		    unsigned flags, json_t **ret_obj, struct kf_error *err)
{
	_cleanup_json_ json_t *w = json_deep_copy(in), *old = NULL;
	char own[STORE_KEY_MAX + 1];
	struct srv_ref o;
	bool generated = false;
	uint64_t rv;
	int r;

	if (!w)
		return -ENOMEM;
	if (!name && srv_meta_str(w, "name")) {
		/* a copy: defaulting may replace the object's strings */
		snprintf(own, sizeof(own), "%s", srv_meta_str(w, "name"));
		name = own;
	}
	if (!name || !*name) {
		if (flags & (SERVER_UPDATE | SERVER_STATUS | SERVER_FINALIZE))
			return kf_error_set(
			    err, -EINVAL,
			    "%s \"\" is invalid: metadata.name: "
			    "Required value: name or "
			    "generateName is required",
			    kind_qualified(k));
		srv_generate_name(srv_meta_str(w, "generateName"), own,
				  sizeof(own));
		json_object_set_new(srv_meta(w), "name", json_string(own));
		name = own;
		generated = true;
	}
	if (srv_ref_init(k, ns, name, &o) < 0)
		return bad_name(k, w, name, err);

	r = srv_read(srv, o.key, &old, &rv);
	if (r == -ENOENT) {
		if (flags & (SERVER_UPDATE | SERVER_STATUS | SERVER_FINALIZE))
			return srv_not_found(err, k, name);
		r = create_obj(srv, &o, w, flags, ret_obj, err);
		if (r == -EEXIST && (generated || !(flags & SERVER_CREATE)))
			return SRV_RETRY; /* a new name, or now a replace */
		if (r == -EEXIST)
			return already_exists(err, k, name);
		return r;
	}
	if (r < 0)
		return srv_store_error(r, err);
	if (generated)
		return SRV_RETRY;
	if (flags & SERVER_CREATE)
		return already_exists(err, k, name);
	return update_obj(srv, &o, w, old, rv, flags, ret_obj, err);
}

int server_put(struct server *srv, const struct kind_info *k, const char *ns,
	       const char *name, const json_t *obj, unsigned flags,
	       struct kf_error *err, json_t **ret_obj)
{
	_cleanup_json_ json_t *in = NULL, *out = NULL;
	int r;

	if (!srv || !k || !obj)
		return -EINVAL;
	kf_error_init(err);
	if (!k->namespaced)
		ns = NULL;
	if (name && !*name)
		name = NULL;
	r = identity(k, ns, name, obj, &in, err);
	if (r < 0)
		return r;
	for (int i = 0; i < SRV_RETRIES; i++) {
		kf_error_init(err);
		r = put_once(srv, k, ns, name, in, flags, &out, err);
		if (r != SRV_RETRY)
			break;
		retry_pause(i);
	}
	if (r == SRV_RETRY) {
		const char *n = name ? name : srv_meta_str(in, "name");

		if (!n)
			return kf_error_set(
			    err, -EEXIST,
			    SRV_RES_FMT " \"%s\" already exists, the server "
					"was not able to generate a unique "
					"name for the object",
			    SRV_RES_ARGS(k), srv_meta_str(in, "generateName"));
		return srv_conflict(err, k, n);
	}
	if (r == 0 && ret_obj)
		*ret_obj = TAKE_PTR(out);
	return r;
}

/* ---- apply ---- */

/* The document as Kubernetes quotes it in decoding errors (bounded). */
static void quote_doc(const json_t *doc, char *buf, size_t size)
{
	_cleanup_free_ char *text = codec_encode_json_line(doc, NULL);
	size_t max = size > 260 ? 256 : size - 4;

	if (!text) {
		snprintf(buf, size, "?");
		return;
	}
	if (strlen(text) > max)
		snprintf(buf, size, "%.*s...", (int)max, text);
	else
		snprintf(buf, size, "%s", text);
}

int server_apply(struct server *srv, const json_t *doc, const char *default_ns,
		 struct kf_error *err, json_t **ret_obj)
{
	const char *av, *kind, *ns = NULL, *name;
	const struct kind_info *k;
	char quoted[300];

	kf_error_init(err);
	if (!srv)
		return -EINVAL;
	av = json_string_value(json_object_get(doc, "apiVersion"));
	kind = json_string_value(json_object_get(doc, "kind"));
	if (!kind || !*kind) {
		quote_doc(doc, quoted, sizeof(quoted));
		return kf_error_set(err, -EINVAL,
				    "Object 'Kind' is missing in '%s'", quoted);
	}
	if (!av || !*av) {
		quote_doc(doc, quoted, sizeof(quoted));
		return kf_error_set(err, -EINVAL,
				    "Object 'apiVersion' is missing in '%s'",
				    quoted);
	}
	k = kinds_by_gvk(av, kind);
	if (!k)
		return kf_error_set(err, -EINVAL,
				    "no matches for kind \"%s\" in version "
				    "\"%s\"",
				    kind, av);
	if (k->namespaced) {
		ns = srv_meta_str(doc, "namespace");
		if (!ns || !*ns)
			ns = default_ns;
	}
	name = srv_meta_str(doc, "name");
	if (name && !*name)
		name = NULL;
	return server_put(srv, k, ns, name, doc, 0, err, ret_obj);
}

/* ---- patch ---- */

static int patch_once(struct server *srv, const struct srv_ref *o,
		      const json_t *patch, unsigned flags, json_t **ret_obj,
		      struct kf_error *err)
{
	_cleanup_json_ json_t *old = NULL, *merged = NULL, *w = NULL;
	uint64_t rv;
	int r;

	r = srv_read(srv, o->key, &old, &rv);
	if (r == -ENOENT)
		return srv_not_found(err, o->k, o->name);
	if (r < 0)
		return srv_store_error(r, err);
	r = mergepatch_apply(old, patch, &merged);
	if (r == -EFBIG)
		return kf_error_set(err, r,
				    "the merge patch is nested too deeply");
	if (r < 0)
		return r;
	r = identity(o->k, o->ns, o->name, merged, &w, err);
	if (r < 0)
		return r;
	return update_obj(srv, o, w, old, rv, flags | SERVER_UPDATE, ret_obj,
			  err);
}

int server_patch(struct server *srv, const struct kind_info *k, const char *ns,
		 const char *name, const json_t *patch, unsigned flags,
		 struct kf_error *err, json_t **ret_obj)
{
	struct srv_ref o;
	json_t *out = NULL;
	int r;

	if (!srv || !k || !patch)
		return -EINVAL;
	kf_error_init(err);
	if (!json_is_object(patch))
		return kf_error_set(err, -EINVAL,
				    "json: cannot unmarshal %s into Go value "
				    "of type map[string]interface {}",
				    json_is_array(patch) ? "array" : "scalar");
	if (!k->namespaced)
		ns = NULL;
	if (srv_ref_init(k, ns, name, &o) < 0)
		return srv_not_found(err, k, name);
	for (int i = 0; i < SRV_RETRIES; i++) {
		kf_error_init(err);
		r = patch_once(srv, &o, patch, flags, &out, err);
		if (r != SRV_RETRY)
			break;
		retry_pause(i);
	}
	if (r == SRV_RETRY)
		return srv_conflict(err, k, name);
	if (r == 0) {
		if (ret_obj)
			*ret_obj = out;
		else
			json_decref(out);
	}
	return r;
}
