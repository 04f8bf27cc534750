/*
 * filters.c — the node-local filter plugins: NodeUnschedulable, NodeName,
 * TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit.
 */
#include <string.h>

#include "api/toleration.h"
#include "sched/match.h"
#include "sched/plugins_i.h"

void sched_filter_node_unschedulable(const struct sched_cycle *c,
				     const struct sched_node *n,
				     struct sched_status *st)
{
	/* a pod tolerating the unschedulable taint may still go there */
	if (!n->unschedulable ||
	    tolerations_tolerate_kv(c->pod->tolerations,
				    "node.kubernetes.io/unschedulable", "",
				    "NoSchedule"))
		return;
	sched_status_add(st, SCHED_UNRESOLVABLE, REASON_UNSCHEDULABLE);
}

void sched_filter_node_name(const struct sched_cycle *c,
			    const struct sched_node *n, struct sched_status *st)
{
	const char *want = c->pod->node_name;

	if (*want && strcmp(want, n->name) != 0)
		sched_status_add(st, SCHED_UNRESOLVABLE, REASON_NODE_NAME);
}

void sched_filter_taint_toleration(const struct sched_cycle *c,
				   const struct sched_node *n,
				   struct sched_status *st)
{
	const json_t *taint;
	size_t i;

	json_array_foreach (n->taints, i, taint) {
		const char *effect = taint_field(taint, "effect");

		if (strcmp(effect, "NoSchedule") != 0 &&
		    strcmp(effect, "NoExecute") != 0)
			continue;
		if (tolerations_tolerate(c->pod->tolerations, taint))
			continue;
		sched_status_add(st, SCHED_UNRESOLVABLE,
				 "node(s) had untolerated taint {%s: %s}",
				 taint_field(taint, "key"),
				 taint_field(taint, "value"));
		return;
	}
}

void sched_filter_node_affinity(const struct sched_cycle *c,
				const struct sched_node *n,
				struct sched_status *st)
{
	const struct sched_pod *p = c->pod;

	if (sched_node_selector_matches(p->node_selector, n->labels) &&
	    (!p->has_required_terms ||
	     sched_node_terms_match(p->required_terms, n->labels, n->name)))
		return;
	sched_status_add(st, SCHED_UNRESOLVABLE, REASON_NODE_AFFINITY);
}

/* HostPortInfo.CheckConflict: 0.0.0.0 overlaps every address. */
static bool ports_conflict(const struct sched_host_port *a,
			   const struct sched_host_port *b)
{
	if (a->port != b->port || strcmp(a->protocol, b->protocol) != 0)
		return false;
	return strcmp(a->ip, "0.0.0.0") == 0 || strcmp(b->ip, "0.0.0.0") == 0 ||
	       strcmp(a->ip, b->ip) == 0;
}

void sched_filter_node_ports(const struct sched_cycle *c,
			     const struct sched_node *n,
			     struct sched_status *st)
{
	const struct sched_pod *p = c->pod;

	if (!p->n_host_ports || !n->n_with_host_ports)
		return;
	for (size_t i = 0; i < n->n_pods; i++) {
		const struct sched_pod *o = n->pods[i];

		for (size_t j = 0; j < o->n_host_ports; j++)
			for (size_t k = 0; k < p->n_host_ports; k++)
				if (ports_conflict(&p->host_ports[k],
						   &o->host_ports[j])) {
					sched_status_add(st,
							 SCHED_UNSCHEDULABLE,
							 REASON_NODE_PORTS);
					return;
				}
	}
}

/* fitsRequest: every shortage is a reason of its own. */
void sched_filter_resources_fit(const struct sched_cycle *c,
				const struct sched_node *n,
				struct sched_status *st)
{
	const struct sched_resources *want = &c->pod->req;
	const struct sched_resources *a = &n->allocatable;
	const struct sched_resources *used = &n->requested;

	if ((int64_t)n->n_pods + 1 > a->pods)
		sched_status_add(st, SCHED_UNSCHEDULABLE, REASON_TOO_MANY_PODS);
	if (want->milli_cpu > 0 &&
	    want->milli_cpu > a->milli_cpu - used->milli_cpu)
		sched_status_add(st, SCHED_UNSCHEDULABLE,
				 REASON_INSUFFICIENT_CPU);
	if (want->memory > 0 && want->memory > a->memory - used->memory)
		sched_status_add(st, SCHED_UNSCHEDULABLE,
				 REASON_INSUFFICIENT_MEMORY);
	/* ephemeral-storage, hugepages, extended resources: a node that
	 * does not offer one has none of it */
	for (size_t i = 0; i < c->pod->n_scalars; i++) {
		const struct sched_scalar *s = &c->pod->scalars[i];
		int64_t free_ = 0;

		for (size_t j = 0; j < n->n_scalars; j++)
			if (strcmp(n->scalars[j].name, s->name) == 0)
				free_ = n->scalars[j].value -
					n->requested_scalars[j];
		if (s->value > free_)
			sched_status_add(st, SCHED_UNSCHEDULABLE,
					 "Insufficient %s", s->name);
	}
}
