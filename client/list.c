/*
 * list.c — client_list(): a kind's objects read from the mount, one file
 * each, with the resourceVersion a following watch starts from.
 */
#include "client/client_i.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/selector.h"
#include "client/watch.h"

static inline void cleanup_dirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_dir_ __attribute__((cleanup(cleanup_dirp)))

#define CLIENT_STREAMED_RV_WAIT_MS 5000

/* The store's resourceVersion from the `metrics` file, 0 if unknown. */
static uint64_t store_rv(struct client *c)
{
	static const char metric[] = "\nkubefs_store_resource_version ";
	_cleanup_free_ char *path = NULL, *text = NULL;
	const char *p;
	uint64_t v = 0;

	if (asprintf(&path, "%s/metrics", c->mount) < 0)
		return 0;
	if (kfc_read_file(path, CLIENT_ERRORS_MAX, true, &text, NULL) < 0)
		return 0;
	p = strstr(text, metric);
	if (!p)
		return 0;
	for (p += sizeof(metric) - 1; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*p - '0');
	}
	return v;
}

uint64_t kfc_streamed_rv(struct client *c, const struct kind_info *k,
			 const char *ns)
{
	/* "a and not a": valid, and true of no object */
	struct watch_opts wo = {.label_selector = "kubefs.io/none,"
						  "!kubefs.io/none",
				.allow_bookmarks = true,
				.send_initial_events = true};
	struct watch *w = NULL;
	struct watch_event ev = {0};
	struct kf_error err;
	uint64_t rv = 0;

	kf_error_init(&err);
	if (watch_open(c, k, ns, &wo, &err, &w) < 0)
		return 0;
	/* the first event is that bookmark; the server sends it at once */
	if (watch_next(w, CLIENT_STREAMED_RV_WAIT_MS, &ev) == 0 &&
	    ev.type == WATCH_BOOKMARK)
		rv = ev.rv;
	watch_event_release(&ev);
	watch_close(w);
	return rv;
}

struct lister {
	struct client *c;
	const struct kind_info *k;
	const struct label_selector *labels;
	const struct field_selector *fields;
	json_t *items;
	uint64_t max_rv;
	size_t seen;
};

/* Read every object of directory path (namespace ns) into l->items. */
static int list_dir(struct lister *l, const char *ns, struct kf_error *err)
{
	_cleanup_free_ char *dirpath = NULL, *rel = NULL;
	_cleanup_dir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	r = kfc_paths(l->c, l->k, ns, NULL, NULL, err, &dirpath, &rel);
	if (r < 0)
		return r;
	d = opendir(dirpath);
	if (!d) {
		r = -errno;
		if (r == -ENOENT && ns)
			return kf_error_set(err, r,
					    "namespaces \"%s\" not found", ns);
		if (r == -EACCES) /* RBAC's sentence */
			return client_read_error(l->c, rel, r, err);
		return kf_error_set(err, r, "%s: %s", dirpath, strerror(-r));
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		json_t *obj = NULL;
		size_t len;

		if (de->d_name[0] == '.' || strchr(de->d_name, '@'))
			continue;
		if (++l->seen > CLIENT_LIST_MAX)
			return kf_error_set(err, -E2BIG,
					    "too many objects to list: the "
					    "limit is %d",
					    CLIENT_LIST_MAX);
		if (asprintf(&path, "%s/%s@json", dirpath, de->d_name) < 0)
			return -ENOMEM;
		r = kfc_read_file(path, CLIENT_OBJECT_MAX, false, &text, &len);
		if (r == -ENOENT)
			continue; /* deleted since readdir */
		if (r < 0)
			return kf_error_set(err, r, "%s: %s", path,
					    strerror(-r));
		if (kfc_parse_object(text, len, &obj) < 0)
			return kf_error_set(err, -EBADMSG,
					    "%s: the server sent a malformed "
					    "object",
					    path);
		if (client_object_rv(obj) > l->max_rv)
			l->max_rv = client_object_rv(obj);
		if (!label_selector_matches_object(l->labels, obj) ||
		    !field_selector_matches(l->fields, obj)) {
			json_decref(obj);
			continue;
		}
		if (json_array_append_new(l->items, obj) < 0)
			return -ENOMEM;
	}
	if (errno)
		return kf_error_set(err, -errno, "%s: %s", dirpath,
				    strerror(errno));
	return 0;
}

/* Namespaces: the entries of the resource dir of a namespaced kind. */
static int list_namespaces(struct lister *l, struct kf_error *err, json_t **ret)
{
	_cleanup_free_ char *dirpath = NULL, *rel = NULL;
	_cleanup_dir_ DIR *d = NULL;
	_cleanup_json_ json_t *names = json_array();
	struct dirent *de;
	int r;

	if (!names)
		return -ENOMEM;
	r = kfc_paths(l->c, l->k, NULL, NULL, NULL, err, &dirpath, &rel);
	if (r < 0)
		return r;
	d = opendir(dirpath);
	if (!d && errno == EACCES) /* RBAC's sentence */
		return client_read_error(l->c, rel, -EACCES, err);
	if (!d)
		return kf_error_set(err, -errno, "%s: %s", dirpath,
				    strerror(errno));
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '@'))
			continue;
		if (json_array_size(names) >= CLIENT_LIST_MAX)
			return kf_error_set(err, -E2BIG,
					    "too many namespaces to list: the "
					    "limit is %d",
					    CLIENT_LIST_MAX);
		if (json_array_append_new(names, json_string(de->d_name)) < 0)
			return -ENOMEM;
	}
	if (errno)
		return -errno;
	*ret = TAKE_PTR(names);
	return 0;
}

static int cmp_objects(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *nx = kfc_meta_str(x, "namespace");
	const char *ny = kfc_meta_str(y, "namespace");
	int r = strcmp(nx ? nx : "", ny ? ny : "");

	if (r)
		return r;
	nx = kfc_meta_str(x, "name");
	ny = kfc_meta_str(y, "name");
	return strcmp(nx ? nx : "", ny ? ny : "");
}

/* Sort a JSON array of objects by namespace, then name. */
static int sort_objects(json_t *items, json_t **ret)
{
	size_t n = json_array_size(items);
	_cleanup_free_ json_t **v = calloc(n ? n : 1, sizeof(*v));
	json_t *out = json_array();

	if (!v || !out) {
		json_decref(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(items, i);
	qsort(v, n, sizeof(*v), cmp_objects);
	for (size_t i = 0; i < n; i++)
		if (json_array_append(out, v[i]) < 0) {
			json_decref(out);
			return -ENOMEM;
		}
	*ret = out;
	return 0;
}

int client_list(struct client *c, const struct kind_info *k, const char *ns,
		const char *label_selector, const char *field_selector,
		struct kf_error *err, json_t **ret_items, uint64_t *ret_rv)
{
	_cleanup_label_selector_ struct label_selector *labels = NULL;
	_cleanup_field_selector_ struct field_selector *fields = NULL;
	_cleanup_json_ json_t *items = json_array();
	struct lister l = {.c = c, .k = k};
	uint64_t rv;
	int r;

	if (!items)
		return -ENOMEM;
	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	r = label_selector_parse(label_selector, err, &labels);
	if (r < 0)
		return r;
	r = field_selector_parse(field_selector, k->group, k->kind, err,
				 &fields);
	if (r < 0)
		return r;
	l.labels = labels;
	l.fields = fields;
	l.items = items;
	/* read before listing: a watch from here misses nothing */
	rv = store_rv(c);
	if (!rv) /* `metrics` not readable by this caller */
		rv = kfc_streamed_rv(c, k, k->namespaced ? ns : NULL);
	if (!k->namespaced || (ns && *ns)) {
		r = list_dir(&l, k->namespaced ? ns : NULL, err);
	} else {
		_cleanup_json_ json_t *names = NULL;
		size_t i;
		json_t *v;

		r = list_namespaces(&l, err, &names);
		json_array_foreach (names, i, v) {
			if (r < 0)
				break;
			r = list_dir(&l, json_string_value(v), err);
			if (r == -ENOENT)
				r = 0; /* namespace deleted meanwhile */
		}
	}
	if (r < 0)
		return r;
	r = sort_objects(items, ret_items);
	if (r < 0)
		return r;
	if (ret_rv)
		*ret_rv = rv ? rv : l.max_rv;
	return 0;
}
