/*
 * rules_service.c — one Service (plus its EndpointSlices) to its nftables
 * fragment: the Service is first held to the API's own rules
 * (api/validate_service.c, on a defaulted copy), then its type, ClusterIP
 * of the family, external IPs, affinity and traffic policies and ports are
 * read here, what only the proxy refuses is checked here, and each port is
 * programmed by rules.c.
 */
#include "proxy/rules_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/kinds.h"
#include "api/validate.h"

/*
 * The API server's checks of a Service, defaulted as the API server
 * would have: a Service that reached the store some other way (or before
 * a rule existed) is refused with the API's own sentence.
 */
static int api_check(const json_t *svc, struct kf_error *err)
{
	_cleanup_json_ json_t *copy = json_deep_copy(svc);

	if (!copy)
		return -ENOMEM;
	return kind_admit(kinds_by_name("services"), copy, NULL, err);
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

		if (ip && !strcmp(ip, g->cluster_ip))
			return kf_error_set(g->err, -EINVAL,
					    "Service \"%s/%s\": "
					    "spec.externalIPs[%zu]: Invalid "
					    "value: \"%s\": may not be the "
					    "Service's own ClusterIP",
					    g->ns, g->name, i, ip);
		if (rules_ip_is(g->fam, ip))
			json_array_append_new(out, json_string(ip));
	}
	if (strcmp(type, "LoadBalancer"))
		return 0;
	if (rules_ip_is(g->fam, lb))
		json_array_append_new(out, json_string(lb));
	json_array_foreach (
	    json_object_get(
		json_object_get(json_object_get(svc, "status"), "loadBalancer"),
		"ingress"),
	    i, v) {
		const char *ip = json_string_value(json_object_get(v, "ip"));

		if (rules_ip_is(g->fam, ip) && (!lb || strcmp(ip, lb)))
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
		if (rules_ip_is(g->fam, json_string_value(v))) {
			snprintf(g->cluster_ip, sizeof(g->cluster_ip), "%s",
				 json_string_value(v));
			return true;
		}
	}
	if (!json_array_size(ips) && rules_ip_is(g->fam, one)) {
		snprintf(g->cluster_ip, sizeof(g->cluster_ip), "%s", one);
		return true;
	}
	return false;
}

/* Affinity and traffic policies; api_check() vouched for the values. */
static void service_opts(struct gen *g, const json_t *spec)
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

	g->affinity = aff && !strcmp(aff, "ClientIP");
	g->ext_local = etp && !strcmp(etp, "Local");
	g->int_local = itp && !strcmp(itp, "Local");
	g->affinity_timeout = RULES_AFFINITY_TIMEOUT_DEFAULT;
	if (g->affinity && json_is_integer(t))
		g->affinity_timeout = (long)json_integer_value(t);
}

/* Port i of the Service into *p. */
static void service_port(struct gen *g, const json_t *port, bool node_ports,
			 struct svc_port *p)
{
	const char *proto =
	    json_string_value(json_object_get(port, "protocol"));
	const json_t *num = json_object_get(port, "port");
	const json_t *np = json_object_get(port, "nodePort");

	memset(p, 0, sizeof(*p));
	p->name = json_string_value(json_object_get(port, "name")) ?: "";
	proto = proto ? proto : "TCP";
	snprintf(p->proto_up, sizeof(p->proto_up), "%s", proto);
	for (size_t k = 0; proto[k]; k++)
		p->proto[k] = (char)(proto[k] - 'A' + 'a');
	p->port = (int)json_integer_value(num);
	if (node_ports && json_is_integer(np) && json_integer_value(np) > 0 &&
	    json_integer_value(np) <= 65535)
		p->node_port = (int)json_integer_value(np);
	snprintf(p->base, sizeof(p->base), "%s/%s/%s/%s", g->ns, g->name,
		 p->proto, p->name);
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
	if (json_array_size(ports) > RULES_PORTS_MAX)
		return kf_error_set(err, -EINVAL,
				    "Service \"%s/%s\" has %zu ports; "
				    "kubefs-proxy programs at most %d ports "
				    "per Service",
				    g.ns, g.name, json_array_size(ports),
				    RULES_PORTS_MAX);
	r = api_check(svc, err);
	if (r < 0)
		return r;
	r = rules_frag_new(&f);
	if (r < 0)
		return r;
	g.frag = f;
	if (!strcmp(type, "ExternalName") || !cluster_ip(&g, spec)) {
		*ret = f;
		return 0;
	}
	service_opts(&g, spec);
	r = external_ips(&g, svc, type, xips);
	g.external_ips = xips;
	node_ports = strcmp(type, "ClusterIP") != 0;
	if (r == 0 && json_array_size(ports))
		r = rules_add_elem(&g, "cluster-ips", g.cluster_ip, "");
	json_array_foreach (ports, i, port) {
		struct svc_port p;

		if (r < 0)
			break;
		service_port(&g, port, node_ports, &p);
		r = rules_program_port(&g, slices ? slices : none, &p);
	}
	if (r < 0) {
		rules_frag_free(f);
		return r;
	}
	*ret = f;
	return 0;
}
