/*
 * framework.c — the plugin table, profiles and one scheduling decision
 * (kube-scheduler's schedulePod: findNodesThatFitPod, prioritizeNodes,
 * selectHost).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "sched/plugins_i.h"

#define NODE_EVENTS (SCHED_EVENT_NODE_ADD | SCHED_EVENT_NODE_UPDATE)

/* Order is kube-scheduler's default profile order (filters stop at the
 * first plugin that rejects a node, so it shows in the reasons). */
static const struct sched_plugin plugins[SCHED_N_PLUGINS] = {
    [SCHED_PLUGIN_NODE_UNSCHEDULABLE] =
	{
	    .name = "NodeUnschedulable",
	    .filter = sched_filter_node_unschedulable,
	    .events = NODE_EVENTS,
	},
    [SCHED_PLUGIN_NODE_NAME] =
	{
	    .name = "NodeName",
	    .filter = sched_filter_node_name,
	    .events = SCHED_EVENT_NODE_ADD,
	},
    [SCHED_PLUGIN_TAINT_TOLERATION] =
	{
	    .name = "TaintToleration",
	    .filter = sched_filter_taint_toleration,
	    .score = sched_score_taint_toleration,
	    .normalize = sched_normalize_taint_toleration,
	    .default_weight = 3,
	    .events = NODE_EVENTS,
	},
    [SCHED_PLUGIN_NODE_AFFINITY] =
	{
	    .name = "NodeAffinity",
	    .filter = sched_filter_node_affinity,
	    .score = sched_score_node_affinity,
	    .normalize = sched_normalize_node_affinity,
	    .default_weight = 2,
	    .events = NODE_EVENTS,
	},
    [SCHED_PLUGIN_NODE_PORTS] =
	{
	    .name = "NodePorts",
	    .filter = sched_filter_node_ports,
	    .events = SCHED_EVENT_NODE_ADD | SCHED_EVENT_POD_DELETE,
	},
    [SCHED_PLUGIN_NODE_RESOURCES_FIT] =
	{
	    .name = "NodeResourcesFit",
	    .filter = sched_filter_resources_fit,
	    .score = sched_score_least_allocated,
	    .default_weight = 1,
	    .events = NODE_EVENTS | SCHED_EVENT_POD_DELETE,
	},
    [SCHED_PLUGIN_INTER_POD_AFFINITY] =
	{
	    .name = "InterPodAffinity",
	    .filter = sched_filter_inter_pod_affinity,
	    .events =
		NODE_EVENTS | SCHED_EVENT_POD_DELETE | SCHED_EVENT_POD_ADD,
	},
    [SCHED_PLUGIN_BALANCED_ALLOCATION] =
	{
	    .name = "NodeResourcesBalancedAllocation",
	    .score = sched_score_balanced_allocation,
	    .default_weight = 1,
	},
    [SCHED_PLUGIN_SELECTOR_SPREAD] =
	{
	    .name = "SelectorSpread",
	    .score = sched_score_selector_spread,
	    .normalize = sched_normalize_selector_spread,
	    .default_weight = 1,
	},
};

const struct sched_plugin *sched_plugin_get(enum sched_plugin_id id)
{
	if ((unsigned)id >= SCHED_N_PLUGINS)
		return NULL;
	return &plugins[id];
}

int sched_plugin_lookup(const char *name)
{
	for (int i = 0; i < SCHED_N_PLUGINS; i++)
		if (strcmp(plugins[i].name, name) == 0)
			return i;
	return -ENOENT;
}

const char *sched_strerror(int code)
{
	if (code == SCHED_E_UNSCHEDULABLE)
		return "pod does not fit any node";
	return strerror(-code);
}

void sched_status_add(struct sched_status *st, enum sched_code code,
		      const char *fmt, ...)
{
	va_list ap;

	if (code > st->code)
		st->code = code;
	if (st->n_reasons >= SCHED_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(st->reasons[st->n_reasons++], SCHED_REASON_MAX, fmt, ap);
	va_end(ap);
}

void sched_profile_init(struct sched_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->scheduler_name = SCHED_DEFAULT_SCHEDULER;
	for (int i = 0; i < SCHED_N_PLUGINS; i++)
		p->weights[i] = plugins[i].default_weight;
	p->rng = 0x9e3779b97f4a7c15ull;
}

int sched_profile_set_weight(struct sched_profile *p, const char *name,
			     long weight)
{
	int id = sched_plugin_lookup(name);

	if (id < 0)
		return id;
	if (!plugins[id].score || weight < 0 || weight > 100)
		return -EINVAL;
	p->weights[id] = weight;
	return 0;
}

size_t sched_profile_nodes_to_find(const struct sched_profile *p, size_t n)
{
	const size_t min_nodes = 100;
	size_t pct = p->percentage_of_nodes_to_score, want;

	if (n < min_nodes || pct >= 100)
		return n;
	if (pct == 0) {
		pct = n / 125 >= 45 ? 5 : 50 - n / 125;
	}
	want = n * pct / 100;
	return want < min_nodes ? min_nodes : want;
}

int sched_prioritize(const struct sched_profile *p, const struct sched_cycle *c,
		     struct sched_node *const *feasible, size_t n,
		     int64_t *ret_scores)
{
	_cleanup_free_ int64_t *one = calloc(n ? n : 1, sizeof(*one));

	if (!one)
		return -ENOMEM;
	memset(ret_scores, 0, n * sizeof(*ret_scores));
	for (int id = 0; id < SCHED_N_PLUGINS; id++) {
		const struct sched_plugin *pl = &plugins[id];

		if (!pl->score || p->weights[id] <= 0)
			continue;
		for (size_t i = 0; i < n; i++)
			one[i] = pl->score(c, feasible[i]);
		if (pl->normalize)
			pl->normalize(c, one, n);
		for (size_t i = 0; i < n; i++)
			ret_scores[i] += one[i] * p->weights[id];
	}
	return 0;
}

static uint64_t next_random(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Run the filters on one node; on failure count it into diag. */
static int filter_node(const struct sched_cycle *c, const struct sched_node *n,
		       struct sched_diagnosis *diag, bool *ret_fits)
{
	struct sched_status st;

	for (int id = 0; id < SCHED_N_PLUGINS; id++) {
		if (!plugins[id].filter)
			continue;
		st.code = SCHED_SUCCESS;
		st.n_reasons = 0;
		plugins[id].filter(c, n, &st);
		if (st.code != SCHED_SUCCESS) {
			*ret_fits = false;
			return sched_diagnosis_add(diag, id, &st);
		}
	}
	*ret_fits = true;
	return 0;
}

int sched_schedule(struct sched_profile *p, const struct sched_pod *pod,
		   struct sched_node *const *nodes, size_t n_nodes,
		   struct sched_diagnosis *diag, size_t *ret_index)
{
	_cleanup_free_ size_t *feasible = NULL;
	_cleanup_free_ struct sched_node **fnodes = NULL;
	_cleanup_free_ int64_t *scores = NULL;
	struct sched_cycle c;
	size_t live = 0, to_find, n_feasible = 0, processed = 0, start;
	size_t best = 0, ties = 0;
	int r;

	for (size_t i = 0; i < n_nodes; i++)
		live += nodes[i]->obj != NULL;
	diag->n_nodes = live;
	if (!live)
		return SCHED_E_UNSCHEDULABLE;
	feasible = malloc(n_nodes * sizeof(*feasible));
	if (!feasible)
		return -ENOMEM;

	r = sched_cycle_init(&c, pod, nodes, n_nodes);
	if (r < 0)
		goto out_cycle;
	to_find = sched_profile_nodes_to_find(p, live);
	start = p->next_start_index % n_nodes;
	for (size_t i = 0; i < n_nodes && n_feasible < to_find; i++) {
		size_t idx = (start + i) % n_nodes;
		bool fits;

		processed++;
		if (!nodes[idx]->obj)
			continue;
		r = filter_node(&c, nodes[idx], diag, &fits);
		if (r < 0)
			goto out_cycle;
		if (fits)
			feasible[n_feasible++] = idx;
	}
	p->next_start_index = (start + processed) % n_nodes;
	if (!n_feasible) {
		r = SCHED_E_UNSCHEDULABLE;
		goto out_cycle;
	}
	if (n_feasible == 1) {
		*ret_index = feasible[0];
		r = 0;
		goto out_cycle;
	}

	fnodes = malloc(n_feasible * sizeof(*fnodes));
	scores = malloc(n_feasible * sizeof(*scores));
	if (!fnodes || !scores) {
		r = -ENOMEM;
		goto out_cycle;
	}
	for (size_t i = 0; i < n_feasible; i++)
		fnodes[i] = nodes[feasible[i]];
	r = sched_prioritize(p, &c, fnodes, n_feasible, scores);
	if (r < 0)
		goto out_cycle;
	/* selectHost: the best score, reservoir-sampled among ties */
	for (size_t i = 0; i < n_feasible; i++) {
		if (i == 0 || scores[i] > scores[best]) {
			best = i;
			ties = 1;
		} else if (scores[i] == scores[best]) {
			ties++;
			if (next_random(&p->rng) % ties == 0)
				best = i;
		}
	}
	*ret_index = feasible[best];
	r = 0;
out_cycle:
	sched_cycle_release(&c);
	return r;
}
