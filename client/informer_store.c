/*
 * informer_store.c — the informer's cached objects and indexes (see
 * informer_i.h). In compact form an object is kept as its compact JSON
 * text in a jansson string (reference-counted, so a reader takes it
 * under the lock and parses it outside): a pod's text is a few hundred
 * bytes where its parsed tree costs several kilobytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/owner.h"
#include "client/client.h"
#include "client/informer_i.h"

const char *informer_index_namespace(const json_t *obj)
{
	const char *ns = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "namespace"));

	return ns && *ns ? ns : NULL;
}

const char *informer_index_node_name(const json_t *obj)
{
	const char *n = json_string_value(
	    json_object_get(json_object_get(obj, "spec"), "nodeName"));

	return n && *n ? n : NULL;
}

const char *informer_index_owner_uid(const json_t *obj)
{
	const char *uid = json_string_value(
	    json_object_get(owner_controller_ref(obj), "uid"));

	return uid && *uid ? uid : NULL;
}

void inf_store_init(struct inf_store *s, bool compact)
{
	memset(s, 0, sizeof(*s));
	s->compact = compact;
	strmap_init(&s->entries);
}

static void set_free(struct strmap *set)
{
	strmap_release(set);
	free(set);
}

static void entry_free(struct inf_entry *e)
{
	if (!e)
		return;
	json_decref(e->v);
	for (size_t i = 0; i < INFORMER_INDEXES_MAX; i++)
		free(e->vals[i]);
	free(e);
}

void inf_store_release(struct inf_store *s)
{
	size_t it = 0;
	void *v;

	while (strmap_next(&s->entries, &it, NULL, &v))
		entry_free(v);
	strmap_release(&s->entries);
	for (size_t i = 0; i < s->nidx; i++) {
		it = 0;
		while (strmap_next(&s->idx[i].sets, &it, NULL, &v))
			set_free(v);
		strmap_release(&s->idx[i].sets);
		free(s->idx[i].name);
	}
	s->nidx = 0;
}

int inf_store_add_index(struct inf_store *s, const char *name,
			informer_index_fn fn)
{
	struct inf_index *x;

	if (!name || !*name || !fn)
		return -EINVAL;
	for (size_t i = 0; i < s->nidx; i++)
		if (strcmp(s->idx[i].name, name) == 0)
			return -EEXIST;
	if (s->nidx >= INFORMER_INDEXES_MAX)
		return -ENOSPC;
	x = &s->idx[s->nidx];
	x->name = strdup(name);
	if (!x->name)
		return -ENOMEM;
	x->fn = fn;
	strmap_init(&x->sets);
	s->nidx++;
	return 0;
}

static const struct inf_index *index_named(const struct inf_store *s,
					   const char *name)
{
	for (size_t i = 0; i < s->nidx; i++)
		if (strcmp(s->idx[i].name, name) == 0)
			return &s->idx[i];
	return NULL;
}

/* Take key out of the set of value in index x. */
static void index_drop(struct inf_index *x, const char *value, const char *key)
{
	struct strmap *set = strmap_get(&x->sets, value);

	if (!set)
		return;
	strmap_remove(set, key);
	if (!strmap_len(set))
		set_free(strmap_remove(&x->sets, value));
}

static int index_add(struct inf_index *x, const char *value, const char *key,
		     struct inf_entry *e)
{
	struct strmap *set = strmap_get(&x->sets, value);
	bool made = false;
	int r;

	if (!set) {
		set = calloc(1, sizeof(*set));
		if (!set)
			return -ENOMEM;
		strmap_init(set);
		r = strmap_put(&x->sets, value, set);
		if (r < 0) {
			free(set);
			return r;
		}
		made = true;
	}
	r = strmap_put(set, key, e);
	if (r < 0 && made)
		set_free(strmap_remove(&x->sets, value));
	return r;
}

static void unindex(struct inf_store *s, const char *key, struct inf_entry *e)
{
	for (size_t i = 0; i < s->nidx; i++)
		if (e->vals[i])
			index_drop(&s->idx[i], e->vals[i], key);
}

/* Put e under key in every index it has a value for (e->vals); on
 * failure nothing stays indexed. */
static int reindex(struct inf_store *s, const char *key, struct inf_entry *e)
{
	for (size_t i = 0; i < s->nidx; i++) {
		int r;

		if (!e->vals[i])
			continue;
		r = index_add(&s->idx[i], e->vals[i], key, e);
		if (r < 0) {
			unindex(s, key, e);
			return r;
		}
	}
	return 0;
}

/* The index values of obj into e->vals. */
static int index_values(const struct inf_store *s, struct inf_entry *e,
			const json_t *obj)
{
	for (size_t i = 0; i < s->nidx; i++) {
		const char *val = s->idx[i].fn(obj);

		if (val && !(e->vals[i] = strdup(val)))
			return -ENOMEM;
	}
	return 0;
}

static json_t *encode(const struct inf_store *s, const json_t *obj,
		      const char *known, size_t known_len)
{
	char *text;
	json_t *v;

	if (!s->compact)
		return json_incref((json_t *)obj);
	if (known)
		return json_stringn_nocheck(known, known_len);
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return NULL;
	v = json_stringn_nocheck(text, strlen(text));
	free(text);
	return v;
}

json_t *inf_decode(json_t *v)
{
	json_t *obj;

	if (!json_is_string(v))
		return v;
	obj = json_loadb(json_string_value(v), json_string_length(v), 0, NULL);
	json_decref(v);
	return obj;
}

int inf_store_put(struct inf_store *s, const char *key, const json_t *obj,
		  const char *text, size_t text_len)
{
	struct inf_entry *e = calloc(1, sizeof(*e));
	struct inf_entry *old;
	int r;

	if (!e)
		return -ENOMEM;
	e->rv = client_object_rv(obj);
	e->v = encode(s, obj, text, text_len);
	if (!e->v) {
		free(e);
		return -ENOMEM;
	}
	r = index_values(s, e, obj);
	if (r < 0) {
		entry_free(e);
		return r;
	}
	old = strmap_get(&s->entries, key);
	if (old)
		unindex(s, key, old);
	r = reindex(s, key, e);
	if (r == 0)
		r = strmap_put(&s->entries, key, e);
	if (r < 0) {
		unindex(s, key, e);
		entry_free(e);
		/* the old entry back where it was, as far as memory allows */
		if (old)
			reindex(s, key, old);
		return r;
	}
	entry_free(old);
	return 0;
}

bool inf_store_del(struct inf_store *s, const char *key)
{
	struct inf_entry *e = strmap_remove(&s->entries, key);

	if (!e)
		return false;
	unindex(s, key, e);
	entry_free(e);
	return true;
}

struct inf_entry *inf_store_get(const struct inf_store *s, const char *key)
{
	return strmap_get(&s->entries, key);
}

static void items_free(struct inf_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].key);
		json_decref(items[i].v);
	}
	free(items);
}

int inf_store_collect(const struct inf_store *s, const char *index,
		      const char *value, struct inf_item **ret_items,
		      size_t *ret_n)
{
	const struct strmap *from = &s->entries;
	struct inf_item *items;
	const char *key;
	size_t it = 0, n = 0;
	void *v;

	if (index) {
		const struct inf_index *x = index_named(s, index);

		if (!x)
			return -ENOENT;
		from = value ? strmap_get(&x->sets, value) : NULL;
	}
	items = calloc((from ? strmap_len(from) : 0) + 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	while (from && strmap_next(from, &it, &key, &v)) {
		items[n].key = strdup(key);
		if (!items[n].key) {
			items_free(items, n);
			return -ENOMEM;
		}
		items[n++].v = inf_entry_value(v);
	}
	*ret_items = items;
	*ret_n = n;
	return 0;
}

static int cmp_items(const void *a, const void *b)
{
	return strcmp(((const struct inf_item *)a)->key,
		      ((const struct inf_item *)b)->key);
}

int inf_items_to_array(struct inf_item *items, size_t n, json_t **ret)
{
	json_t *out = json_array();
	int r = out ? 0 : -ENOMEM;

	qsort(items, n, sizeof(*items), cmp_items);
	for (size_t i = 0; i < n && r == 0; i++) {
		json_t *obj = inf_decode(items[i].v);

		items[i].v = NULL;
		if (!obj || json_array_append_new(out, obj) < 0)
			r = -ENOMEM;
	}
	items_free(items, n);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}
