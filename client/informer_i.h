/*
 * informer_i.h — the informer's store: cached objects by key, in their
 * plain or compact form, and the indexes over them. Not thread-safe: the
 * informer's lock guards every call.
 */
#ifndef KUBEFS_CLIENT_INFORMER_I_H
#define KUBEFS_CLIENT_INFORMER_I_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/strmap.h"
#include "client/informer.h"

struct inf_entry {
	/* the object (one reference); compact: a string of its JSON text */
	json_t *v;
	uint64_t rv; /* metadata.resourceVersion */
	/* this entry's value in each index (owned), NULL when none */
	char *vals[INFORMER_INDEXES_MAX];
};

struct inf_index {
	char *name;
	informer_index_fn fn;
	struct strmap sets; /* value -> struct strmap * (key -> entry) */
};

struct inf_store {
	bool compact;
	struct strmap entries; /* key -> struct inf_entry */
	struct inf_index idx[INFORMER_INDEXES_MAX];
	size_t nidx;
};

void inf_store_init(struct inf_store *s, bool compact);
void inf_store_release(struct inf_store *s);

int inf_store_add_index(struct inf_store *s, const char *name,
			informer_index_fn fn);

/*
 * Store obj (borrowed, as transformed) under key, replacing the entry
 * there. text (may be NULL): obj's compact JSON text, known already,
 * spares rendering it in the compact form. 0 or -ENOMEM (the store is
 * then unchanged).
 */
int inf_store_put(struct inf_store *s, const char *key, const json_t *obj,
		  const char *text, size_t text_len);

/* Drop key; false when absent. */
bool inf_store_del(struct inf_store *s, const char *key);

/* The entry under key, or NULL. Borrowed until the store changes. */
struct inf_entry *inf_store_get(const struct inf_store *s, const char *key);

/*
 * The cached value as a new reference that outlives changes of the store
 * (the object, or the compact text); inf_decode() turns it into the
 * object outside the lock.
 */
static inline json_t *inf_entry_value(const struct inf_entry *e)
{
	return json_incref(e->v);
}

/* An object from inf_entry_value()'s result (stolen): a new reference,
 * or NULL when out of memory. */
json_t *inf_decode(json_t *v);

/* Key and value of entries, collected under the lock for a sorted list
 * built outside it. */
struct inf_item {
	char *key; /* owned */
	json_t *v; /* inf_entry_value() */
};

/*
 * Collect every entry (index NULL) or those whose index value is value.
 * *ret_items (owned; inf_items_free()) and *ret_n. -ENOENT for an unknown
 * index; -ENOMEM.
 */
int inf_store_collect(const struct inf_store *s, const char *index,
		      const char *value, struct inf_item **ret_items,
		      size_t *ret_n);

/* Sort the items by key and decode them into a new array (*ret).
 * Frees the items in every case. */
int inf_items_to_array(struct inf_item *items, size_t n, json_t **ret);

#endif
