/*
 * defaults.h — Kubernetes defaulting (the SetDefaults_* functions of
 * pkg/apis/{core,apps,batch,discovery}/v1 plus the few create-time
 * normalizations kube-apiserver's strategies make), on jansson trees.
 *
 * Invariants:
 *  - Each function fills fields in place and never fails: a field of the
 *    wrong JSON type is left alone (validation reports it), and a missing
 *    parent object is created only where Kubernetes' Go structs would
 *    hold a zero value to default.
 *  - Defaulting is idempotent: applying a function twice gives the same
 *    object as applying it once.
 *  - "Unset" means what it means for Go: an absent or null field, or the
 *    zero value ("" or 0) of a non-pointer field.
 *
 * Out of memory leaves the object partly defaulted; validation then fails
 * on what is missing.
 */
#ifndef KUBEFS_API_DEFAULTS_H
#define KUBEFS_API_DEFAULTS_H

#include <jansson.h>

/* Every kind (kind_admit() runs it before the kind's own): ObjectMeta's
 * omitempty fields — an empty labels or annotations map, an empty
 * finalizers or ownerReferences list — are dropped, as Kubernetes never
 * serialises them (removing the last label leaves no "labels: {}"). */
void defaults_object_meta(json_t *obj);

/* core/v1 */
void defaults_namespace(json_t *obj);
void defaults_node(json_t *obj);
void defaults_pod(json_t *obj);
void defaults_service(json_t *obj);
void defaults_endpoints(json_t *obj);
void defaults_secret(json_t *obj);
void defaults_limit_range(json_t *obj);
/* apps/v1 */
void defaults_deployment(json_t *obj);
void defaults_replica_set(json_t *obj);
void defaults_daemon_set(json_t *obj);
void defaults_stateful_set(json_t *obj);
/* batch/v1 */
void defaults_job(json_t *obj);
void defaults_cron_job(json_t *obj);
/* discovery.k8s.io/v1 */
void defaults_endpoint_slice(json_t *obj);
/* rbac.authorization.k8s.io/v1: roleRef.apiGroup, subjects[].apiGroup */
void defaults_rbac_binding(json_t *obj);

/*
 * A PodSpec (SetDefaults_PodSpec, containers, volumes, probes) without
 * the Pod-only defaults (requests from limits, enableServiceLinks).
 */
void defaults_pod_spec(json_t *spec);
/* A PodTemplateSpec: its spec, created if absent. */
void defaults_pod_template(json_t *tmpl);

/*
 * The imagePullPolicy Kubernetes picks for image: "Always" when the tag
 * is "latest" or there is neither tag nor digest, else "IfNotPresent".
 * Static string.
 */
const char *defaults_pull_policy(const char *image);

/* ---- helpers shared by the defaults_*.c files ---- */

/* obj[key] as an object: created when absent or null; NULL when it holds
 * another type (left for validation) or obj is not an object. Borrowed. */
json_t *dflt_object(json_t *obj, const char *key);
/* Set obj[key] to a string when unset (absent, null or ""). */
void dflt_str(json_t *obj, const char *key, const char *value);
/* Set obj[key] to an integer when absent or null. */
void dflt_int(json_t *obj, const char *key, json_int_t value);
/* Set obj[key] to an integer when absent, null or 0 (Go non-pointer). */
void dflt_int_zero(json_t *obj, const char *key, json_int_t value);
/* Set obj[key] to a boolean when absent or null. */
void dflt_bool(json_t *obj, const char *key, int value);

#endif
