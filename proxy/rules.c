/*
 * rules.c — one port of a Service to its chains and map elements: the
 * endpoints of its slices are collected (deduplicated by address and
 * port, sorted so that the same input always gives the same text),
 * sorted into usable cluster and local sets as kube-proxy does, and
 * turned into chains and map elements. rules_service.c reads the
 * Service; rules_frag.c holds the fragment; rules_write.c writes tables.
 */
#include "proxy/rules_i.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

struct endpoint {
	char ip[INET6_ADDRSTRLEN];
	int port;
	bool ready, serving, terminating, local;
};

static const char *ipkw(enum rules_family fam)
{
	return fam == RULES_IP6 ? "ip6" : "ip";
}

static const char *cidr_of(const struct gen *g)
{
	return g->fam == RULES_IP6 ? g->cfg->cluster_cidr6
				   : g->cfg->cluster_cidr4;
}

static bool cond(const json_t *conds, const char *k, bool dflt)
{
	const json_t *v = json_object_get(conds, k);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int cmp_endpoint(const void *a, const void *b)
{
	const struct endpoint *x = a, *y = b;
	int c = strcmp(x->ip, y->ip);

	return c ? c : x->port - y->port;
}

/*
 * The endpoints of port p from every slice of the family, deduplicated
 * and sorted. *ret_eps malloc'd (may be NULL when *ret_n is 0).
 */
static int collect(struct gen *g, const json_t *slices,
		   const struct svc_port *p, struct endpoint **ret_eps,
		   size_t *ret_n)
{
	const char *want = g->fam == RULES_IP6 ? "IPv6" : "IPv4";
	struct endpoint *eps = NULL;
	size_t n = 0, cap = 0, i, j;
	const json_t *slice;

	json_array_foreach ((json_t *)slices, i, slice) {
		const json_t *ports = json_object_get(slice, "ports");
		const json_t *sp, *ep;
		int port = -1;

		if (strcmp(
			json_string_value(json_object_get(slice, "addressType"))
			    ?: "",
			want))
			continue;
		json_array_foreach ((json_t *)ports, j, sp) {
			const char *nm =
			    json_string_value(json_object_get(sp, "name"));
			const char *pr =
			    json_string_value(json_object_get(sp, "protocol"));

			if (strcmp(nm ?: "", p->name) == 0 &&
			    strcmp(pr ?: "TCP", p->proto_up) == 0 &&
			    json_is_integer(json_object_get(sp, "port")))
				port = (int)json_integer_value(
				    json_object_get(sp, "port"));
		}
		if (port < 1 || port > 65535)
			continue;
		json_array_foreach (json_object_get(slice, "endpoints"), j,
				    ep) {
			const json_t *c = json_object_get(ep, "conditions");
			const char *ip = json_string_value(json_array_get(
			    json_object_get(ep, "addresses"), 0));
			const char *node =
			    json_string_value(json_object_get(ep, "nodeName"));
			struct endpoint e = {.port = port};

			if (!rules_ip_is(g->fam, ip))
				continue;
			snprintf(e.ip, sizeof(e.ip), "%s", ip);
			e.ready = cond(c, "ready", true);
			e.serving = cond(c, "serving", e.ready);
			e.terminating = cond(c, "terminating", false);
			e.local = node && g->cfg->node_name &&
				  !strcmp(node, g->cfg->node_name);
			if (n == cap) {
				struct endpoint *m;

				cap = cap ? cap * 2 : 8;
				m = realloc(eps, cap * sizeof(*eps));
				if (!m) {
					free(eps);
					return -ENOMEM;
				}
				eps = m;
			}
			eps[n++] = e;
		}
	}
	if (n)
		qsort(eps, n, sizeof(*eps), cmp_endpoint);
	for (i = j = 0; i < n; i++) /* same address twice: keep the first */
		if (!j || cmp_endpoint(&eps[j - 1], &eps[i]))
			eps[j++] = eps[i];
	if (j > RULES_ENDPOINTS_MAX) {
		free(eps);
		return kf_error_set(g->err, -EINVAL,
				    "Service \"%s/%s\" port %s has %zu "
				    "endpoints; kubefs-proxy programs at most "
				    "%d per port",
				    g->ns, g->name, p->base, j,
				    RULES_ENDPOINTS_MAX);
	}
	*ret_eps = eps;
	*ret_n = j;
	return 0;
}

/*
 * kube-proxy's CategorizeEndpoints for one locality: mark in use[] the
 * ready endpoints (only local ones if local_only), or when none is ready,
 * the serving terminating ones. Returns how many were chosen.
 */
static size_t choose(const struct endpoint *eps, size_t n, bool local_only,
		     bool *use)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		use[i] = eps[i].ready && (!local_only || eps[i].local);
		k += use[i];
	}
	if (k)
		return k;
	for (size_t i = 0; i < n; i++) {
		use[i] = eps[i].serving && eps[i].terminating &&
			 (!local_only || eps[i].local);
		k += use[i];
	}
	return k;
}

/* Chain and affinity set names of endpoint e. The set's name carries
 * the timeout, so a new timeout is a new set, never an edited one. */
static void ep_names(const struct gen *g, const struct svc_port *p,
		     const struct endpoint *e, char *chain, char *aff)
{
	char rest[320];

	snprintf(rest, sizeof(rest), "%s__%s/%d", p->base, e->ip, e->port);
	rules_name("endpoint", rest, chain, RULES_NAME_MAX);
	snprintf(rest, sizeof(rest), "%s__%s/%d/%lds", p->base, e->ip, e->port,
		 g->affinity_timeout);
	rules_name("affinity", rest, aff, RULES_NAME_MAX);
}

/* The endpoint chain of e: hairpin masquerade, affinity, DNAT. */
static int endpoint_chain(struct gen *g, const struct svc_port *p,
			  const struct endpoint *e)
{
	const char *ipk = ipkw(g->fam);
	char chain[RULES_NAME_MAX], aff[RULES_NAME_MAX], set[128];
	int r;

	ep_names(g, p, e, chain, aff);
	if (json_object_get(g->frag->chains, chain))
		return 0; /* also used by the local chain */
	r = rules_add_rule(g, chain, "%s saddr %s jump mark-for-masquerade",
			   ipk, e->ip);
	if (r < 0)
		return r;
	if (g->affinity) {
		snprintf(set, sizeof(set),
			 "set type %s; flags dynamic,timeout; "
			 "timeout %lds;",
			 g->fam == RULES_IP6 ? "ipv6_addr" : "ipv4_addr",
			 g->affinity_timeout);
		r = rules_add_set(g, aff, set);
		if (r < 0)
			return r;
		r = rules_add_rule(g, chain, "update @%s { %s saddr }", aff,
				   ipk);
		if (r < 0)
			return r;
	}
	if (g->fam == RULES_IP6)
		return rules_add_rule(g, chain,
				      "meta l4proto %s dnat to [%s]:%d",
				      p->proto, e->ip, e->port);
	return rules_add_rule(g, chain, "meta l4proto %s dnat to %s:%d",
			      p->proto, e->ip, e->port);
}

/*
 * Without affinity (IPv4): the balancing chain DNATs itself, through a
 * named numgen map of its own, and masquerades connections from any of
 * its own endpoints (hairpin, a named set). No chain per endpoint and no
 * anonymous set: an endpoint that changes its address (or readiness,
 * while the count stays) changes elements only, which the proxy writes
 * as a netlink batch of element updates (proxy/nfnl.h); only a new
 * endpoint count rewrites the chain's rules.
 */
/* The map and hairpin set of balancing chain `chain` (names into map
 * and hairpin, RULES_NAME_MAX each), declared in g's fragment. */
static int balance_sets(struct gen *g, const struct svc_port *p,
			const char *chain, char *map, char *hairpin)
{
	char decl[160];
	int r;

	rules_name("endpoints", chain, map, RULES_NAME_MAX);
	rules_name("hairpin", chain, hairpin, RULES_NAME_MAX);
	snprintf(decl, sizeof(decl),
		 "map typeof numgen random mod 1 : ip daddr . %s dport; "
		 "comment \"endpoints by numgen index\";",
		 p->proto);
	r = rules_add_set(g, map, decl);
	return r
		   ?: rules_add_set(g, hairpin,
				    "set type ipv4_addr; comment \"endpoint "
				    "addresses (hairpin)\";");
}

static int balance_map(struct gen *g, const struct svc_port *p,
		       const char *chain, const struct endpoint *eps, size_t n,
		       const bool *use, size_t k)
{
	char map[RULES_NAME_MAX], hairpin[RULES_NAME_MAX], key[24], val[80];
	const char *last = NULL;
	size_t idx = 0;
	int r = balance_sets(g, p, chain, map, hairpin);

	for (size_t i = 0; i < n && r == 0; i++) {
		if (!use[i])
			continue;
		snprintf(key, sizeof(key), "%zu", idx++);
		snprintf(val, sizeof(val), "%s . %d", eps[i].ip, eps[i].port);
		r = rules_add_elem(g, map, key, val);
		/* one address may serve on several ports (sorted): once */
		if (r == 0 && (!last || strcmp(eps[i].ip, last)))
			r = rules_add_elem(g, hairpin, eps[i].ip, "");
		last = eps[i].ip;
	}
	if (r == 0)
		r = rules_add_rule(
		    g, chain, "ip saddr @%s jump mark-for-masquerade", hairpin);
	if (r == 0)
		r = rules_add_rule(g, chain,
				   "meta l4proto %s dnat ip addr . port to "
				   "numgen random mod %zu map @%s",
				   p->proto, k, map);
	return r;
}

/* A balancing chain over the chosen endpoints: affinity first, then
 * numgen random mod N vmap to one chain per endpoint. */
static int balance_chain(struct gen *g, const struct svc_port *p,
			 const char *chain, const struct endpoint *eps,
			 size_t n, const bool *use, size_t k)
{
	_cleanup_free_ char *vmap = NULL;
	size_t len = 0, idx = 0;
	FILE *m;
	char ep[RULES_NAME_MAX], aff[RULES_NAME_MAX];
	int r = 0;

	if (!g->affinity && g->fam == RULES_IP4)
		return balance_map(g, p, chain, eps, n, use, k);
	m = open_memstream(&vmap, &len);
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!use[i])
			continue;
		ep_names(g, p, &eps[i], ep, aff);
		r = endpoint_chain(g, p, &eps[i]);
		if (r == 0 && g->affinity)
			r = rules_add_rule(g, chain, "%s saddr @%s goto %s",
					   ipkw(g->fam), aff, ep);
		fprintf(m, "%s%zu : goto %s", idx ? ", " : "", idx, ep);
		idx++;
	}
	if (fclose(m) != 0 || !vmap)
		return -ENOMEM;
	if (r < 0)
		return r;
	return rules_add_rule(g, chain, "numgen random mod %zu vmap { %s }", k,
			      vmap);
}

/* "ADDR . tcp . 80" */
static void ip_key(const char *ip, const struct svc_port *p, char *out,
		   size_t size)
{
	snprintf(out, size, "%s . %s . %d", ip, p->proto, p->port);
}

/* Point the element key of set at target ("goto CHAIN"), or at the
 * no-endpoint map (reject, or drop for endpoints elsewhere). */
static int route(struct gen *g, const char *set, const char *noep_set,
		 const char *key, const char *target, bool any)
{
	char v[RULES_NAME_MAX + 8];

	if (!target)
		return rules_add_elem(g, noep_set, key,
				      any ? "drop" : "goto reject-chain");
	snprintf(v, sizeof(v), "goto %s", target);
	return rules_add_elem(g, set, key, v);
}

/*
 * One port: the cluster chain (every usable endpoint), the local chain
 * (local ones, when a policy is Local), the external chain, and the
 * elements that route the ClusterIP, the NodePort and the external IPs.
 */
int rules_program_port(struct gen *g, const json_t *slices,
		       const struct svc_port *p)
{
	_cleanup_free_ struct endpoint *eps = NULL;
	_cleanup_free_ bool *use_a = NULL, *use_l = NULL;
	char svc[RULES_NAME_MAX], ext[RULES_NAME_MAX], loc[RULES_NAME_MAX];
	char key[128];
	const char *cidr = cidr_of(g), *internal, *external = NULL;
	size_t n = 0, na, nl, i;
	const json_t *xip;
	bool has_external =
	    p->node_port > 0 || json_array_size(g->external_ips) > 0;
	int r = 0;

	r = collect(g, slices, p, &eps, &n);
	if (r < 0)
		return r;
	use_a = calloc(n + 1, sizeof(bool));
	use_l = calloc(n + 1, sizeof(bool));
	if (!use_a || !use_l)
		return -ENOMEM;
	na = choose(eps, n, false, use_a);
	nl = choose(eps, n, true, use_l);
	rules_name("service", p->base, svc, sizeof(svc));
	rules_name("external", p->base, ext, sizeof(ext));
	rules_name("local", p->base, loc, sizeof(loc));

	if (na) {
		if (g->cfg->masquerade_all)
			r = rules_add_rule(g, svc, "jump mark-for-masquerade");
		else if (cidr)
			r = rules_add_rule(
			    g, svc,
			    "%s daddr %s %s dport %d %s saddr != %s "
			    "jump mark-for-masquerade",
			    ipkw(g->fam), g->cluster_ip, p->proto, p->port,
			    ipkw(g->fam), cidr);
		if (r == 0)
			r = balance_chain(g, p, svc, eps, n, use_a, na);
	} else if (!g->affinity && g->fam == RULES_IP4) {
		/* kept, empty, while there is no endpoint: the first one
		 * to come back adds elements and rules, no new set */
		char map[RULES_NAME_MAX], hairpin[RULES_NAME_MAX];

		r = rules_add_chain(g, svc);
		if (r == 0)
			r = balance_sets(g, p, svc, map, hairpin);
	}
	if (r == 0 && nl && (g->int_local || (g->ext_local && has_external)))
		r = balance_chain(g, p, loc, eps, n, use_l, nl);
	if (r < 0)
		return r;

	if (g->int_local)
		internal = nl ? loc : NULL;
	else
		internal = na ? svc : NULL;
	ip_key(g->cluster_ip, p, key, sizeof(key));
	r = route(g, "service-ips", "no-endpoint-services", key, internal, na);
	if (r < 0 || !has_external)
		return r;

	if (na) {
		if (!g->ext_local) {
			r = rules_add_rule(g, ext, "jump mark-for-masquerade");
			if (r == 0)
				r = rules_add_rule(g, ext, "goto %s", svc);
		} else {
			if (cidr)
				r = rules_add_rule(g, ext,
						   "%s saddr %s goto %s",
						   ipkw(g->fam), cidr, svc);
			if (r == 0)
				r = rules_add_rule(g, ext,
						   "fib saddr type local jump "
						   "mark-for-masquerade");
			if (r == 0)
				r = rules_add_rule(
				    g, ext, "fib saddr type local goto %s",
				    svc);
			if (r == 0 && nl)
				r = rules_add_rule(g, ext, "goto %s", loc);
			else if (r == 0)
				r = rules_add_rule(g, ext,
						   "drop comment \"no local "
						   "endpoints\"");
		}
		if (r < 0)
			return r;
		external = ext;
	}
	if (p->node_port > 0) {
		snprintf(key, sizeof(key), "%s . %d", p->proto, p->node_port);
		r = route(g, "service-nodeports", "no-endpoint-nodeports", key,
			  external, false);
		if (r < 0)
			return r;
	}
	json_array_foreach (g->external_ips, i, xip) {
		ip_key(json_string_value(xip), p, key, sizeof(key));
		r = route(g, "service-ips", "no-endpoint-services", key,
			  external, false);
		if (r < 0)
			return r;
	}
	return 0;
}
