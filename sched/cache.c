/* cache.c — nodes, placed pods and assumptions (see cache.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched/cache.h"
#include "api/strmap.h"

struct pod_state {
	struct sched_pod *pod; /* one reference */
	struct sched_node *node;
	bool assumed;
};

struct sched_cache {
	struct strmap nodes; /* name -> struct sched_node, ghosts included */
	struct strmap pods;  /* key -> struct pod_state */
	struct sched_node **live; /* nodes with an object, for scheduling */
	size_t n_live;
	size_t cap_live;
	size_t n_assumed;
};

#define NOT_LIVE ((size_t)-1)

int sched_cache_new(struct sched_cache **ret_cache)
{
	struct sched_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	strmap_init(&c->nodes);
	strmap_init(&c->pods);
	*ret_cache = c;
	return 0;
}

void sched_cache_free(struct sched_cache *c)
{
	size_t it = 0;
	void *v;

	if (!c)
		return;
	while (strmap_next(&c->pods, &it, NULL, &v)) {
		struct pod_state *ps = v;

		sched_pod_unref(ps->pod);
		free(ps);
	}
	it = 0;
	while (strmap_next(&c->nodes, &it, NULL, &v))
		sched_node_free(v);
	strmap_release(&c->pods);
	strmap_release(&c->nodes);
	free(c->live);
	free(c);
}

static int live_add(struct sched_cache *c, struct sched_node *n)
{
	if (n->index != NOT_LIVE)
		return 0;
	if (c->n_live == c->cap_live) {
		size_t cap = c->cap_live ? c->cap_live * 2 : 64;
		struct sched_node **live =
		    realloc(c->live, cap * sizeof(*live));

		if (!live)
			return -ENOMEM;
		c->live = live;
		c->cap_live = cap;
	}
	n->index = c->n_live;
	c->live[c->n_live++] = n;
	return 0;
}

static void live_remove(struct sched_cache *c, struct sched_node *n)
{
	size_t i = n->index;

	if (i == NOT_LIVE)
		return;
	c->live[i] = c->live[--c->n_live];
	c->live[i]->index = i;
	n->index = NOT_LIVE;
}

/* The node called name, created as a ghost if unknown. */
static int node_get(struct sched_cache *c, const char *name,
		    struct sched_node **ret)
{
	struct sched_node *n = strmap_get(&c->nodes, name);
	int r;

	if (n) {
		*ret = n;
		return 0;
	}
	r = sched_node_new(name, &n);
	if (r < 0)
		return r;
	n->index = NOT_LIVE;
	r = strmap_put(&c->nodes, name, n);
	if (r < 0) {
		sched_node_free(n);
		return r;
	}
	*ret = n;
	return 0;
}

/* Free a ghost with no pods left. */
static void node_gc(struct sched_cache *c, struct sched_node *n)
{
	if (n->obj || n->n_pods)
		return;
	live_remove(c, n);
	strmap_remove(&c->nodes, n->name);
	sched_node_free(n);
}

int sched_cache_set_node(struct sched_cache *c, const json_t *obj,
			 struct kf_error *err)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	struct sched_node *n;
	int r;

	if (!name || !*name)
		return kf_error_set(err, -EINVAL,
				    "metadata.name: Required value: name or "
				    "generateName is required");
	r = node_get(c, name, &n);
	if (r < 0)
		return r;
	r = sched_node_set(n, obj, err);
	if (r == 0)
		r = live_add(c, n);
	if (r < 0) {
		/* withdraw it rather than schedule on a stale view */
		sched_node_clear(n);
		live_remove(c, n);
		node_gc(c, n);
	}
	return r;
}

int sched_cache_remove_node(struct sched_cache *c, const char *name)
{
	struct sched_node *n = strmap_get(&c->nodes, name);

	if (!n)
		return -ENOENT;
	sched_node_clear(n);
	live_remove(c, n);
	node_gc(c, n);
	return 0;
}

static void state_drop(struct sched_cache *c, struct pod_state *ps)
{
	struct sched_node *n = ps->node;

	sched_node_remove_pod(n, ps->pod);
	if (ps->assumed)
		c->n_assumed--;
	strmap_remove(&c->pods, ps->pod->key);
	sched_pod_unref(ps->pod);
	free(ps);
	node_gc(c, n);
}

/* Place pod on node name, new state or replacing ps's pod and node. */
static int place(struct sched_cache *c, struct pod_state *ps,
		 struct sched_pod *pod, const char *name, bool assumed)
{
	struct sched_node *n, *old;
	bool fresh = !ps;
	int r;

	r = node_get(c, name, &n);
	if (r < 0)
		return r;
	r = sched_node_add_pod(n, pod);
	if (r < 0)
		goto out_gc;
	if (fresh) {
		ps = calloc(1, sizeof(*ps));
		if (!ps) {
			r = -ENOMEM;
			goto out_remove;
		}
		r = strmap_put(&c->pods, pod->key, ps);
		if (r < 0) {
			free(ps);
			goto out_remove;
		}
	} else {
		old = ps->node;
		sched_node_remove_pod(old, ps->pod);
		sched_pod_unref(ps->pod);
		if (ps->assumed)
			c->n_assumed--;
		if (old != n)
			node_gc(c, old);
	}
	ps->pod = sched_pod_ref(pod);
	ps->node = n;
	ps->assumed = assumed;
	c->n_assumed += assumed;
	return 0;

out_remove:
	sched_node_remove_pod(n, pod);
out_gc:
	node_gc(c, n);
	return r;
}

int sched_cache_set_pod(struct sched_cache *c, struct sched_pod *pod)
{
	struct pod_state *ps = strmap_get(&c->pods, pod->key);

	if (!*pod->node_name)
		return -EINVAL;
	if (pod->terminal) {
		if (ps)
			state_drop(c, ps);
		return 0;
	}
	return place(c, ps, pod, pod->node_name, false);
}

int sched_cache_remove_pod(struct sched_cache *c, const char *key)
{
	struct pod_state *ps = strmap_get(&c->pods, key);

	if (!ps)
		return -ENOENT;
	state_drop(c, ps);
	return 0;
}

int sched_cache_assume(struct sched_cache *c, struct sched_pod *pod,
		       const char *node)
{
	struct sched_node *n = strmap_get(&c->nodes, node);

	if (strmap_get(&c->pods, pod->key))
		return -EEXIST;
	if (!n || !n->obj)
		return -ENOENT;
	return place(c, NULL, pod, node, true);
}

int sched_cache_forget(struct sched_cache *c, const char *key)
{
	struct pod_state *ps = strmap_get(&c->pods, key);

	if (!ps)
		return -ENOENT;
	if (!ps->assumed)
		return -EINVAL;
	state_drop(c, ps);
	return 0;
}

bool sched_cache_is_assumed(const struct sched_cache *c, const char *key)
{
	struct pod_state *ps = strmap_get(&c->pods, key);

	return ps && ps->assumed;
}

const char *sched_cache_pod_node(const struct sched_cache *c, const char *key)
{
	struct pod_state *ps = strmap_get(&c->pods, key);

	return ps ? ps->node->name : NULL;
}

struct sched_node *const *sched_cache_nodes(const struct sched_cache *c,
					    size_t *ret_n)
{
	*ret_n = c->n_live;
	return c->live;
}

const struct sched_node *sched_cache_node(const struct sched_cache *c,
					  const char *name)
{
	return strmap_get(&c->nodes, name);
}

size_t sched_cache_pod_count(const struct sched_cache *c)
{
	return strmap_len(&c->pods);
}

size_t sched_cache_assumed_count(const struct sched_cache *c)
{
	return c->n_assumed;
}
