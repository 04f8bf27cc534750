/*
 * service_i.h — private to the Service registry (apiserver/server_service*.c):
 * the Service's shape as allocation sees it, and its error sentences.
 */
#ifndef KUBEFS_APISERVER_SERVICE_I_H
#define KUBEFS_APISERVER_SERVICE_I_H

#include "apiserver/server_i.h"

#define SVC_MAX_ERRORS 8

/* ---- shape (server_service_shape.c) ---- */
/* spec.type, "ClusterIP" when unset. */
const char *svc_type(const json_t *svc);
bool svc_needs_cluster_ip(const json_t *svc);
/* NodePort and LoadBalancer Services have node ports ... */
bool svc_needs_node_ports(const json_t *svc);
/* ... which a LoadBalancer may decline (allocateLoadBalancerNodePorts) */
bool svc_allocates_node_ports(const json_t *svc);
/* a LoadBalancer with externalTrafficPolicy Local */
bool svc_needs_hc_port(const json_t *svc);
/* a port's nodePort, spec.healthCheckNodePort: 0 when unset */
long svc_node_port_of(const json_t *port);
long svc_hc_port_of(const json_t *svc);
/* a JSON string's value, "" for anything else */
const char *svc_str(const json_t *v);
/* Kubernetes' dropTypeDependentFields: what the old type needed and the
 * new one does not, unless the user changed it too */
void svc_drop_type_fields(json_t *svc, const json_t *old);

/* ---- messages (server_service_shape.c) ---- */
/* Field errors gathered for one "Service "x" is invalid: ..." sentence. */
struct field_errors {
	char buf[KF_ERROR_MSG_MAX];
	size_t len;
	unsigned n;
};

void svc_fe_add(struct field_errors *fe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* -EINVAL with the sentence of every error gathered. */
int svc_fe_report(const struct field_errors *fe, const char *name,
		  struct kf_error *err);
/* Go's %#v of a []string, as Kubernetes prints field values. */
void svc_go_strings(const json_t *arr, char *buf, size_t size);
int svc_ip_range_error(struct server *srv, const char *name, const json_t *ips,
		       const char *ip, struct kf_error *err);
int svc_ip_taken_error(const char *name, const json_t *ips, const char *ip,
		       struct kf_error *err);

#endif
