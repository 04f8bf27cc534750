/*
 * write.c — the verdict at close (SPEC §3).
 *
 * Bytes written to a file are judged when the writer closes it. What they
 * mean depends on where they went:
 *  - NAME in an object directory, holding one object whose metadata.name
 *    is absent or NAME: create or replace that object (O_APPEND: a JSON
 *    merge patch; an empty new file: `touch`);
 *  - NAME@status / @json / @scale / @binding / @eviction: the subresource;
 *  - anything else (the root, a resource dir, another name, several
 *    documents, a List): a manifest whose documents are applied each under
 *    its own name — a drop box.
 */
#include "fs/fs_i.h"
#include "fs/access.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/validate.h"
#include "api/codec.h"

void kfs_write_release(struct kfs_write *w)
{
	free(w->entry);
	free(w->ns);
	free(w->buf);
	free(w->reply);
	memset(w, 0, sizeof(*w));
}

/* Trimmed copy of the buffer as text (owned). */
static char *buf_text(const struct kfs_write *w)
{
	size_t b = 0, e = w->len;
	char *s;

	while (b < e && isspace((unsigned char)w->buf[b]))
		b++;
	while (e > b && isspace((unsigned char)w->buf[e - 1]))
		e--;
	s = malloc(e - b + 1);
	if (s) {
		if (e > b)
			memcpy(s, w->buf + b, e - b);
		s[e - b] = '\0';
	}
	return s;
}

static int write_scale(struct kfs *fs, struct kfs_write *w, const char *name,
		       struct kf_error *err)
{
	_cleanup_free_ char *t = buf_text(w);
	_cleanup_json_ json_t *doc = NULL;
	char *end;
	long n;

	if (!t)
		return -ENOMEM;
	errno = 0;
	n = strtol(t, &end, 10);
	if (*t && !*end && errno == 0)
		return server_scale_set(fs->srv, w->kind, w->ns, name, n, err);
	/* a Scale object also works: spec.replicas */
	if (codec_decode_one(t, strlen(t), NULL, err, &doc) < 0)
		return err ? err->code : -EINVAL;
	json_t *r = json_object_get(json_object_get(doc, "spec"), "replicas");
	if (!json_is_integer(r))
		return kf_error_set(err, -EINVAL,
				    "Scale.autoscaling \"%s\" is invalid: "
				    "spec.replicas: Required value",
				    name);
	return server_scale_set(fs->srv, w->kind, w->ns, name,
				(long)json_integer_value(r), err);
}

static int write_binding(struct kfs *fs, struct kfs_write *w, const char *name,
			 struct kf_error *err)
{
	_cleanup_free_ char *t = buf_text(w);
	_cleanup_json_ json_t *doc = NULL;
	const char *node;

	if (!t)
		return -ENOMEM;
	if (*t && !strpbrk(t, ":{\n \t"))
		return server_bind(fs->srv, w->ns, name, t, err);
	/* a Binding object: target.name */
	if (codec_decode_one(t, strlen(t), NULL, err, &doc) < 0)
		return err ? err->code : -EINVAL;
	node = json_string_value(
	    json_object_get(json_object_get(doc, "target"), "name"));
	if (!node || !*node)
		return kf_error_set(err, -EINVAL,
				    "Binding.core \"%s\" is invalid: "
				    "target.name: Required value",
				    name);
	return server_bind(fs->srv, w->ns, name, node, err);
}

/* Fill apiVersion/kind from the directory when the writer left them out;
 * refuse an object of another kind. */
static int check_kind(const struct kind_info *kind, json_t *doc,
		      struct kf_error *err)
{
	const char *av = json_string_value(json_object_get(doc, "apiVersion"));
	const char *k = json_string_value(json_object_get(doc, "kind"));

	if (!av && !json_object_get(doc, "apiVersion"))
		json_object_set_new(doc, "apiVersion",
				    json_string(kind->api_version));
	if (!k && !json_object_get(doc, "kind"))
		json_object_set_new(doc, "kind", json_string(kind->kind));
	av = json_string_value(json_object_get(doc, "apiVersion"));
	k = json_string_value(json_object_get(doc, "kind"));
	if (!av || !k || strcmp(av, kind->api_version) || strcmp(k, kind->kind))
		return kf_error_set(
		    err, -EINVAL,
		    "the object's kind %s%s%s does not match the "
		    "directory: %s/%s %s objects go here",
		    av ? av : "", av ? "/" : "", k ? k : "(none)",
		    kind->path_group, kind->version, kind->kind);
	return 0;
}

/* The subresource a write with flags goes to, "" for the object. */
static const char *flags_subresource(unsigned flags)
{
	return flags & SERVER_STATUS	 ? "status"
	       : flags & SERVER_FINALIZE ? "finalize"
					 : "";
}

static int write_object(struct kfs *fs, struct kfs_write *w, const char *name,
			json_t *doc, unsigned flags, struct kf_error *err)
{
	int r = check_kind(w->kind, doc, err);

	if (r == 0)
		r = kfs_authorize_object(
		    fs, w->id, w->kind, w->ns, name, flags_subresource(flags),
		    flags & SERVER_CREATE			? KV_CREATE
		    : flags & (SERVER_STATUS | SERVER_FINALIZE) ? KV_UPDATE
								: KV_APPLY,
		    doc, err);
	if (r < 0)
		return r;
	return server_put(fs->srv, w->kind, w->ns, name, doc, flags, err, NULL);
}

static int write_touch(struct kfs *fs, struct kfs_write *w, const char *name,
		       struct kf_error *err)
{
	_cleanup_json_ json_t *doc = json_object();

	if (!doc)
		return -ENOMEM;
	if (!w->kind->touch_creates)
		return kf_error_set(err, -EINVAL,
				    "%s \"%s\" is invalid: an empty %s cannot "
				    "be created with touch: write its manifest",
				    kind_qualified(w->kind), name,
				    w->kind->kind);
	return write_object(fs, w, name, doc, SERVER_CREATE, err);
}

/* Append as a merge patch onto the object. */
static int write_patch(struct kfs *fs, struct kfs_write *w, const char *name,
		       json_t *docs, unsigned flags, struct kf_error *err)
{
	int r;

	if (json_array_size(docs) != 1)
		return kf_error_set(err, -EINVAL,
				    "a merge patch (>>) must be one object, "
				    "found %zu",
				    json_array_size(docs));
	r = kfs_authorize_object(fs, w->id, w->kind, w->ns, name,
				 flags_subresource(flags), KV_PATCH,
				 json_array_get(docs, 0), err);
	if (r < 0)
		return r;
	return server_patch(fs->srv, w->kind, w->ns, name,
			    json_array_get(docs, 0), flags, err, NULL);
}

/* Answer the review documents of docs (removed from it) into w->reply,
 * the responses one YAML stream, as `kubectl create -o yaml` prints. */
static int answer_reviews(struct kfs *fs, struct kfs_write *w, json_t *docs,
			  struct kf_error *err)
{
	_cleanup_free_ char *all = NULL;
	size_t i = 0, len = 0;
	int r;

	while (i < json_array_size(docs)) {
		json_t *doc = json_array_get(docs, i);
		_cleanup_json_ json_t *resp = NULL;
		_cleanup_free_ char *text = NULL;
		size_t n;
		char *grown;

		if (!kfs_is_review(doc)) {
			i++;
			continue;
		}
		r = kfs_review(fs, w->id, doc, w->ns ? w->ns : "default", err,
			       &resp);
		if (r < 0)
			return r;
		text = codec_encode_yaml(resp, &n);
		grown = text ? realloc(all, len + n + 5) : NULL;
		if (!grown)
			return -ENOMEM;
		all = grown;
		/* several responses: one YAML stream */
		len += sprintf(all + len, "%s%s", len ? "---\n" : "", text);
		json_array_remove(docs, i);
	}
	if (!all)
		return 0;
	free(w->reply);
	w->reply = TAKE_PTR(all);
	w->reply_len = len;
	return 0;
}

/* Every document or none: a refused manifest changes nothing. */
static int write_dropbox(struct kfs *fs, struct kfs_write *w, json_t *docs,
			 struct kf_error *err)
{
	int r;

	codec_flatten_lists(docs);
	r = answer_reviews(fs, w, docs, err);
	if (r < 0 || !json_array_size(docs))
		return r;
	r = kfs_authorize_docs(fs, w->id, docs, w->ns ? w->ns : "default", err);
	if (r < 0)
		return r;
	return server_apply_all(fs->srv, docs, w->ns ? w->ns : "default", err);
}

static bool buf_blank(const struct kfs_write *w)
{
	for (size_t i = 0; i < w->len; i++)
		if (!isspace((unsigned char)w->buf[i]))
			return false;
	return true;
}

/* Does a one-document manifest leave metadata.name out or give name? */
static bool names_entry(json_t *docs, const char *name)
{
	json_t *doc = json_array_get(docs, 0);
	const char *mname = json_string_value(
	    json_object_get(json_object_get(doc, "metadata"), "name"));

	if (json_array_size(docs) > 1)
		return false;
	return !doc ||
	       (json_is_object(doc) && (!mname || !strcmp(mname, name)));
}

static bool is_list(json_t *doc)
{
	const char *k = json_string_value(json_object_get(doc, "kind"));
	size_t n = k ? strlen(k) : 0;

	return n >= 4 && !strcmp(k + n - 4, "List") &&
	       json_is_array(json_object_get(doc, "items"));
}

/* The subresources that are requests of their own (fs/access.h). */
static int sub_authorize(struct kfs *fs, struct kfs_write *w, const char *name,
			 struct kf_error *err)
{
	switch (w->sub) {
	case SUB_SCALE:
		return kfs_authorize_object(fs, w->id, w->kind, w->ns, name,
					    "scale", KV_UPDATE, NULL, err);
	case SUB_BINDING:
		return kfs_authorize_object(fs, w->id, w->kind, w->ns, name,
					    "binding", KV_CREATE, NULL, err);
	case SUB_EVICTION:
		return kfs_authorize_object(fs, w->id, w->kind, w->ns, name,
					    "eviction", KV_CREATE, NULL, err);
	case SUB_DELETE:
		return kfs_authorize_object(fs, w->id, w->kind, w->ns, name, "",
					    KV_DELETE, NULL, err);
	default:
		return 0; /* judged as the object or its status */
	}
}

static int write_commit(struct kfs *fs, struct kfs_write *w,
			struct kf_error *err, bool *ret_object);

/* The writes of one request are the writer's (admission sees its user). */
int kfs_write_commit(struct kfs *fs, struct kfs_write *w, struct kf_error *err,
		     bool *ret_object)
{
	int r;

	server_request_user(w->id ? &w->id->user : NULL);
	r = write_commit(fs, w, err, ret_object);
	server_request_user(NULL);
	return r;
}

static int write_commit(struct kfs *fs, struct kfs_write *w,
			struct kf_error *err, bool *ret_object)
{
	_cleanup_json_ json_t *docs = NULL;
	const char *name = w->entry;
	json_t *doc;
	const char *mname;
	int r;

	if (ret_object)
		*ret_object = false;
	if (w->target == NODE_SUB) {
		r = sub_authorize(fs, w, name, err);
		if (r < 0)
			return r;
		switch (w->sub) {
		case SUB_SCALE:
			return write_scale(fs, w, name, err);
		case SUB_BINDING:
			return write_binding(fs, w, name, err);
		case SUB_EVICTION:
			return server_evict(fs->srv, w->ns, name, err);
		case SUB_DELETE:
			return kfs_write_delete(fs, w, name, err);
		case SUB_LOG:
			return kf_error_set(err, -EACCES, "logs are read-only");
		default:
			break;
		}
	}

	if (w->target == NODE_OBJECT && !w->created && !w->append &&
	    buf_blank(w))
		return kf_error_set(err, -EPERM,
				    "%s \"%s\" cannot be emptied: replace it "
				    "with its manifest, or delete it with rm",
				    kind_qualified(w->kind), name);
	r = codec_decode(w->buf ? w->buf : "", w->len, NULL, err, &docs);
	if (r < 0)
		return r;

	if (w->target == NODE_SUB) {
		unsigned flags = w->sub == SUB_STATUS	  ? SERVER_STATUS
				 : w->sub == SUB_FINALIZE ? SERVER_FINALIZE
							  : 0;

		if (w->append)
			return write_patch(fs, w, name, docs, flags, err);
		if (json_array_size(docs) != 1)
			return kf_error_set(err, -EINVAL,
					    "expected one object, found %zu",
					    json_array_size(docs));
		doc = json_array_get(docs, 0);
		mname = json_string_value(
		    json_object_get(json_object_get(doc, "metadata"), "name"));
		if (mname && strcmp(mname, name))
			return kf_error_set(
			    err, -EINVAL,
			    "the name of the object (%s) does "
			    "not match the name on the URL (%s)",
			    mname, name);
		return write_object(fs, w, name, doc, flags | SERVER_UPDATE,
				    err);
	}

	/* In an object directory, a name that is not an object name still
	 * means that object when the manifest names none or the same one:
	 * the name's validation says what is wrong with it. Dot names are
	 * scratch files, never objects. */
	if (w->kind && (name_valid(w->kind->name_rule, name) ||
			(name[0] != '.' && names_entry(docs, name)))) {
		if (w->append) {
			r = write_patch(fs, w, name, docs, 0, err);
			if (r == 0 && ret_object)
				*ret_object = true;
			return r;
		}
		if (json_array_size(docs) == 0) {
			if (!w->created)
				return kf_error_set(
				    err, -EINVAL,
				    "Object 'Kind' is missing in ''");
			r = write_touch(fs, w, name, err);
			if (r == 0 && ret_object)
				*ret_object = true;
			return r;
		}
		doc = json_array_get(docs, 0);
		mname = json_string_value(
		    json_object_get(json_object_get(doc, "metadata"), "name"));
		if (json_array_size(docs) == 1 && json_is_object(doc) &&
		    !is_list(doc) && (!mname || !strcmp(mname, name))) {
			r = write_object(fs, w, name, doc,
					 w->excl ? SERVER_CREATE : 0, err);
			if (r == 0 && ret_object)
				*ret_object = true;
			return r;
		}
	}
	return write_dropbox(fs, w, docs, err);
}
