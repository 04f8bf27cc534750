/*
 * object.c — the object verbs of client.h as file operations on the mount.
 */
#include "client/client_i.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cleanup.h"

/* Attempts at a free generated name before giving up with -EEXIST. */
#define GENERATE_TRIES 8

static int bad_name(const char *name, struct kf_error *err)
{
	const char *why = "may not be empty";

	if (name && *name) {
		if (strlen(name) > CLIENT_NAME_MAX)
			why = "must be no more than 253 characters";
		else if (!strcmp(name, ".") || !strcmp(name, ".."))
			why = "may not be '.' or '..'";
		else if (strchr(name, '/'))
			why = "may not contain '/'";
		else
			why = "may not contain '@'";
	}
	return kf_error_set(err, -EINVAL, "invalid resource name \"%s\": [%s]",
			    name ? name : "", why);
}

/* The kind to use: k, or the one the object's apiVersion/kind names. */
static int kind_of(const struct kind_info *k, const json_t *obj,
		   struct kf_error *err, const struct kind_info **ret)
{
	const char *av, *kind;

	if (k) {
		*ret = k;
		return 0;
	}
	av = kfc_str(obj, "apiVersion");
	kind = kfc_str(obj, "kind");
	if (!kind || !*kind)
		return kf_error_set(err, -EINVAL,
				    "Object 'Kind' is missing in '%s'",
				    json_is_object(obj) ? "object" : "value");
	if (!av || !*av)
		return kf_error_set(err, -EINVAL,
				    "Object 'apiVersion' is missing in "
				    "'object'");
	k = kinds_by_gvk(av, kind);
	if (!k)
		return kf_error_set(err, -EINVAL,
				    "no matches for kind \"%s\" in version "
				    "\"%s\"",
				    kind, av);
	*ret = k;
	return 0;
}

/* The namespace of a name-taking call: ns, or "default"; NULL if the
 * kind is cluster-scoped. */
static const char *ns_or_default(const struct kind_info *k, const char *ns)
{
	if (!k->namespaced)
		return NULL;
	return ns && *ns ? ns : "default";
}

/* The namespace of an object-taking call: ns, metadata.namespace, or
 * "default". */
static const char *ns_of(const struct kind_info *k, const char *ns,
			 const json_t *obj)
{
	if (!k->namespaced)
		return NULL;
	if (ns && *ns)
		return ns;
	ns = kfc_meta_str(obj, "namespace");
	return ns && *ns ? ns : "default";
}

int kfc_paths(struct client *c, const struct kind_info *k, const char *ns,
	      const char *name, const char *sub, struct kf_error *err,
	      char **ret_abs, char **ret_rel)
{
	_cleanup_free_ char *rel = NULL;
	char *abs = NULL;

	if (name && kfc_check_name(name) < 0)
		return bad_name(name, err);
	if (ns && k->namespaced && kfc_check_name(ns) < 0)
		return bad_name(ns, err);
	if (client_relpath(k, ns, name, sub, &rel) < 0)
		return kf_error_set(err, -EINVAL, "invalid subresource \"%s\"",
				    sub ? sub : "");
	if (asprintf(&abs, "%s/%s", c->mount, rel) < 0)
		return -ENOMEM;
	*ret_abs = abs;
	if (ret_rel)
		*ret_rel = TAKE_PTR(rel);
	return 0;
}

int kfc_parse_object(const char *text, size_t len, json_t **ret)
{
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		return -EBADMSG;
	}
	*ret = o;
	return 0;
}

int client_get(struct client *c, const struct kind_info *k, const char *ns,
	       const char *name, struct kf_error *err, json_t **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL, *rel = NULL;
	size_t len;
	int r;

	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	ns = ns_or_default(k, ns);
	r = kfc_paths(c, k, ns, name, "@json", err, &path, &rel);
	if (r < 0)
		return r;
	r = kfc_read_file(path, CLIENT_OBJECT_MAX, false, &text, &len);
	if (r < 0) /* a refusal: RBAC's sentence */
		return kfc_fail(c, r == -EACCES ? rel : NULL, 0, r, k, name,
				err);
	r = kfc_parse_object(text, len, ret);
	if (r < 0)
		return kf_error_set(err, r,
				    "%s: the server sent a malformed "
				    "object",
				    path);
	return 0;
}

/* Read the object back after a write; *ret NULL if it cannot be read. */
static void read_back(struct client *c, const struct kind_info *k,
		      const char *ns, const char *name, json_t **ret)
{
	json_t *obj = NULL;

	if (!ret)
		return;
	if (client_get(c, k, ns, name, NULL, &obj) < 0)
		obj = NULL;
	*ret = obj;
}

/* generateName + 5 characters from Kubernetes' alphabet (no vowels). */
static char *generate_name(const char *base)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	char suffix[6];
	char *out = NULL;
	size_t blen = strlen(base);

	/* Kubernetes cuts the base so the result fits 63 characters */
	if (blen > 58)
		blen = 58;
	for (int i = 0; i < 5; i++)
		suffix[i] = alphabet[kfc_random(sizeof(alphabet) - 1)];
	suffix[5] = '\0';
	if (asprintf(&out, "%.*s%s", (int)blen, base, suffix) < 0)
		return NULL;
	return out;
}

/* Does the directory holding path exist? */
static bool parent_exists(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	struct stat st;

	if (!slash)
		return true;
	*slash = '\0';
	return stat(dir, &st) == 0;
}

/* Write obj (with metadata.name = name) to NAME with O_CREAT|O_EXCL. */
static int create_once(struct client *c, const struct kind_info *k,
		       const char *ns, const char *name, const json_t *obj,
		       struct kf_error *err)
{
	_cleanup_free_ char *path = NULL, *rel = NULL, *text = NULL;
	_cleanup_json_ json_t *copy = NULL;
	time_t since = kfc_now_sec();
	int r;

	r = kfc_paths(c, k, ns, name, NULL, err, &path, &rel);
	if (r < 0)
		return r;
	if (!kfc_meta_str(obj, "name")) {
		json_t *meta;

		copy = json_deep_copy(obj);
		if (!copy)
			return -ENOMEM;
		meta = json_object_get(copy, "metadata");
		if (!json_is_object(meta)) {
			meta = json_object();
			if (json_object_set_new(copy, "metadata", meta) < 0)
				return -ENOMEM;
		}
		if (json_object_set_new(meta, "name", json_string(name)) < 0)
			return -ENOMEM;
		obj = copy;
	}
	text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	r = kfc_write_file(path, O_CREAT | O_EXCL, text, strlen(text));
	if (r == -ENOENT && ns && !parent_exists(path))
		return kf_error_set(err, r, "namespaces \"%s\" not found", ns);
	if (r < 0)
		return kfc_fail(c, rel, since, r, k, name, err);
	return 0;
}

int client_create(struct client *c, const struct kind_info *k, const char *ns,
		  const json_t *obj, struct kf_error *err, json_t **ret)
{
	const char *name, *gen;
	int r;

	if (!json_is_object(obj))
		return kf_error_set(err, -EINVAL,
				    "the object is not a JSON "
				    "object");
	r = kind_of(k, obj, err, &k);
	if (r < 0)
		return r;
	ns = ns_of(k, ns, obj);
	name = kfc_meta_str(obj, "name");
	gen = kfc_meta_str(obj, "generateName");
	if (name && *name) {
		r = create_once(c, k, ns, name, obj, err);
		if (r < 0)
			return r;
		read_back(c, k, ns, name, ret);
		return 0;
	}
	if (!gen || !*gen)
		return kf_error_set(err, -EINVAL,
				    "%s \"\" is invalid: metadata.name: "
				    "Required value: name or generateName is "
				    "required",
				    kind_qualified(k));
	for (int i = 0; i < GENERATE_TRIES; i++) {
		_cleanup_free_ char *gname = generate_name(gen);

		if (!gname)
			return -ENOMEM;
		r = create_once(c, k, ns, gname, obj, err);
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return r;
		read_back(c, k, ns, gname, ret);
		return 0;
	}
	return r;
}

/* Write obj to its NAME`sub` with O_TRUNC (replace, status). */
static int write_whole(struct client *c, const struct kind_info *k,
		       const json_t *obj, const char *sub, struct kf_error *err,
		       json_t **ret)
{
	_cleanup_free_ char *path = NULL, *rel = NULL, *text = NULL;
	time_t since = kfc_now_sec();
	const char *name, *ns;
	int r;

	if (!json_is_object(obj))
		return kf_error_set(err, -EINVAL,
				    "the object is not a JSON "
				    "object");
	r = kind_of(k, obj, err, &k);
	if (r < 0)
		return r;
	name = kfc_meta_str(obj, "name");
	if (!name || !*name)
		return kf_error_set(err, -EINVAL,
				    "resource name may not be empty");
	ns = ns_of(k, NULL, obj);
	r = kfc_paths(c, k, ns, name, sub, err, &path, &rel);
	if (r < 0)
		return r;
	text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	r = kfc_write_file(path, O_TRUNC, text, strlen(text));
	if (r < 0)
		return kfc_fail(c, rel, since, r, k, name, err);
	read_back(c, k, ns, name, ret);
	return 0;
}

int client_replace(struct client *c, const struct kind_info *k,
		   const json_t *obj, struct kf_error *err, json_t **ret)
{
	return write_whole(c, k, obj, "@json", err, ret);
}

int client_update_status(struct client *c, const struct kind_info *k,
			 const json_t *obj, struct kf_error *err, json_t **ret)
{
	return write_whole(c, k, obj, "@status", err, ret);
}

int client_finalize(struct client *c, const struct kind_info *k,
		    const json_t *obj, struct kf_error *err, json_t **ret)
{
	return write_whole(c, k, obj, "@finalize", err, ret);
}

/* Write text to NAME`sub` of a name-addressed object. */
static int write_sub(struct client *c, const struct kind_info *k,
		     const char *ns, const char *name, const char *sub,
		     int flags, const char *text, struct kf_error *err)
{
	_cleanup_free_ char *path = NULL, *rel = NULL;
	time_t since = kfc_now_sec();
	int r;

	r = kfc_paths(c, k, ns, name, sub, err, &path, &rel);
	if (r < 0)
		return r;
	r = kfc_write_file(path, flags, text, strlen(text));
	if (r < 0)
		return kfc_fail(c, rel, since, r, k, name, err);
	return 0;
}

int client_patch(struct client *c, const struct kind_info *k, const char *ns,
		 const char *name, const json_t *patch, struct kf_error *err,
		 json_t **ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	if (!json_is_object(patch))
		return kf_error_set(err, -EINVAL,
				    "a merge patch must be a JSON object");
	ns = ns_or_default(k, ns);
	text = json_dumps(patch, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	r = write_sub(c, k, ns, name, "@json", O_APPEND, text, err);
	if (r < 0)
		return r;
	read_back(c, k, ns, name, ret);
	return 0;
}

int client_delete(struct client *c, const struct kind_info *k, const char *ns,
		  const char *name, struct kf_error *err)
{
	_cleanup_free_ char *path = NULL, *rel = NULL;
	time_t since = kfc_now_sec();
	int r;

	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	ns = ns_or_default(k, ns);
	r = kfc_paths(c, k, ns, name, NULL, err, &path, &rel);
	if (r < 0)
		return r;
	if (unlink(path) < 0) {
		r = -errno;
		/* a plain ENOENT is not logged by the server */
		return kfc_fail(c, r == -ENOENT ? NULL : rel, since, r, k, name,
				err);
	}
	return 0;
}

int client_delete_with(struct client *c, const struct kind_info *k,
		       const char *ns, const char *name, const json_t *options,
		       struct kf_error *err)
{
	_cleanup_free_ char *text = NULL;

	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	text = options ? json_dumps(options, JSON_COMPACT) : strdup("{}");
	if (!text)
		return -ENOMEM;
	return write_sub(c, k, ns_or_default(k, ns), name, "@delete", O_TRUNC,
			 text, err);
}

int client_apply(struct client *c, const char *manifest, size_t len,
		 struct kf_error *err)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	time_t since = kfc_now_sec();
	int r;

	/* a drop-box name: never a dot file (those are scratch files) */
	if (asprintf(&rel, "kubefs-apply-%d-%016" PRIx64, (int)getpid(),
		     kfc_random(UINT64_MAX)) < 0)
		return -ENOMEM;
	if (asprintf(&path, "%s/%s", c->mount, rel) < 0)
		return -ENOMEM;
	r = kfc_write_file(path, O_CREAT | O_EXCL, manifest, len);
	/* the name lingers as a ghost for a few seconds; drop it now */
	unlink(path);
	if (r < 0)
		return kfc_fail(c, rel, since, r, NULL, NULL, err);
	return 0;
}

int client_scale_get(struct client *c, const struct kind_info *k,
		     const char *ns, const char *name, struct kf_error *err,
		     int64_t *ret_replicas)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char *end;
	long long v;
	int r;

	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	ns = ns_or_default(k, ns);
	r = kfc_paths(c, k, ns, name, "@scale", err, &path, NULL);
	if (r < 0)
		return r;
	r = kfc_read_file(path, 4096, false, &text, NULL);
	if (r < 0)
		return kfc_fail(c, NULL, 0, r, k, name, err);
	errno = 0;
	v = strtoll(text, &end, 10);
	while (*end == ' ' || *end == '\n' || *end == '\t')
		end++;
	if (errno || end == text || *end || v < 0)
		return kf_error_set(err, -EBADMSG,
				    "%s: the server sent a malformed scale "
				    "\"%s\"",
				    path, text);
	*ret_replicas = v;
	return 0;
}

int client_scale_set(struct client *c, const struct kind_info *k,
		     const char *ns, const char *name, int64_t replicas,
		     struct kf_error *err)
{
	char text[32];

	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	if (replicas < 0)
		return kf_error_set(err, -EINVAL,
				    "%s \"%s\" is invalid: spec.replicas: "
				    "Invalid value: %" PRId64 ": must be "
				    "greater than or equal to 0",
				    kind_qualified(k), name ? name : "",
				    replicas);
	snprintf(text, sizeof(text), "%" PRId64 "\n", replicas);
	return write_sub(c, k, ns_or_default(k, ns), name, "@scale", O_TRUNC,
			 text, err);
}

/* The kind of pods, for the pod-only verbs. */
static const struct kind_info *pods_kind(struct kf_error *err)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");

	if (!k)
		kf_error_set(err, -ENOTSUP,
			     "the server could not find the requested "
			     "resource");
	return k;
}

int client_bind(struct client *c, const char *ns, const char *name,
		const char *node, struct kf_error *err)
{
	const struct kind_info *k = pods_kind(err);
	_cleanup_free_ char *text = NULL;

	if (!k)
		return -ENOTSUP;
	if (kfc_check_name(node ? node : "") < 0)
		return bad_name(node, err);
	if (asprintf(&text, "%s\n", node) < 0)
		return -ENOMEM;
	return write_sub(c, k, ns_or_default(k, ns), name, "@binding", O_TRUNC,
			 text, err);
}

int client_evict(struct client *c, const char *ns, const char *name,
		 struct kf_error *err)
{
	const struct kind_info *k = pods_kind(err);

	if (!k)
		return -ENOTSUP;
	return write_sub(c, k, ns_or_default(k, ns), name, "@eviction", O_TRUNC,
			 "{}\n", err);
}

int client_logs(struct client *c, const char *ns, const char *name,
		const char *container, struct kf_error *err, char **ret_text,
		size_t *ret_len)
{
	const struct kind_info *k = pods_kind(err);
	_cleanup_free_ char *path = NULL, *sub = NULL;
	int r;

	if (!k)
		return -ENOTSUP;
	if (container && kfc_check_name(container) < 0)
		return bad_name(container, err);
	if (asprintf(&sub, "@log%s%s", container ? "." : "",
		     container ? container : "") < 0)
		return -ENOMEM;
	r = kfc_paths(c, k, ns_or_default(k, ns), name, sub, err, &path, NULL);
	if (r < 0)
		return r;
	r = kfc_read_file(path, CLIENT_OBJECT_MAX, true, ret_text, ret_len);
	if (r < 0)
		return kfc_fail(c, NULL, 0, r, k, name, err);
	return 0;
}
