/*
 * validate_service.c — Service, Endpoints (core/v1) and EndpointSlice
 * (discovery.k8s.io/v1) (pkg/apis/core/validation ValidateService,
 * ValidateEndpoints; pkg/apis/discovery/validation).
 */
#include "api/validate.h"

#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"

#define IP_MSG "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const service_types[] = {"ClusterIP", "ExternalName",
					    "LoadBalancer", "NodePort", NULL};
static const char *const affinities[] = {"ClientIP", "None", NULL};
static const char *const families[] = {"IPv4", "IPv6", NULL};
static const char *const family_policies[] = {
    "PreferDualStack", "RequireDualStack", "SingleStack", NULL};
static const char *const traffic_policies[] = {"Cluster", "Local", NULL};
static const char *const address_types[] = {"FQDN", "IPv4", "IPv6", NULL};

static bool one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* Protocol of a port: required (defaulted), one of TCP, UDP, SCTP. */
static void check_protocol(struct validation *v, const char *proto)
{
	if (!proto || !*proto)
		verr_required(v, "protocol", NULL);
	else if (!one_of(proto, protocols))
		verr_unsupported_str(v, "protocol", proto, protocols);
}

/* ValidateNonSpecialIP */
static void non_special_ip(struct validation *v, const char *child,
			   const char *ip)
{
	unsigned a, b;

	if (!strcmp(ip, "0.0.0.0") || !strcmp(ip, "::")) {
		verr_invalid_str(v, child, ip,
				 "may not be unspecified (0.0.0.0)");
	} else if (!strcmp(ip, "::1") ||
		   (sscanf(ip, "%u.%u.", &a, &b) == 2 && a == 127)) {
		verr_invalid_str(v, child, ip,
				 "may not be in the loopback range "
				 "(127.0.0.0/8, ::1/128)");
	} else if (sscanf(ip, "%u.%u.", &a, &b) == 2 && a == 169 && b == 254) {
		verr_invalid_str(v, child, ip,
				 "may not be in the link-local range "
				 "(169.254.0.0/16, fe80::/10)");
	} else if (!strncmp(ip, "224.0.0.", 8)) {
		verr_invalid_str(v, child, ip,
				 "may not be in the link-local multicast range "
				 "(224.0.0.0/24, ff02::/10)");
	}
}

/* ---- Service ---- */

static const char *spec_str(const json_t *spec, const char *key)
{
	return json_string_value(json_object_get(spec, key));
}

static bool headless(const json_t *spec)
{
	const char *ip = spec_str(spec, "clusterIP");

	return ip && !strcmp(ip, "None");
}

static void service_port(struct validation *v, const json_t *p, bool need_name,
			 json_t *names)
{
	const char *name = vget_str(v, p, "name", "ServicePort");
	const char *proto = vget_str(v, p, "protocol", "ServicePort");
	const char *app = vget_str(v, p, "appProtocol", "ServicePort");
	const json_t *target = vget(v, p, "targetPort", VT_INTSTR, NULL, NULL);
	long long port = 0, node_port = 0;

	vget_int(v, p, "port", VT_INT32, "ServicePort", &port);
	vget_int(v, p, "nodePort", VT_INT32, "ServicePort", &node_port);
	if (need_name && (!name || !*name)) {
		verr_required(v, "name", NULL);
	} else if (name && *name) {
		vcheck_dns1123_label(v, "name", name);
		if (json_object_get(names, name))
			verr_duplicate_str(v, "name", name);
		else
			json_object_set_new(names, name, json_true());
	}
	vcheck_port_num(v, "port", port);
	check_protocol(v, proto);
	if (target)
		vcheck_port_num_or_name(v, "targetPort", target);
	else
		vcheck_port_num(v, "targetPort", 0);
	if (app)
		vcheck_qualified_name(v, "appProtocol", app);
	if (node_port != 0)
		vcheck_port_num(v, "nodePort", node_port);
}

static void service_ports(struct validation *v, const json_t *spec,
			  const char *type)
{
	const json_t *ports =
	    vget(v, spec, "ports", VT_ARRAY, "ServiceSpec", "[]v1.ServicePort");
	json_t *names = json_object(), *seen = json_object(),
	       *node_seen = json_object();
	size_t i, mark;
	json_t *p;

	if (!ports || !names || !seen || !node_seen ||
	    !vcheck_elems(v, ports, VT_OBJECT, "ServiceSpec", "v1.ServicePort"))
		goto out;
	mark = vpath_child(v, "ports");
	json_array_foreach ((json_t *)ports, i, p) {
		size_t m = vpath_index(v, i);

		service_port(v, p, json_array_size(ports) > 1, names);
		vpath_pop(v, m);
	}
	/* nodePort on ClusterIP, duplicate nodePorts and ports */
	json_array_foreach ((json_t *)ports, i, p) {
		json_t *np = json_object_get(p, "nodePort");
		const char *proto =
		    json_string_value(json_object_get(p, "protocol"));
		char key[96];
		size_t m = vpath_index(v, i);

		if (!proto)
			proto = "";
		if (json_integer_value(np) != 0) {
			if (type && !strcmp(type, "ClusterIP"))
				verr_forbidden(v, "nodePort",
					       "may not be used when `type` is "
					       "'ClusterIP'");
			snprintf(key, sizeof(key), "%.40s/%lld", proto,
				 (long long)json_integer_value(np));
			if (json_object_get(node_seen, key))
				verr_duplicate(v, "nodePort", np);
			json_object_set_new(node_seen, key, json_true());
		}
		snprintf(
		    key, sizeof(key), "%.40s/%lld", proto,
		    (long long)json_integer_value(json_object_get(p, "port")));
		if (json_object_get(seen, key)) {
			json_t *dup = json_pack(
			    "{s:s,s:I}", "protocol", proto, "port",
			    json_integer_value(json_object_get(p, "port")));

			if (dup)
				verr_duplicate(v, NULL, dup);
			json_decref(dup);
		}
		json_object_set_new(seen, key, json_true());
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
out:
	json_decref(names);
	json_decref(seen);
	json_decref(node_seen);
}

static void service_cluster_ips(struct validation *v, const json_t *spec)
{
	const char *cip = vget_str(v, spec, "clusterIP", "ServiceSpec");
	const json_t *ips =
	    vget(v, spec, "clusterIPs", VT_ARRAY, "ServiceSpec", "[]string");
	const json_t *fams = vget(v, spec, "ipFamilies", VT_ARRAY,
				  "ServiceSpec", "[]v1.IPFamily");
	const char *policy = vget_str(v, spec, "ipFamilyPolicy", "ServiceSpec");
	bool bad = false;
	size_t i;
	json_t *x;

	if (ips && !vcheck_elems(v, ips, VT_STRING, "ServiceSpec", "string"))
		return;
	if (fams &&
	    !vcheck_elems(v, fams, VT_STRING, "ServiceSpec", "v1.IPFamily"))
		return;
	if (cip && *cip) {
		if (json_array_size(ips) == 0)
			verr_required(v, "clusterIPs", NULL);
		else if (strcmp(json_string_value(json_array_get(ips, 0)), cip))
			verr_invalid(v, "clusterIPs", ips,
				     "first value must match `clusterIP`");
	} else if (json_array_size(ips) != 0) {
		verr_invalid(v, "clusterIPs", ips,
			     "must be empty when `clusterIP` is not specified");
	}
	json_array_foreach ((json_t *)fams, i, x) {
		size_t m = vpath_child(v, "ipFamilies");
		size_t j;
		json_t *y;

		vpath_index(v, i);
		if (!one_of(json_string_value(x), families))
			verr_unsupported(v, NULL, x, families);
		json_array_foreach ((json_t *)fams, j, y) {
			if (j >= i)
				break;
			if (json_equal(x, y)) {
				verr_duplicate(v, NULL, x);
				break;
			}
		}
		vpath_pop(v, m);
	}
	if (policy && !one_of(policy, family_policies))
		verr_unsupported_str(v, "ipFamilyPolicy", policy,
				     family_policies);
	json_array_foreach ((json_t *)ips, i, x) {
		const char *ip = json_string_value(x);
		size_t m;

		if (i == 0 && !strcmp(ip, "None")) {
			if (json_array_size(ips) > 1) {
				bad = true;
				verr_invalid(
				    v, "clusterIPs", ips,
				    "'None' must be the first and only "
				    "value");
			}
			continue;
		}
		if (is_ip(ip))
			continue;
		bad = true;
		m = vpath_child(v, "clusterIPs");
		vpath_index(v, i);
		verr_invalid_str(v, NULL, ip, IP_MSG);
		vpath_pop(v, m);
	}
	if (json_array_size(ips) > 2)
		verr_invalid(v, "clusterIPs", ips,
			     "may only hold up to 2 values");
	if (bad || headless(spec))
		return;
	json_array_foreach ((json_t *)ips, i, x) {
		const char *fam = json_string_value(json_array_get(fams, i));
		bool v6 = strchr(json_string_value(x), ':') != NULL;
		char detail[96];
		size_t m;

		if (!fam)
			break;
		if (!strcmp(fam, "IPv4") ? !v6 : v6)
			continue;
		snprintf(
		    detail, sizeof(detail),
		    "expected an %s value as indicated by `ipFamilies[%zu]`",
		    fam, i);
		m = vpath_child(v, "clusterIPs");
		vpath_index(v, i);
		verr_invalid(v, NULL, x, detail);
		vpath_pop(v, m);
	}
}

static void service_update(struct validation *v, const json_t *spec,
			   const json_t *old)
{
	const json_t *ospec = json_object_get(old, "spec");
	json_t *ips = json_object_get(spec, "clusterIPs");
	json_t *oips = json_object_get(ospec, "clusterIPs");
	const char *t = spec_str(spec, "type"), *ot = spec_str(ospec, "type");
	size_t n = json_array_size(ips), on = json_array_size(oips), i;
	size_t mark;
	json_t *empty = NULL;

	if ((t && !strcmp(t, "ExternalName")) ||
	    (ot && !strcmp(ot, "ExternalName")) ||
	    (headless(spec) && headless(ospec)))
		return;
	if (!ips)
		ips = empty = json_array();
	mark = vpath_child(v, "spec.clusterIPs");
	if (n == on) {
		for (i = 0; i < on; i++) {
			if (json_equal(json_array_get(ips, i),
				       json_array_get(oips, i)))
				continue;
			vpath_index(v, i);
			verr_invalid(v, NULL, ips, "may not change once set");
			vpath_pop(v, mark);
		}
	} else if (on > n) {
		vpath_index(v, 0);
		if (n == 0)
			verr_invalid(v, NULL, ips,
				     "primary clusterIP can not be unset");
		else if (!json_equal(json_array_get(ips, 0),
				     json_array_get(oips, 0)))
			verr_invalid(v, NULL, ips, "may not change once set");
		vpath_pop(v, mark);
	} else if (on > 0 && !json_equal(json_array_get(ips, 0),
					 json_array_get(oips, 0))) {
		vpath_index(v, 0);
		verr_invalid(v, NULL, ips, "may not change once set");
		vpath_pop(v, mark);
	}
	vpath_pop(v, mark);
	json_decref(empty);
}

/* validateClientIPAffinityConfig: ClientIP affinity needs
 * sessionAffinityConfig.clientIP.timeoutSeconds in (0, 86400]. */
static void client_ip_affinity(struct validation *v, const json_t *spec)
{
	static const char when[] = "when session affinity type is ClientIP";
	const json_t *cfg = vget(v, spec, "sessionAffinityConfig", VT_OBJECT,
				 "ServiceSpec", "v1.SessionAffinityConfig");
	const json_t *cip;
	size_t mark;
	long long t;

	if (!cfg) {
		verr_required(v, "sessionAffinityConfig", when);
		return;
	}
	mark = vpath_child(v, "sessionAffinityConfig");
	cip = vget(v, cfg, "clientIP", VT_OBJECT, "SessionAffinityConfig",
		   "v1.ClientIPConfig");
	if (!cip) {
		verr_required(v, "clientIP", when);
	} else {
		vpath_child(v, "clientIP");
		if (!vget_int(v, cip, "timeoutSeconds", VT_INT32,
			      "ClientIPConfig", &t))
			verr_required(v, "timeoutSeconds", when);
		else if (t <= 0 || t > 86400)
			verr_invalid_int(v, "timeoutSeconds", t,
					 "must be greater than 0 and less "
					 "than 86400");
	}
	vpath_pop(v, mark);
}

void validate_service(struct validation *v, const json_t *obj,
		      const json_t *old)
{
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "Service", "v1.ServiceSpec");
	_cleanup_json_ json_t *empty = spec ? NULL : json_object();
	const json_t *sel, *eips;
	const char *type, *aff, *etp, *itp, *ext;
	size_t mark, i;
	json_t *x;

	if (!spec)
		spec = empty;
	if (old)
		service_update(v, spec, old);
	mark = vpath_child(v, "spec");
	type = vget_str(v, spec, "type", "ServiceSpec");
	ext = vget_str(v, spec, "externalName", "ServiceSpec");
	if (json_array_size(json_object_get(spec, "ports")) == 0 &&
	    !headless(spec) && !(type && !strcmp(type, "ExternalName")))
		verr_required(v, "ports", NULL);
	if (type &&
	    (!strcmp(type, "LoadBalancer") || !strcmp(type, "NodePort")) &&
	    headless(spec)) {
		char detail[64];

		snprintf(detail, sizeof(detail),
			 "may not be set to 'None' for %s services", type);
		verr_invalid_str(v, "clusterIPs[0]", "None", detail);
	} else if (type && !strcmp(type, "ExternalName")) {
		char cname[300];
		size_t n;

		if (json_array_size(json_object_get(spec, "clusterIPs")) > 0)
			verr_forbidden(v, "clusterIPs",
				       "may not be set for ExternalName "
				       "services");
		if (json_array_size(json_object_get(spec, "ipFamilies")) > 0)
			verr_forbidden(v, "ipFamilies",
				       "may not be set for ExternalName "
				       "services");
		if (json_object_get(spec, "ipFamilyPolicy"))
			verr_forbidden(v, "ipFamilyPolicy",
				       "may not be set for ExternalName "
				       "services");
		snprintf(cname, sizeof(cname), "%s", ext ? ext : "");
		n = strlen(cname);
		if (n && cname[n - 1] == '.')
			cname[--n] = '\0';
		if (n)
			vcheck_dns1123_subdomain(v, "externalName", cname);
		else
			verr_required(v, "externalName", NULL);
	}
	service_ports(v, spec, type);
	sel = vget(v, spec, "selector", VT_STRMAP, "ServiceSpec", NULL);
	validate_labels(v, sel, "selector");
	aff = vget_str(v, spec, "sessionAffinity", "ServiceSpec");
	if (!aff || !*aff)
		verr_required(v, "sessionAffinity", NULL);
	else if (!one_of(aff, affinities))
		verr_unsupported_str(v, "sessionAffinity", aff, affinities);
	else if (!strcmp(aff, "None") &&
		 json_object_get(spec, "sessionAffinityConfig"))
		verr_forbidden(v, "sessionAffinityConfig",
			       "must not be set when session affinity is None");
	else if (!strcmp(aff, "ClientIP"))
		client_ip_affinity(v, spec);
	if (!(type && !strcmp(type, "ExternalName")))
		service_cluster_ips(v, spec);
	eips =
	    vget(v, spec, "externalIPs", VT_ARRAY, "ServiceSpec", "[]string");
	if (eips && vcheck_elems(v, eips, VT_STRING, "ServiceSpec", "string"))
		json_array_foreach ((json_t *)eips, i, x) {
			size_t m = vpath_child(v, "externalIPs");
			const char *ip = json_string_value(x);

			vpath_index(v, i);
			if (!is_ip(ip))
				verr_invalid_str(v, NULL, ip, IP_MSG);
			else
				non_special_ip(v, NULL, ip);
			vpath_pop(v, m);
		}
	if (!type || !*type)
		verr_required(v, "type", NULL);
	else if (!one_of(type, service_types))
		verr_unsupported_str(v, "type", type, service_types);
	etp = vget_str(v, spec, "externalTrafficPolicy", "ServiceSpec");
	if (etp && *etp && !one_of(etp, traffic_policies))
		verr_unsupported_str(v, "externalTrafficPolicy", etp,
				     traffic_policies);
	itp = vget_str(v, spec, "internalTrafficPolicy", "ServiceSpec");
	if (itp && !one_of(itp, traffic_policies))
		verr_unsupported_str(v, "internalTrafficPolicy", itp,
				     traffic_policies);
	vpath_pop(v, mark);
}

/* ---- Endpoints ---- */

static void endpoint_address(struct validation *v, const json_t *a)
{
	const char *ip = vget_str(v, a, "ip", "EndpointAddress");
	const char *host = vget_str(v, a, "hostname", "EndpointAddress");
	const char *node = vget_str(v, a, "nodeName", "EndpointAddress");

	vget(v, a, "targetRef", VT_OBJECT, "EndpointAddress",
	     "v1.ObjectReference");
	if (!ip || !is_ip(ip))
		verr_invalid_str(v, "ip", ip ? ip : "", IP_MSG);
	else
		non_special_ip(v, "ip", ip);
	if (host && *host)
		vcheck_dns1123_label(v, "hostname", host);
	if (node)
		vcheck_dns1123_subdomain(v, "nodeName", node);
}

static void address_list(struct validation *v, const json_t *ss,
			 const char *key)
{
	const json_t *addrs = vget(v, ss, key, VT_ARRAY, "EndpointSubset",
				   "[]v1.EndpointAddress");
	size_t i, mark;
	json_t *a;

	if (!addrs || !vcheck_elems(v, addrs, VT_OBJECT, "EndpointSubset",
				    "v1.EndpointAddress"))
		return;
	mark = vpath_child(v, key);
	json_array_foreach ((json_t *)addrs, i, a) {
		size_t m = vpath_index(v, i);

		endpoint_address(v, a);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

void validate_endpoints(struct validation *v, const json_t *obj,
			const json_t *old)
{
	const json_t *subsets = vget(v, obj, "subsets", VT_ARRAY, "Endpoints",
				     "[]v1.EndpointSubset");
	size_t i, mark;
	json_t *ss;

	if (!subsets || !vcheck_elems(v, subsets, VT_OBJECT, "Endpoints",
				      "v1.EndpointSubset"))
		return;
	mark = vpath_child(v, "subsets");
	json_array_foreach ((json_t *)subsets, i, ss) {
		size_t m = vpath_index(v, i);
		const json_t *ports;

		if (json_array_size(json_object_get(ss, "addresses")) == 0 &&
		    json_array_size(json_object_get(ss, "notReadyAddresses")) ==
			0)
			verr_required(v, NULL,
				      "must specify `addresses` or "
				      "`notReadyAddresses`");
		address_list(v, ss, "addresses");
		address_list(v, ss, "notReadyAddresses");
		ports = vget(v, ss, "ports", VT_ARRAY, "EndpointSubset",
			     "[]v1.EndpointPort");
		if (ports && vcheck_elems(v, ports, VT_OBJECT, "EndpointSubset",
					  "v1.EndpointPort")) {
			size_t j, m2 = vpath_child(v, "ports");
			json_t *p;

			json_array_foreach ((json_t *)ports, j, p) {
				size_t m3 = vpath_index(v, j);
				const char *name =
				    vget_str(v, p, "name", "EndpointPort");
				long long port = 0;

				vget_int(v, p, "port", VT_INT32, "EndpointPort",
					 &port);
				if (json_array_size(ports) > 1 &&
				    (!name || !*name))
					verr_required(v, "name", NULL);
				else if (name && *name)
					vcheck_dns1123_label(v, "name", name);
				vcheck_port_num(v, "port", port);
				check_protocol(v, vget_str(v, p, "protocol",
							   "EndpointPort"));
				vpath_pop(v, m3);
			}
			vpath_pop(v, m2);
		}
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

/* ---- EndpointSlice ---- */

static void slice_endpoint(struct validation *v, const json_t *e,
			   const char *type)
{
	const json_t *addrs =
	    vget(v, e, "addresses", VT_ARRAY, "Endpoint", "[]string");
	const json_t *topo =
	    vget(v, e, "deprecatedTopology", VT_STRMAP, "Endpoint", NULL);
	const char *node = vget_str(v, e, "nodeName", "Endpoint");
	const char *host = vget_str(v, e, "hostname", "Endpoint");
	size_t i, mark;
	json_t *a;

	vget(v, e, "conditions", VT_OBJECT, "Endpoint",
	     "v1.EndpointConditions");
	vget(v, e, "targetRef", VT_OBJECT, "Endpoint", "v1.ObjectReference");
	if (addrs && !vcheck_elems(v, addrs, VT_STRING, "Endpoint", "string"))
		return;
	if (json_array_size(addrs) == 0)
		verr_required(v, "addresses",
			      "must contain at least 1 address");
	else if (json_array_size(addrs) > 100)
		verr_too_many(v, "addresses", json_array_size(addrs), 100);
	mark = vpath_child(v, "addresses");
	json_array_foreach ((json_t *)addrs, i, a) {
		const char *s = json_string_value(a);
		size_t m = vpath_index(v, i);

		if (i >= 100)
			break;
		if (type && !strcmp(type, "IPv4") && !is_ipv4(s))
			verr_invalid_str(v, NULL, s,
					 "must be a valid IPv4 address");
		else if (type && !strcmp(type, "IPv6") &&
			 (is_ipv4(s) || !is_ip(s)))
			verr_invalid_str(v, NULL, s,
					 "must be a valid IPv6 address");
		else if (type && !strcmp(type, "FQDN") &&
			 !is_dns1123_subdomain(s))
			vcheck_dns1123_subdomain(v, NULL, s);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
	if (node)
		vcheck_dns1123_subdomain(v, "nodeName", node);
	if (json_object_size(topo) > 16)
		verr_too_many(v, "deprecatedTopology", json_object_size(topo),
			      16);
	validate_labels(v, topo, "deprecatedTopology");
	if (host)
		vcheck_dns1123_label(v, "hostname", host);
}

void validate_endpoint_slice(struct validation *v, const json_t *obj,
			     const json_t *old)
{
	const char *type = vget_str(v, obj, "addressType", "EndpointSlice");
	const json_t *eps = vget(v, obj, "endpoints", VT_ARRAY, "EndpointSlice",
				 "[]v1.Endpoint");
	const json_t *ports = vget(v, obj, "ports", VT_ARRAY, "EndpointSlice",
				   "[]v1.EndpointPort");
	size_t i, mark;
	json_t *x;

	if (eps &&
	    vcheck_elems(v, eps, VT_OBJECT, "EndpointSlice", "v1.Endpoint")) {
		if (json_array_size(eps) > 1000) {
			verr_too_many(v, "endpoints", json_array_size(eps),
				      1000);
		} else {
			mark = vpath_child(v, "endpoints");
			json_array_foreach ((json_t *)eps, i, x) {
				size_t m = vpath_index(v, i);

				slice_endpoint(v, x, type);
				vpath_pop(v, m);
			}
			vpath_pop(v, mark);
		}
	}
	if (ports && vcheck_elems(v, ports, VT_OBJECT, "EndpointSlice",
				  "v1.EndpointPort")) {
		json_t *names = json_object();

		if (json_array_size(ports) > 20000) {
			verr_too_many(v, "ports", json_array_size(ports),
				      20000);
		} else if (names) {
			mark = vpath_child(v, "ports");
			json_array_foreach ((json_t *)ports, i, x) {
				size_t m = vpath_index(v, i);
				const char *name =
				    vget_str(v, x, "name", "EndpointPort");
				const char *proto =
				    vget_str(v, x, "protocol", "EndpointPort");
				const char *app = vget_str(v, x, "appProtocol",
							   "EndpointPort");

				vget(v, x, "port", VT_INT32, "EndpointPort",
				     NULL);
				if (!name)
					name = "";
				if (*name)
					vcheck_dns1123_label(v, "name", name);
				if (json_object_get(names, name))
					verr_duplicate_str(v, "name", name);
				else
					json_object_set_new(names, name,
							    json_true());
				check_protocol(v, proto);
				if (app)
					vcheck_qualified_name(v, "appProtocol",
							      app);
				vpath_pop(v, m);
			}
			vpath_pop(v, mark);
		}
		json_decref(names);
	}
	if (!type || !*type)
		verr_required(v, "addressType", NULL);
	else if (!old && !one_of(type, address_types))
		verr_unsupported_str(v, "addressType", type, address_types);
	if (old) {
		json_t *a = json_object_get(obj, "addressType");
		json_t *b = json_object_get(old, "addressType");

		if (a && b && !json_equal(a, b))
			verr_immutable(v, "addressType", a);
	}
}
