/*
 * rules.c — one Service (plus its EndpointSlices) to its nftables
 * fragment. The table skeleton and the writers are in rules_write.c.
 *
 * For every port of the Service: the endpoints of its slices are
 * collected (deduplicated by address and port, sorted so that the same
 * input always gives the same text), sorted into usable cluster and
 * local sets as kube-proxy does, and turned into chains and map
 * elements.
 */
#include "proxy/rules_i.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/hash.h"
#include "api/netaddr.h"

struct endpoint {
	char ip[INET6_ADDRSTRLEN];
	int port;
	bool ready, serving, terminating, local;
};

struct svc_port {
	const char *name; /* "" when unnamed */
	char proto[8];	  /* "tcp", "udp", "sctp" */
	char proto_up[8]; /* "TCP", ... as in the objects */
	int port, node_port;
	char base[256]; /* "NS/NAME/PROTO/PORTNAME" */
};

struct gen {
	const struct rules_config *cfg;
	enum rules_family fam;
	struct rules_frag *frag;
	struct kf_error *err;
	const char *ns, *name;
	char cluster_ip[INET6_ADDRSTRLEN];
	bool ext_local, int_local, affinity;
	long affinity_timeout;
	const json_t *external_ips; /* strings: externalIPs + LB ingress */
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

static bool ip_is(enum rules_family fam, const char *s)
{
	return fam == RULES_IP6 ? is_ipv6(s) : is_ipv4(s);
}

/* FNV-1a, 40 bits in base32: the H of every per-service name. */
static void name_hash(const char *s, char out[9])
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint64_t h = fnv1a(FNV1A_OFFSET, s, strlen(s));

	for (int i = 0; i < 8; i++) {
		out[i] = b32[h & 31];
		h >>= 5;
	}
	out[8] = '\0';
}

/* "PREFIX-H-REST" with characters nft identifiers refuse turned into
 * '.', at most 200 bytes (the hash keeps truncated names apart). */
void rules_name(const char *prefix, const char *rest, char *out, size_t size)
{
	char h[9];
	size_t n;

	name_hash(rest, h);
	snprintf(out, size, "%s-%s-%.180s", prefix, h, rest);
	n = strlen(prefix) + 10;
	for (char *p = out + n; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("/_.-", *p))
			*p = '.';
}

int rules_frag_new(struct rules_frag **ret)
{
	struct rules_frag *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->chains = json_object();
	f->sets = json_object();
	f->elems = json_object();
	if (!f->chains || !f->sets || !f->elems) {
		rules_frag_free(f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

void rules_frag_free(struct rules_frag *f)
{
	if (!f)
		return;
	json_decref(f->chains);
	json_decref(f->sets);
	json_decref(f->elems);
	free(f);
}

size_t rules_frag_rules(const struct rules_frag *f)
{
	return f ? f->nrules : 0;
}

size_t rules_frag_elements(const struct rules_frag *f)
{
	return f ? f->nelems : 0;
}

void rules_frag_foreach_element(const struct rules_frag *f,
				void (*fn)(void *ud, const char *set,
					   const char *key),
				void *ud)
{
	const char *set, *key;
	json_t *m, *v;

	if (!f)
		return;
	json_object_foreach (f->elems, set, m)
		json_object_foreach (m, key, v)
			fn(ud, set, key);
}

static int add_elem(struct gen *g, const char *set, const char *key,
		    const char *value)
{
	json_t *m = json_object_get(g->frag->elems, set);

	if (!m) {
		m = json_object();
		if (!m || json_object_set_new(g->frag->elems, set, m) < 0)
			return -ENOMEM;
	}
	if (json_object_get(m, key))
		return kf_error_set(g->err, -EINVAL,
				    "Service \"%s/%s\" claims %s twice in %s",
				    g->ns, g->name, key, set);
	if (json_object_set_new(m, key, json_string(value)) < 0)
		return -ENOMEM;
	g->frag->nelems++;
	return 0;
}

/* Append a printf-formatted rule line to chain name. */
static int add_rule(struct gen *g, const char *chain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int add_rule(struct gen *g, const char *chain, const char *fmt, ...)
{
	const char *old =
	    json_string_value(json_object_get(g->frag->chains, chain));
	_cleanup_free_ char *line = NULL, *body = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&body, "%s%s\n", old ? old : "", line) < 0) {
		line = body = NULL;
		return -ENOMEM;
	}
	if (json_object_set_new(g->frag->chains, chain, json_string(body)) < 0)
		return -ENOMEM;
	g->frag->nrules++;
	return 0;
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

			if (!ip_is(g->fam, ip))
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
	r = add_rule(g, chain, "%s saddr %s jump mark-for-masquerade", ipk,
		     e->ip);
	if (r < 0)
		return r;
	if (g->affinity) {
		snprintf(set, sizeof(set),
			 "type %s; flags dynamic,timeout; "
			 "timeout %lds;",
			 g->fam == RULES_IP6 ? "ipv6_addr" : "ipv4_addr",
			 g->affinity_timeout);
		if (json_object_set_new(g->frag->sets, aff, json_string(set)))
			return -ENOMEM;
		r = add_rule(g, chain, "update @%s { %s saddr }", aff, ipk);
		if (r < 0)
			return r;
	}
	if (g->fam == RULES_IP6)
		return add_rule(g, chain, "meta l4proto %s dnat to [%s]:%d",
				p->proto, e->ip, e->port);
	return add_rule(g, chain, "meta l4proto %s dnat to %s:%d", p->proto,
			e->ip, e->port);
}

/*
 * Without affinity (IPv4): the balancing chain DNATs itself, through an
 * anonymous numgen map, and masquerades connections from any of its own
 * endpoints (hairpin). No chain per endpoint: nft(8) reads every chain
 * into its cache before each transaction, so ten times fewer chains make
 * every incremental sync that much cheaper.
 */
static int balance_map(struct gen *g, const struct svc_port *p,
		       const char *chain, const struct endpoint *eps, size_t n,
		       const bool *use, size_t k)
{
	_cleanup_free_ char *map = NULL, *srcs = NULL;
	size_t len = 0, slen = 0, idx = 0;
	FILE *m = open_memstream(&map, &len);
	FILE *sm = open_memstream(&srcs, &slen);
	const char *last = NULL;
	int r;

	if (!m || !sm) {
		if (m)
			fclose(m);
		if (sm)
			fclose(sm);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!use[i])
			continue;
		fprintf(m, "%s%zu : %s . %d", idx ? ", " : "", idx, eps[i].ip,
			eps[i].port);
		/* one address may serve on several ports (sorted): once */
		if (!last || strcmp(eps[i].ip, last))
			fprintf(sm, "%s%s", last ? ", " : "", eps[i].ip);
		last = eps[i].ip;
		idx++;
	}
	if (fclose(m) != 0 || fclose(sm) != 0 || !map || !srcs)
		return -ENOMEM;
	r = add_rule(g, chain, "ip saddr { %s } jump mark-for-masquerade",
		     srcs);
	if (r < 0)
		return r;
	return add_rule(g, chain,
			"meta l4proto %s dnat ip addr . port to numgen random "
			"mod %zu map { %s }",
			p->proto, k, map);
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
			r = add_rule(g, chain, "%s saddr @%s goto %s",
				     ipkw(g->fam), aff, ep);
		fprintf(m, "%s%zu : goto %s", idx ? ", " : "", idx, ep);
		idx++;
	}
	if (fclose(m) != 0 || !vmap)
		return -ENOMEM;
	if (r < 0)
		return r;
	return add_rule(g, chain, "numgen random mod %zu vmap { %s }", k, vmap);
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
		return add_elem(g, noep_set, key,
				any ? "drop" : "goto reject-chain");
	snprintf(v, sizeof(v), "goto %s", target);
	return add_elem(g, set, key, v);
}

/*
 * One port: the cluster chain (every usable endpoint), the local chain
 * (local ones, when a policy is Local), the external chain, and the
 * elements that route the ClusterIP, the NodePort and the external IPs.
 */
static int program_port(struct gen *g, const json_t *slices,
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
			r = add_rule(g, svc, "jump mark-for-masquerade");
		else if (cidr)
			r = add_rule(g, svc,
				     "%s daddr %s %s dport %d %s saddr != %s "
				     "jump mark-for-masquerade",
				     ipkw(g->fam), g->cluster_ip, p->proto,
				     p->port, ipkw(g->fam), cidr);
		if (r == 0)
			r = balance_chain(g, p, svc, eps, n, use_a, na);
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
			r = add_rule(g, ext, "jump mark-for-masquerade");
			if (r == 0)
				r = add_rule(g, ext, "goto %s", svc);
		} else {
			if (cidr)
				r = add_rule(g, ext, "%s saddr %s goto %s",
					     ipkw(g->fam), cidr, svc);
			if (r == 0)
				r = add_rule(g, ext,
					     "fib saddr type local jump "
					     "mark-for-masquerade");
			if (r == 0)
				r = add_rule(g, ext,
					     "fib saddr type local goto %s",
					     svc);
			if (r == 0 && nl)
				r = add_rule(g, ext, "goto %s", loc);
			else if (r == 0)
				r = add_rule(g, ext,
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

static bool is_one_of(const char *s, const char *a, const char *b,
		      const char *c)
{
	return s && ((a && !strcmp(s, a)) || (b && !strcmp(s, b)) ||
		     (c && !strcmp(s, c)));
}

/* externalIPs, spec.loadBalancerIP and status.loadBalancer.ingress[].ip
 * of the family, each once, none equal to the ClusterIP. */
static int external_ips(struct gen *g, const json_t *svc, const char *type,
			json_t *out)
{
	const json_t *spec = json_object_get(svc, "spec");
	const json_t *v;
	const char *lb =
	    json_string_value(json_object_get(spec, "loadBalancerIP"));
	size_t i;

	json_array_foreach (json_object_get(spec, "externalIPs"), i, v) {
		const char *ip = json_string_value(v);

		if (!ip_is(RULES_IP4, ip) && !ip_is(RULES_IP6, ip))
			return kf_error_set(g->err, -EINVAL,
					    "Service \"%s/%s\": "
					    "spec.externalIPs[%zu]: Invalid "
					    "value: \"%s\": must be a valid IP "
					    "address",
					    g->ns, g->name, i, ip ? ip : "");
		if (!strcmp(ip, g->cluster_ip))
			return kf_error_set(g->err, -EINVAL,
					    "Service \"%s/%s\": "
					    "spec.externalIPs[%zu]: Invalid "
					    "value: \"%s\": may not be the "
					    "Service's own ClusterIP",
					    g->ns, g->name, i, ip);
		if (ip_is(g->fam, ip))
			json_array_append_new(out, json_string(ip));
	}
	if (strcmp(type, "LoadBalancer"))
		return 0;
	if (ip_is(g->fam, lb))
		json_array_append_new(out, json_string(lb));
	json_array_foreach (
	    json_object_get(
		json_object_get(json_object_get(svc, "status"), "loadBalancer"),
		"ingress"),
	    i, v) {
		const char *ip = json_string_value(json_object_get(v, "ip"));

		if (ip_is(g->fam, ip) && (!lb || strcmp(ip, lb)))
			json_array_append_new(out, json_string(ip));
	}
	return 0;
}

/* spec.clusterIPs (or clusterIP) entry of the family into g->cluster_ip;
 * false when the Service has none (headless, ExternalName, other family). */
static bool cluster_ip(struct gen *g, const json_t *spec)
{
	const json_t *ips = json_object_get(spec, "clusterIPs"), *v;
	const char *one = json_string_value(json_object_get(spec, "clusterIP"));
	size_t i;

	json_array_foreach (ips, i, v) {
		if (ip_is(g->fam, json_string_value(v))) {
			snprintf(g->cluster_ip, sizeof(g->cluster_ip), "%s",
				 json_string_value(v));
			return true;
		}
	}
	if (!json_array_size(ips) && ip_is(g->fam, one)) {
		snprintf(g->cluster_ip, sizeof(g->cluster_ip), "%s", one);
		return true;
	}
	return false;
}

static int service_opts(struct gen *g, const json_t *spec)
{
	const char *aff =
	    json_string_value(json_object_get(spec, "sessionAffinity"));
	const char *etp =
	    json_string_value(json_object_get(spec, "externalTrafficPolicy"));
	const char *itp =
	    json_string_value(json_object_get(spec, "internalTrafficPolicy"));
	const json_t *t = json_object_get(
	    json_object_get(json_object_get(spec, "sessionAffinityConfig"),
			    "clientIP"),
	    "timeoutSeconds");

	if (aff && !is_one_of(aff, "None", "ClientIP", NULL))
		return kf_error_set(g->err, -EINVAL,
				    "Service \"%s/%s\": spec.sessionAffinity: "
				    "Unsupported value: \"%s\": supported "
				    "values: \"ClientIP\", \"None\"",
				    g->ns, g->name, aff);
	if ((etp && !is_one_of(etp, "Cluster", "Local", NULL)) ||
	    (itp && !is_one_of(itp, "Cluster", "Local", NULL)))
		return kf_error_set(
		    g->err, -EINVAL,
		    "Service \"%s/%s\": traffic policy "
		    "\"%s\" is not supported: supported "
		    "values: \"Cluster\", \"Local\"",
		    g->ns, g->name,
		    etp && !is_one_of(etp, "Cluster", "Local", NULL) ? etp
								     : itp);
	g->affinity = aff && !strcmp(aff, "ClientIP");
	g->ext_local = etp && !strcmp(etp, "Local");
	g->int_local = itp && !strcmp(itp, "Local");
	g->affinity_timeout = RULES_AFFINITY_TIMEOUT_DEFAULT;
	if (g->affinity && t) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > 86400)
			return kf_error_set(
			    g->err, -EINVAL,
			    "Service \"%s/%s\": "
			    "spec.sessionAffinityConfig.clientIP."
			    "timeoutSeconds: Invalid value: must be greater "
			    "than 0 and less than 86400",
			    g->ns, g->name);
		g->affinity_timeout = (long)json_integer_value(t);
	}
	return 0;
}

/* Port i of the Service into *p. */
static int service_port(struct gen *g, const json_t *port, size_t i,
			bool node_ports, struct svc_port *p)
{
	const char *proto =
	    json_string_value(json_object_get(port, "protocol"));
	const json_t *num = json_object_get(port, "port");
	const json_t *np = json_object_get(port, "nodePort");

	memset(p, 0, sizeof(*p));
	p->name = json_string_value(json_object_get(port, "name")) ?: "";
	proto = proto ? proto : "TCP";
	if (!is_one_of(proto, "TCP", "UDP", "SCTP"))
		return kf_error_set(g->err, -EINVAL,
				    "Service \"%s/%s\": spec.ports[%zu]."
				    "protocol: Unsupported value: \"%s\": "
				    "supported values: \"SCTP\", \"TCP\", "
				    "\"UDP\"",
				    g->ns, g->name, i, proto);
	if (!json_is_integer(num) || json_integer_value(num) < 1 ||
	    json_integer_value(num) > 65535)
		return kf_error_set(g->err, -EINVAL,
				    "Service \"%s/%s\": spec.ports[%zu].port: "
				    "Invalid value: must be between 1 and "
				    "65535, inclusive",
				    g->ns, g->name, i);
	snprintf(p->proto_up, sizeof(p->proto_up), "%s", proto);
	for (size_t k = 0; proto[k]; k++)
		p->proto[k] = (char)(proto[k] - 'A' + 'a');
	p->port = (int)json_integer_value(num);
	if (node_ports && json_is_integer(np) && json_integer_value(np) > 0 &&
	    json_integer_value(np) <= 65535)
		p->node_port = (int)json_integer_value(np);
	snprintf(p->base, sizeof(p->base), "%s/%s/%s/%s", g->ns, g->name,
		 p->proto, p->name);
	return 0;
}

int rules_service(const struct rules_config *cfg, enum rules_family fam,
		  const json_t *svc, const json_t *slices, struct kf_error *err,
		  struct rules_frag **ret)
{
	const json_t *spec = json_object_get(svc, "spec");
	const json_t *meta = json_object_get(svc, "metadata");
	const json_t *ports = json_object_get(spec, "ports"), *port;
	const char *type = json_string_value(json_object_get(spec, "type"));
	_cleanup_json_ json_t *xips = json_array();
	_cleanup_json_ json_t *none = json_array();
	struct gen g = {.cfg = cfg, .fam = fam, .err = err};
	struct rules_frag *f = NULL;
	bool node_ports;
	size_t i;
	int r;

	g.ns =
	    json_string_value(json_object_get(meta, "namespace")) ?: "default";
	g.name = json_string_value(json_object_get(meta, "name")) ?: "";
	type = type ? type : "ClusterIP";
	if (!xips || !none)
		return -ENOMEM;
	if (!is_one_of(type, "ClusterIP", "NodePort", "LoadBalancer") &&
	    strcmp(type, "ExternalName"))
		return kf_error_set(err, -EINVAL,
				    "Service \"%s/%s\": spec.type: Unsupported "
				    "value: \"%s\": supported values: "
				    "\"ClusterIP\", \"ExternalName\", "
				    "\"LoadBalancer\", \"NodePort\"",
				    g.ns, g.name, type);
	if (json_array_size(ports) > RULES_PORTS_MAX)
		return kf_error_set(err, -EINVAL,
				    "Service \"%s/%s\" has %zu ports; "
				    "kubefs-proxy programs at most %d ports "
				    "per Service",
				    g.ns, g.name, json_array_size(ports),
				    RULES_PORTS_MAX);
	r = rules_frag_new(&f);
	if (r < 0)
		return r;
	g.frag = f;
	if (!strcmp(type, "ExternalName") || !cluster_ip(&g, spec)) {
		*ret = f;
		return 0;
	}
	r = service_opts(&g, spec);
	if (r == 0)
		r = external_ips(&g, svc, type, xips);
	g.external_ips = xips;
	node_ports = strcmp(type, "ClusterIP") != 0;
	if (r == 0 && json_array_size(ports))
		r = add_elem(&g, "cluster-ips", g.cluster_ip, "");
	json_array_foreach (ports, i, port) {
		struct svc_port p;

		if (r < 0)
			break;
		r = service_port(&g, port, i, node_ports, &p);
		if (r == 0)
			r = program_port(&g, slices ? slices : none, &p);
	}
	if (r < 0) {
		rules_frag_free(f);
		return r;
	}
	*ret = f;
	return 0;
}
