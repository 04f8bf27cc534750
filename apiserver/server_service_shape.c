/*
 * server_service_shape.c — a Service as its allocation sees it (which
 * values its type needs, what a type change drops), and the sentences
 * kube-apiserver's Service registry refuses with.
 */
#include "apiserver/service_i.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- Service shape ---- */

const char *svc_type(const json_t *svc)
{
	const char *t = json_string_value(
	    json_object_get(json_object_get(svc, "spec"), "type"));

	return t && *t ? t : "ClusterIP";
}

bool svc_needs_cluster_ip(const json_t *svc)
{
	return strcmp(svc_type(svc), "ExternalName") != 0;
}

bool svc_needs_node_ports(const json_t *svc)
{
	const char *t = svc_type(svc);

	return !strcmp(t, "NodePort") || !strcmp(t, "LoadBalancer");
}

/* Ports without a nodePort get one (LoadBalancers may opt out). */
bool svc_allocates_node_ports(const json_t *svc)
{
	json_t *spec = json_object_get(svc, "spec");

	if (!strcmp(svc_type(svc), "NodePort"))
		return true;
	return !strcmp(svc_type(svc), "LoadBalancer") &&
	       !json_is_false(
		   json_object_get(spec, "allocateLoadBalancerNodePorts"));
}

bool svc_needs_hc_port(const json_t *svc)
{
	const char *p = json_string_value(json_object_get(
	    json_object_get(svc, "spec"), "externalTrafficPolicy"));

	return !strcmp(svc_type(svc), "LoadBalancer") && p &&
	       !strcmp(p, "Local");
}

long svc_node_port_of(const json_t *port)
{
	json_t *v = json_object_get(port, "nodePort");

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

long svc_hc_port_of(const json_t *svc)
{
	json_t *v = json_object_get(json_object_get(svc, "spec"),
				    "healthCheckNodePort");

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

const char *svc_str(const json_t *v)
{
	const char *s = json_string_value(v);

	return s ? s : "";
}

static bool svc_is_lb(const json_t *svc)
{
	return !strcmp(svc_type(svc), "LoadBalancer");
}

/* Drop field of spec if the user left it as old had it. */
static void drop_same(json_t *spec, const json_t *ospec, const char *field)
{
	json_t *v = json_object_get(spec, field);

	if (v && json_equal(v, json_object_get(ospec, field)))
		json_object_del(spec, field);
}

/*
 * Kubernetes' dropTypeDependentFields: when the type changes, fields only
 * the old type uses go, unless the user changed them in this very write
 * (then validation tells them). Node ports and cluster IPs are handled
 * with their allocation.
 */
void svc_drop_type_fields(json_t *svc, const json_t *old)
{
	json_t *spec = json_object_get(svc, "spec");
	json_t *ospec = json_object_get(old, "spec");
	json_t *st = json_object_get(svc, "status");

	if (svc_needs_node_ports(old) && !svc_needs_node_ports(svc))
		drop_same(spec, ospec, "externalTrafficPolicy");
	if (svc_is_lb(old) && !svc_is_lb(svc)) {
		drop_same(spec, ospec, "allocateLoadBalancerNodePorts");
		drop_same(spec, ospec, "loadBalancerClass");
		if (json_is_object(st))
			json_object_set_new(st, "loadBalancer", json_object());
	}
	if (svc_needs_cluster_ip(old) && !svc_needs_cluster_ip(svc)) {
		drop_same(spec, ospec, "ipFamilies");
		drop_same(spec, ospec, "ipFamilyPolicy");
	}
}

/* ---- messages ---- */

void svc_fe_add(struct field_errors *fe, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (fe->n >= SVC_MAX_ERRORS || fe->len >= sizeof(fe->buf) - 1) {
		fe->n++;
		return;
	}
	if (fe->n > 0) {
		w = snprintf(fe->buf + fe->len, sizeof(fe->buf) - fe->len,
			     ", ");
		fe->len += (size_t)w < sizeof(fe->buf) - fe->len
			       ? (size_t)w
			       : sizeof(fe->buf) - fe->len - 1;
	}
	va_start(ap, fmt);
	w = vsnprintf(fe->buf + fe->len, sizeof(fe->buf) - fe->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		fe->len += (size_t)w < sizeof(fe->buf) - fe->len
			       ? (size_t)w
			       : sizeof(fe->buf) - fe->len - 1;
	fe->n++;
}

int svc_fe_report(const struct field_errors *fe, const char *name,
		  struct kf_error *err)
{
	if (fe->n == 1)
		return kf_error_set(err, -EINVAL,
				    "Service \"%s\" is invalid: %s", name,
				    fe->buf);
	return kf_error_set(err, -EINVAL, "Service \"%s\" is invalid: [%s]",
			    name, fe->buf);
}

/* Go's %#v of a []string, as Kubernetes prints field values. */
void svc_go_strings(const json_t *arr, char *buf, size_t size)
{
	size_t len, i;
	json_t *v;

	len = (size_t)snprintf(buf, size, "[]string{");
	json_array_foreach ((json_t *)arr, i, v) {
		if (len >= size)
			break;
		len += (size_t)snprintf(buf + len, size - len, "%s\"%s\"",
					i ? ", " : "", svc_str(v));
	}
	if (len < size)
		snprintf(buf + len, size - len, "}");
}

/* "Service "x" is invalid: spec.clusterIPs: Invalid value: ...: failed
 * to allocate IP ...: REASON" */
static int ip_error(const char *name, const json_t *ips, const char *ip,
		    const char *reason, struct kf_error *err)
{
	char v[256];

	svc_go_strings(ips, v, sizeof(v));
	return kf_error_set(err, -EINVAL,
			    "Service \"%s\" is invalid: spec.clusterIPs: "
			    "Invalid value: %s: failed to allocate IP %s: %s",
			    name, v, ip, reason);
}

int svc_ip_range_error(struct server *srv, const char *name, const json_t *ips,
		       const char *ip, struct kf_error *err)
{
	char reason[192];

	snprintf(reason, sizeof(reason),
		 "provided IP is not in the valid range. The range of valid "
		 "IPs is %s",
		 srv->svc_cidr);
	return ip_error(name, ips, ip, reason, err);
}

int svc_ip_taken_error(const char *name, const json_t *ips, const char *ip,
		       struct kf_error *err)
{
	return ip_error(name, ips, ip, "provided IP is already allocated", err);
}
