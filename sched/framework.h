/*
 * framework.h — the scheduling framework of kubefs-sched.
 *
 * The pure part of the scheduler, after kube-scheduler's framework: no I/O,
 * no threads, no clock. Everything here works on json_t objects as read
 * from the tree and can be unit-tested without a mount.
 *
 *   struct sched_pod      a pod's scheduling view (requests, selectors,
 *                         affinity, tolerations, host ports, owner),
 *                         refcounted, immutable once built
 *   struct sched_node     a node and the pods bound or assumed on it
 *                         (kube-scheduler's NodeInfo)
 *   struct sched_plugin   one plugin: filter (feasible or not, with the
 *                         kube-scheduler reason strings), score (0..100),
 *                         normalize
 *   struct sched_profile  plugin weights and node sampling
 *   sched_schedule()      filter every node, score the feasible ones and
 *                         pick the best, or fill a diagnosis whose message
 *                         is kube-scheduler's "0/N nodes are available: ..."
 *
 * Objects handed in are never modified; views keep a reference to them and
 * point into them, so callers must not modify an object after building a
 * view of it (replace it with a new object instead, as informers do).
 */
#ifndef KUBEFS_SCHED_FRAMEWORK_H
#define KUBEFS_SCHED_FRAMEWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/error.h"
#include "api/strmap.h"

#define SCHED_MAX_NODE_SCORE 100
#define SCHED_DEFAULT_SCHEDULER "default-scheduler"

/* kube-scheduler's defaults for containers that request nothing, used by
 * scoring only (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest). */
#define SCHED_DEFAULT_MILLI_CPU_REQUEST 100
#define SCHED_DEFAULT_MEMORY_REQUEST (200ll * 1024 * 1024)

/*
 * Returned by sched_schedule() when no node fits; the diagnosis says why.
 * Outside the errno range (see sched_strerror()).
 */
#define SCHED_E_UNSCHEDULABLE (-20001)

/* strerror() that also knows SCHED_E_UNSCHEDULABLE. Borrowed string. */
const char *sched_strerror(int code);

/* CPU in millicores, memory in bytes, pods as a count. */
struct sched_resources {
	int64_t milli_cpu;
	int64_t memory;
	int64_t pods;
};

struct sched_host_port {
	const char *ip;	      /* hostIP, "0.0.0.0" when unset; borrowed */
	const char *protocol; /* "TCP" when unset; borrowed */
	int32_t port;	      /* 1..65535 */
};

/* Resources other than cpu, memory and pods one node may offer. */
#define SCHED_MAX_NODE_SCALARS 64

/* A resource other than cpu and memory: ephemeral-storage, hugepages-2Mi,
 * an extended resource such as nvidia.com/gpu. Name borrowed from the
 * object; value in units. */
struct sched_scalar {
	const char *name;
	int64_t value;
};

/* A required pod (anti-)affinity term. All pointers borrowed from the pod. */
struct sched_pod_term {
	const json_t *selector;	  /* labelSelector object; NULL matches none */
	const char *topology_key; /* never NULL */
	const json_t *namespaces; /* array of strings, or NULL */
	bool all_namespaces;	  /* namespaceSelector: {} */
	bool has_ns_selector;	  /* namespaceSelector set, even to {} */
};

/*
 * A pod's scheduling view. Built once from the object and never changed;
 * shared by the queue and the cache through the reference count. String
 * and json_t pointers are borrowed from obj and valid as long as the view.
 * obj is not the whole pod: only its identity (apiVersion, kind,
 * metadata's name, namespace, uid, resourceVersion, labels and
 * deletionTimestamp) and its placement constraints (spec.nodeName,
 * schedulerName, priority, nodeSelector, affinity, tolerations,
 * hostNetwork; containers only when host ports or other resources
 * borrow from them). What the containers request is in req and scalars.
 */
struct sched_pod {
	unsigned refs;
	json_t *obj; /* one reference, owned by the view */
	char *key;   /* "NAMESPACE/NAME", owned */
	const char *ns;
	const char *name;
	const char *uid;	    /* "" when unset */
	const char *node_name;	    /* spec.nodeName, "" when unbound */
	const char *scheduler_name; /* SCHED_DEFAULT_SCHEDULER when unset */
	const char *owner_uid;	    /* the controller ownerReference, or NULL */
	char *owned_owner_uid;	    /* owner_uid's storage */
	int32_t priority;	    /* spec.priority, 0 when unset */
	bool terminal;		    /* status.phase Succeeded or Failed */
	bool deleting;		    /* metadata.deletionTimestamp is set */

	/* Kubernetes' computePodResourceRequest; .pods is always 1. */
	struct sched_resources req;
	/* The same with SCHED_DEFAULT_* for each container requesting no
	 * cpu or memory (what scoring uses). */
	struct sched_resources nonzero_req;
	/* the other resources requested (> 0), summed the same way */
	struct sched_scalar *scalars; /* owned array */
	size_t n_scalars;

	const json_t *labels;	     /* metadata.labels object, or NULL */
	const json_t *node_selector; /* spec.nodeSelector object, or NULL */
	/* required node affinity: nodeSelectorTerms (array, or NULL when
	 * there are none, which then matches no node) */
	bool has_required_terms;
	const json_t *required_terms;
	const json_t *preferred_terms; /* preferredDuringScheduling... */
	const json_t *tolerations;     /* array, or NULL */

	struct sched_host_port *host_ports; /* owned array */
	size_t n_host_ports;
	struct sched_pod_term *affinity; /* owned arrays of required terms */
	size_t n_affinity;
	struct sched_pod_term *anti_affinity;
	size_t n_anti_affinity;
};

/*
 * Build the view of a Pod object. Returns 0 and a view with one
 * reference in *ret_pod, -EINVAL with err filled when a field the
 * scheduler reads is malformed (a quantity that does not parse, a
 * nodeSelector that is not a map, ...), or -ENOMEM.
 */
int sched_pod_new(const json_t *obj, struct kf_error *err,
		  struct sched_pod **ret_pod);

/*
 * The informer's transform for pods: keep only what sched_pod_new() and
 * the scheduler read (identity, labels, owner, requests and ports,
 * placement constraints, phase, and the conditions of unbound pods), so
 * a cached pod costs a fraction of the whole object. A bound pod keeps
 * no tolerations, node selector or node affinity: nothing reads them
 * once it has its node.
 */
void sched_pod_slim(json_t *obj);

/* The same for nodes: name, labels, taints, unschedulable, allocatable
 * and capacity, what many nodes repeat shared between them. */
void sched_node_slim(json_t *obj);

/* Take one more reference; returns pod. */
struct sched_pod *sched_pod_ref(struct sched_pod *pod);

/* Drop one reference; the last one frees the view. NULL is a no-op. */
void sched_pod_unref(struct sched_pod *pod);

/*
 * Kubernetes' pod key, "NAMESPACE/NAME", into buf (at most len bytes).
 * Returns 0, -EINVAL when the object has no name, or -ENAMETOOLONG.
 */
int sched_pod_key(const json_t *obj, char *buf, size_t len);

/*
 * A node and what is on it (kube-scheduler's NodeInfo). obj is NULL for
 * a node that was deleted while pods were still bound to it; such nodes
 * are never offered to the framework.
 */
struct sched_node {
	char *name;	      /* owned */
	json_t *obj;	      /* one reference, or NULL */
	const json_t *labels; /* metadata.labels object, or NULL */
	const json_t *taints; /* spec.taints array, or NULL */
	bool unschedulable;   /* spec.unschedulable */
	/* status.allocatable, each resource falling back to capacity */
	struct sched_resources allocatable;
	/* sums over pods; .pods counts them */
	struct sched_resources requested;
	struct sched_resources nonzero_requested;
	/* the other allocatable resources (names borrowed from obj) and,
	 * in the same order, the pods' requests of them */
	struct sched_scalar *scalars; /* owned array */
	int64_t *requested_scalars;   /* owned array */
	size_t n_scalars;
	/* the pods, each holding one reference */
	struct sched_pod **pods;
	size_t n_pods;
	size_t cap_pods;
	size_t n_with_host_ports;    /* pods that use host ports */
	size_t n_with_anti_affinity; /* pods with required anti-affinity */
	size_t index;		     /* free for the owner (the cache) */
};

/* A node with no object and no pods yet. Returns 0 or -ENOMEM. */
int sched_node_new(const char *name, struct sched_node **ret_node);

/* Drop the pods' references and free. NULL is a no-op. */
void sched_node_free(struct sched_node *node);

/*
 * Take a new version of the Node object (its name must be node->name).
 * Returns 0, -EINVAL with err filled when a field is malformed (the node
 * is then unchanged), or -ENOMEM. obj gets a new reference.
 */
int sched_node_set(struct sched_node *node, const json_t *obj,
		   struct kf_error *err);

/* Forget the object (the node was deleted); the pods stay. */
void sched_node_clear(struct sched_node *node);

/* Account pod on the node and keep a reference. 0 or -ENOMEM. */
int sched_node_add_pod(struct sched_node *node, struct sched_pod *pod);

/* Undo sched_node_add_pod. Returns 0, or -ENOENT if pod is not there. */
int sched_node_remove_pod(struct sched_node *node, const struct sched_pod *pod);

/* ---- plugins ---- */

enum sched_code {
	SCHED_SUCCESS = 0,
	SCHED_UNSCHEDULABLE, /* might fit after a change on the node */
	SCHED_UNRESOLVABLE,  /* UnschedulableAndUnresolvable */
};

#define SCHED_MAX_REASONS 8
#define SCHED_REASON_MAX 320

/* What a filter says about one node. */
struct sched_status {
	enum sched_code code;
	size_t n_reasons;
	char reasons[SCHED_MAX_REASONS][SCHED_REASON_MAX];
};

/* The plugins, in the order kube-scheduler's default profile runs them. */
enum sched_plugin_id {
	SCHED_PLUGIN_NODE_UNSCHEDULABLE,
	SCHED_PLUGIN_NODE_NAME,
	SCHED_PLUGIN_TAINT_TOLERATION,
	SCHED_PLUGIN_NODE_AFFINITY,
	SCHED_PLUGIN_NODE_PORTS,
	SCHED_PLUGIN_NODE_RESOURCES_FIT,
	SCHED_PLUGIN_INTER_POD_AFFINITY,
	SCHED_PLUGIN_BALANCED_ALLOCATION,
	SCHED_PLUGIN_SELECTOR_SPREAD,
	SCHED_N_PLUGINS
};

/* Cluster events after which a pod rejected by a plugin may fit. */
enum sched_event {
	SCHED_EVENT_NODE_ADD = 1u << 0,
	SCHED_EVENT_NODE_UPDATE = 1u << 1,
	SCHED_EVENT_POD_DELETE = 1u << 2, /* an assigned pod went away */
	SCHED_EVENT_POD_ADD = 1u << 3,	  /* a pod was bound (affinity) */
	SCHED_EVENT_ALL = 0xffu,
};

/*
 * The state of one scheduling cycle: the pod, the nodes (a snapshot that
 * must not change during the cycle) and what pre-filter computed.
 */
struct sched_cycle {
	const struct sched_pod *pod;
	struct sched_node *const *nodes;
	size_t n_nodes;
	/* InterPodAffinity: "topologyKey\nvalue" -> count (as uintptr_t) */
	struct strmap affinity_counts;
	struct strmap anti_counts;
	struct strmap existing_anti_counts;
	bool pod_matches_own_affinity;
	/* NodeAffinity preferred and SelectorSpread need nothing else;
	 * TaintToleration takes the pod's tolerations directly. */
};

/*
 * Pre-filter: set up c for pod over nodes (borrowed for the cycle's
 * life). Returns 0 or -ENOMEM; release with sched_cycle_release() in
 * both cases.
 */
int sched_cycle_init(struct sched_cycle *c, const struct sched_pod *pod,
		     struct sched_node *const *nodes, size_t n_nodes);
void sched_cycle_release(struct sched_cycle *c);

struct sched_plugin {
	const char *name; /* kube-scheduler's plugin name */
	/* Fill st for node. NULL for score-only plugins. */
	void (*filter)(const struct sched_cycle *c,
		       const struct sched_node *node, struct sched_status *st);
	/* Raw score of a feasible node. NULL for filter-only plugins. */
	int64_t (*score)(const struct sched_cycle *c,
			 const struct sched_node *node);
	/* Map raw scores of all feasible nodes to 0..100 in place; NULL
	 * when raw scores already are. */
	void (*normalize)(const struct sched_cycle *c, int64_t *scores,
			  size_t n);
	int64_t default_weight; /* 0 for filter-only plugins */
	unsigned events;	/* enum sched_event bits that may help */
};

/* The plugin table entry for id. Borrowed, static. */
const struct sched_plugin *sched_plugin_get(enum sched_plugin_id id);

/* The id of a plugin named name, or -ENOENT. */
int sched_plugin_lookup(const char *name);

/*
 * kube-scheduler's DefaultNormalizeScore: scale so that the highest raw
 * score becomes max (all max when every score is 0 and reverse is set),
 * then reverse (max - score) when asked.
 */
void sched_default_normalize(int64_t max, bool reverse, int64_t *scores,
			     size_t n);

/* ---- profile and one scheduling decision ---- */

struct sched_profile {
	const char *scheduler_name; /* borrowed */
	int64_t weights[SCHED_N_PLUGINS];
	/* Percentage of nodes to find feasible before scoring, 1..100; 0
	 * means kube-scheduler's adaptive default (50% minus 1% per 125
	 * nodes, at least 5%, at least 100 nodes). */
	unsigned percentage_of_nodes_to_score;
	size_t next_start_index; /* round-robin start, as kube-scheduler */
	uint64_t rng;		 /* tie breaking among equal scores */
};

/* Default weights, adaptive sampling, scheduler_name "default-scheduler". */
void sched_profile_init(struct sched_profile *p);

/*
 * Set the weight of the score plugin called name (--weight-NAME=N).
 * Returns 0, -ENOENT for an unknown plugin, -EINVAL for a plugin that
 * does not score or a weight outside 0..100 (0 disables the score).
 */
int sched_profile_set_weight(struct sched_profile *p, const char *name,
			     long weight);

/* How many feasible nodes to look for among n (numFeasibleNodesToFind). */
size_t sched_profile_nodes_to_find(const struct sched_profile *p, size_t n);

struct sched_reason_count {
	char *reason; /* owned */
	size_t count;
};

/* Why a pod fits no node: how many nodes gave each reason. */
struct sched_diagnosis {
	size_t n_nodes;	  /* nodes considered */
	unsigned plugins; /* bit (1u << id) per plugin that rejected a node */
	struct sched_reason_count *reasons; /* owned, in first-seen order */
	size_t n_reasons;
	size_t cap_reasons;
	struct strmap index; /* reason -> position + 1 in reasons */
};

void sched_diagnosis_init(struct sched_diagnosis *d);
void sched_diagnosis_release(struct sched_diagnosis *d);

/* Count the reasons of st (a failing status) for plugin id. 0/-ENOMEM. */
int sched_diagnosis_add(struct sched_diagnosis *d, enum sched_plugin_id id,
			const struct sched_status *st);

/*
 * kube-scheduler's FitError message: "0/3 nodes are available: 1
 * Insufficient cpu, 2 node(s) had untolerated taint {k: v}." with the
 * "COUNT REASON" strings sorted as strings, or "no nodes available to
 * schedule pods" when there were no nodes. The preemption suffix is not
 * produced. Returns 0 and an owned string in *ret_msg, or -ENOMEM.
 */
int sched_diagnosis_message(const struct sched_diagnosis *d, char **ret_msg);

/*
 * Scores of the feasible nodes (n of them, in order) as the weighted sum
 * of every enabled score plugin after normalisation, into ret_scores
 * (n entries, caller-allocated). Returns 0 or -ENOMEM.
 */
int sched_prioritize(const struct sched_profile *p, const struct sched_cycle *c,
		     struct sched_node *const *feasible, size_t n,
		     int64_t *ret_scores);

/*
 * Run one scheduling cycle for pod over the nodes (skipping nodes whose
 * obj is NULL): pre-filter, filter (stopping at the first failing plugin
 * per node, and once enough feasible nodes were found), score, and pick
 * the highest total, ties broken at random. Returns 0 and the index of
 * the chosen node in nodes in *ret_index; SCHED_E_UNSCHEDULABLE with diag
 * (initialised by the caller) filled when no node fits; or -ENOMEM.
 * Updates p->next_start_index and p->rng.
 */
int sched_schedule(struct sched_profile *p, const struct sched_pod *pod,
		   struct sched_node *const *nodes, size_t n_nodes,
		   struct sched_diagnosis *diag, size_t *ret_index);

#endif
