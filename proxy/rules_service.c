/*
 * rules_service.c — one Service (plus its EndpointSlices) to its nftables
 * fragment: the Service's type, ClusterIP of the family, external IPs,
 * affinity and traffic policies and ports are read and checked here, and
 * each port is programmed by rules.c.
 */
#include "proxy/rules_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

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

		if (!rules_ip_is(RULES_IP4, ip) && !rules_ip_is(RULES_IP6, ip))
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
		r = rules_add_elem(&g, "cluster-ips", g.cluster_ip, "");
	json_array_foreach (ports, i, port) {
		struct svc_port p;

		if (r < 0)
			break;
		r = service_port(&g, port, i, node_ports, &p);
		if (r == 0)
			r = rules_program_port(&g, slices ? slices : none, &p);
	}
	if (r < 0) {
		rules_frag_free(f);
		return r;
	}
	*ret = f;
	return 0;
}
