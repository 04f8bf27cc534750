/*
 * rules.h — Services and EndpointSlices to an nftables ruleset (the rule
 * generator of kube-proxy's nftables mode), with no I/O of its own.
 *
 * kubefs-proxy owns one table per family, `ip TABLE` and `ip6 TABLE`
 * (TABLE is "kubefs" unless configured), and nothing else. The table has
 * a fixed skeleton (rules_write_full() writes it):
 *
 *   maps   service-ips          daddr . l4proto . dport : verdict
 *          service-nodeports    l4proto . dport : verdict
 *          no-endpoint-services daddr . l4proto . dport : verdict
 *          no-endpoint-nodeports l4proto . dport : verdict
 *   set    cluster-ips          every ClusterIP served (wrong ports reject)
 *   chains nat-prerouting / nat-output    jump services (DNAT)
 *          nat-postrouting                jump masquerading
 *          filter-input/-forward/-output  no-endpoint checks (reject)
 *          filter-output-post-dnat        cluster-ips-check
 *          services, masquerading, mark-for-masquerade, reject-chain, ...
 *
 * and one fragment per Service (struct rules_frag), which alone owns:
 *   service-H-NS/NAME/PROTO/PORT          hairpin mark for its own
 *                                         endpoints (set hairpin-H-...),
 *                                         then DNAT through numgen
 *                                         random mod N map
 *                                         @endpoints-H-... (IPv4, no
 *                                         affinity; chain and sets kept,
 *                                         empty, without endpoints);
 *                                         else numgen random mod N vmap
 *                                         to:
 *   endpoint-H-NS/NAME/PROTO/PORT__IP/TP  hairpin mark, affinity, DNAT
 *   external-H-...                        NodePort/externalIPs entry:
 *                                         masquerade, traffic policy
 *   local-H-...                           local endpoints only
 *   affinity-H-...__IP/TP (sets)          sessionAffinity ClientIP
 *   its elements in the maps and sets above.
 * H is a hash of the rest of the name, as kube-proxy does, so names stay
 * unique after truncation by nobody.
 *
 * Endpoints used (kube-proxy's CategorizeEndpoints): the ready ones
 * (ready unset counts as ready); when none is ready, the serving ones
 * that are terminating. Local endpoints (nodeName == the node) serve
 * externalTrafficPolicy/internalTrafficPolicy Local. A service port with
 * no usable endpoint gets a reject element (ICMP port unreachable); a
 * Local policy with endpoints elsewhere only drops.
 *
 * Incremental syncs: a fragment is rebuilt only for a Service whose
 * Service or slices changed; rules_write_diff() writes the nft commands
 * that turn the old fragment into the new one (new chains, rewritten
 * chains, element deletes then adds, chains deleted last), so unchanged
 * Services cost nothing. Fragments are compared, not the kernel: when the
 * kernel may differ (start, drift, a failed transaction) write everything
 * again with rules_write_full(), which replaces the table atomically.
 *
 * Ownership: fragments are owned by the caller (rules_frag_free()); every
 * input is borrowed. Nothing here logs or touches the system.
 */
#ifndef KUBEFS_PROXY_RULES_H
#define KUBEFS_PROXY_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "api/error.h"

/* The label that ties an EndpointSlice to its Service. */
#define SERVICE_NAME_LABEL "kubernetes.io/service-name"
#define RULES_TABLE_DEFAULT "kubefs"
/* The masquerade bit in the packet mark, as kube-proxy's default. */
#define RULES_MASQ_MARK 0x4000
/* More ports than this in one Service: the Service is refused. */
#define RULES_PORTS_MAX 1000
/* More distinct endpoints than this for one Service port: refused. */
#define RULES_ENDPOINTS_MAX 10000
/* sessionAffinityConfig.clientIP.timeoutSeconds default (3 hours). */
#define RULES_AFFINITY_TIMEOUT_DEFAULT 10800

struct rules_config {
	const char *table;     /* NULL: RULES_TABLE_DEFAULT */
	const char *node_name; /* NULL: no endpoint is local */
	/* Pod CIDRs of the cluster per family ("10.244.0.0/16"); traffic to
	 * a ClusterIP from outside them is masqueraded. NULL: none. */
	const char *cluster_cidr4;
	const char *cluster_cidr6;
	bool masquerade_all; /* masquerade every service connection */
	/* IPv4 NodePorts also on 127.0.0.0/8 for connections made on the
	 * node (kube-proxy's iptables --iptables-localhost-nodeports); needs
	 * net.ipv4.conf.*.route_localnet=1, and drops packets to 127.0.0.0/8
	 * that come from elsewhere and were not DNATed (CVE-2020-8558). */
	bool localhost_nodeports;
};

enum rules_family { RULES_IP4, RULES_IP6, RULES_FAMILIES };

/* What one Service programs in one family. Opaque contents. */
struct rules_frag;

/*
 * Build the fragment of svc (a core/v1 Service) from slices (a JSON
 * array of discovery.k8s.io/v1 EndpointSlices labelled with its
 * kubernetes.io/service-name, any of them; NULL: none) for family fam.
 * A Service with nothing to program in fam (headless, ExternalName,
 * another family) gets an empty fragment.
 * Errors: -EINVAL when the Service cannot be programmed (unsupported or
 * conflicting fields, more than RULES_PORTS_MAX ports or
 * RULES_ENDPOINTS_MAX endpoints on a port); err says why, in a sentence
 * fit for an Event. -ENOMEM.
 * *ret owned by the caller.
 */
int rules_service(const struct rules_config *cfg, enum rules_family fam,
		  const json_t *svc, const json_t *slices, struct kf_error *err,
		  struct rules_frag **ret);

/* An empty fragment (a Service that programs nothing). -ENOMEM. */
int rules_frag_new(struct rules_frag **ret);

/* NULL is a no-op. */
void rules_frag_free(struct rules_frag *f);

/* Rules (chain lines) and map/set elements of the fragment. */
size_t rules_frag_rules(const struct rules_frag *f);
size_t rules_frag_elements(const struct rules_frag *f);

/*
 * Call fn for each element of the fragment: map or set name and key
 * ("10.96.0.10 . tcp . 80"). Used to detect two Services claiming one
 * key (an externalIP that is another Service's ClusterIP).
 */
void rules_frag_foreach_element(const struct rules_frag *f,
				void (*fn)(void *ud, const char *set,
					   const char *key),
				void *ud);

/*
 * Write an nft script that replaces the whole table of family fam by the
 * skeleton plus frags[0..n) (NULL entries skipped). Run as one `nft -f`
 * transaction it is atomic: the table is created, deleted and created
 * again, so whatever state it was in (absent, flushed, edited) does not
 * matter. Returns the number of rules written.
 */
size_t rules_write_full(FILE *out, const struct rules_config *cfg,
			enum rules_family fam, struct rules_frag *const *frags,
			size_t n);

/*
 * Write the commands that turn olds[i] into news[i] for each i in [0, n)
 * (either may be NULL: absent). The table must hold exactly the olds.
 * Commands are ordered for one transaction over all pairs: sets and chains
 * added, chains rewritten, elements deleted then added, chains and sets
 * deleted. Returns the number of commands written (0: nothing changed).
 */
size_t rules_write_diff(FILE *out, const struct rules_config *cfg,
			enum rules_family fam, struct rules_frag *const *olds,
			struct rules_frag *const *news, size_t n);

/*
 * The difference between olds[i] and news[i] for each i in [0, n), as
 * calls of ops in the order of one transaction (what rules_write_diff()
 * writes as text; proxy/nfnl.h writes it as a netlink batch). Names are
 * per-service set and chain names; decl is "set BODY" or "map BODY"
 * (BODY as between nft's braces); rule is one nft rule as text; an
 * element's value is "" in a set, "goto CHAIN", "drop" or
 * "ADDR . PORT" in a map. The first negative return of an op stops the
 * walk and is returned; 0 otherwise.
 */
struct rules_diff_ops {
	int (*add_set)(void *ud, const char *name, const char *decl);
	int (*add_chain)(void *ud, const char *name);
	int (*flush_chain)(void *ud, const char *name);
	int (*add_rule)(void *ud, const char *chain, const char *rule);
	int (*element)(void *ud, bool add, const char *set, const char *key,
		       const char *value);
	int (*del_chain)(void *ud, const char *name);
	int (*del_set)(void *ud, const char *name);
};

int rules_diff(const struct rules_diff_ops *ops, void *ud,
	       struct rules_frag *const *olds, struct rules_frag *const *news,
	       size_t n);

/* Write `delete table` for fam's table (after `add table`, so it never
 * fails): what --cleanup runs. */
void rules_write_cleanup(FILE *out, const struct rules_config *cfg,
			 enum rules_family fam);

/*
 * Group slices (an array of EndpointSlices) by their Service: *ret is an
 * object "NAMESPACE/NAME" (from the slice's namespace and its
 * SERVICE_NAME_LABEL) -> array of those slices; slices without the label
 * are left out. Owned by the caller. -ENOMEM.
 */
int rules_slices_by_service(const json_t *slices, json_t **ret);

/* "ip" or "ip6". */
const char *rules_family_name(enum rules_family fam);

#endif
