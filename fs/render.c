/*
 * render.c — an object's file content, cached by (key, resourceVersion).
 *
 * Every stat of an object needs its exact size, which means encoding it;
 * the cache keeps the newest YAML (and JSON, when asked for) of recently
 * used objects, bounded in bytes, least recently used out first. A stale
 * entry is never served: the store's rv is checked on every call.
 */
#include "fs/fs_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/hash.h"

struct render_entry {
	char *key;
	uint64_t rv;
	time_t mtime;
	char *yaml, *json;
	size_t yaml_len, json_len;
	struct render_entry *hnext;
	struct render_entry *prev, *next; /* LRU, most recent first */
};

struct render_cache {
	pthread_mutex_t lock;
	struct render_entry **buckets;
	size_t nbuckets;
	size_t bytes, max_bytes;
	size_t count; /* entries */
	struct render_entry *head, *tail;
};

struct render_cache *render_cache_new(size_t max_bytes)
{
	struct render_cache *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return NULL;
	rc->nbuckets = 1 << 15;
	rc->buckets = calloc(rc->nbuckets, sizeof(*rc->buckets));
	if (!rc->buckets) {
		free(rc);
		return NULL;
	}
	rc->max_bytes = max_bytes;
	pthread_mutex_init(&rc->lock, NULL);
	return rc;
}

static size_t entry_bytes(const struct render_entry *e)
{
	return sizeof(*e) + strlen(e->key) + e->yaml_len + e->json_len;
}

static void lru_unlink(struct render_cache *rc, struct render_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		rc->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		rc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct render_cache *rc, struct render_entry *e)
{
	e->next = rc->head;
	e->prev = NULL;
	if (rc->head)
		rc->head->prev = e;
	rc->head = e;
	if (!rc->tail)
		rc->tail = e;
}

static void entry_free(struct render_entry *e)
{
	free(e->key);
	free(e->yaml);
	free(e->json);
	free(e);
}

/* Remove e from the table and the LRU; lock held. */
static void entry_drop(struct render_cache *rc, struct render_entry *e)
{
	struct render_entry **pp =
	    &rc->buckets[fnv1a_str_index(e->key) & (rc->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	lru_unlink(rc, e);
	rc->bytes -= entry_bytes(e);
	rc->count--;
	entry_free(e);
}

static struct render_entry *entry_find(struct render_cache *rc, const char *key)
{
	struct render_entry *e =
	    rc->buckets[fnv1a_str_index(key) & (rc->nbuckets - 1)];

	for (; e; e = e->hnext)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

void render_cache_forget(struct render_cache *rc, const char *key)
{
	struct render_entry *e;

	if (!rc)
		return;
	pthread_mutex_lock(&rc->lock);
	e = entry_find(rc, key);
	if (e)
		entry_drop(rc, e);
	pthread_mutex_unlock(&rc->lock);
}

void render_cache_stats(struct render_cache *rc, size_t *ret_objects,
			size_t *ret_bytes)
{
	*ret_objects = *ret_bytes = 0;
	if (!rc)
		return;
	pthread_mutex_lock(&rc->lock);
	*ret_objects = rc->count;
	*ret_bytes = rc->bytes;
	pthread_mutex_unlock(&rc->lock);
}

void render_cache_free(struct render_cache *rc)
{
	struct render_entry *e, *next;

	if (!rc)
		return;
	for (e = rc->head; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	free(rc->buckets);
	pthread_mutex_destroy(&rc->lock);
	free(rc);
}

static char *dup_bytes(const char *p, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, p, len);
		d[len] = '\0';
	}
	return d;
}

/* Look up (key, rv) and copy out what is asked; lock held. 1 if served. */
static int cache_serve(struct render_cache *rc, const char *key, uint64_t rv,
		       enum render_format fmt, char **ret_data, size_t *ret_len,
		       time_t *ret_mtime)
{
	struct render_entry *e = entry_find(rc, key);
	const char *src;
	size_t len;

	if (!e || e->rv != rv)
		return 0;
	src = fmt == RENDER_YAML ? e->yaml : e->json;
	len = fmt == RENDER_YAML ? e->yaml_len : e->json_len;
	if (!src)
		return 0;
	if (ret_data) {
		*ret_data = dup_bytes(src, len);
		if (!*ret_data)
			return -ENOMEM;
	}
	*ret_len = len;
	if (ret_mtime)
		*ret_mtime = e->mtime;
	lru_unlink(rc, e);
	lru_push(rc, e);
	return 1;
}

static void cache_store(struct render_cache *rc, const char *key, uint64_t rv,
			enum render_format fmt, char *text, size_t len,
			time_t *ret_mtime)
{
	struct render_entry *e = entry_find(rc, key);

	if (e && e->rv != rv) {
		entry_drop(rc, e);
		e = NULL;
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || !(e->key = strdup(key))) {
			free(e);
			free(text);
			return;
		}
		e->rv = rv;
		e->mtime = time(NULL);
		size_t b = fnv1a_str_index(key) & (rc->nbuckets - 1);

		e->hnext = rc->buckets[b];
		rc->buckets[b] = e;
		lru_push(rc, e);
		rc->bytes += entry_bytes(e);
		rc->count++;
	}
	rc->bytes -= entry_bytes(e);
	if (fmt == RENDER_YAML) {
		free(e->yaml);
		e->yaml = text;
		e->yaml_len = len;
	} else {
		free(e->json);
		e->json = text;
		e->json_len = len;
	}
	rc->bytes += entry_bytes(e);
	if (ret_mtime)
		*ret_mtime = e->mtime;
	while (rc->bytes > rc->max_bytes && rc->tail && rc->tail != e)
		entry_drop(rc, rc->tail);
}

static int render(struct kfs *fs, const char *key, enum render_format fmt,
		  char **ret_data, size_t *ret_len, uint64_t *ret_rv,
		  time_t *ret_mtime)
{
	struct render_cache *rc = fs->render;
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *obj = NULL;
	char *text;
	size_t len, tlen;
	uint64_t rv;
	int r;

	r = store_get(fs->store, key, &data, &len, &rv);
	if (r < 0)
		return r;
	if (ret_rv)
		*ret_rv = rv;
	pthread_mutex_lock(&rc->lock);
	r = cache_serve(rc, key, rv, fmt, ret_data, ret_len, ret_mtime);
	pthread_mutex_unlock(&rc->lock);
	if (r != 0)
		return r < 0 ? r : 0;

	obj = server_decode_value(data, len, rv);
	if (!obj)
		return -EIO;
	text = fmt == RENDER_YAML ? codec_encode_yaml(obj, &tlen)
				  : codec_encode_json(obj, &tlen);
	if (!text)
		return -ENOMEM;
	if (ret_data) {
		*ret_data = dup_bytes(text, tlen);
		if (!*ret_data) {
			free(text);
			return -ENOMEM;
		}
	}
	*ret_len = tlen;
	pthread_mutex_lock(&rc->lock);
	cache_store(rc, key, rv, fmt, text, tlen, ret_mtime);
	pthread_mutex_unlock(&rc->lock);
	return 0;
}

int kfs_render(struct kfs *fs, const char *key, enum render_format fmt,
	       char **ret_data, size_t *ret_len, uint64_t *ret_rv,
	       time_t *ret_mtime)
{
	return render(fs, key, fmt, ret_data, ret_len, ret_rv, ret_mtime);
}

int kfs_render_size(struct kfs *fs, const char *key, size_t *ret_len,
		    uint64_t *ret_rv, time_t *ret_mtime)
{
	return render(fs, key, RENDER_YAML, NULL, ret_len, ret_rv, ret_mtime);
}
