/*
 * admission_podsecurity.c — Pod Security Admission, enforce mode: a pod
 * created in a namespace labelled pod-security.kubernetes.io/enforce=
 * baseline|restricted is refused when it violates that level
 * (api/podsecurity.h), with Kubernetes' sentence
 *   pods "p" is forbidden: violates PodSecurity "restricted:latest": ...
 * The version is the enforce-version label's, else "latest" (every
 * version is judged by the latest rules).
 */
#include "apiserver/admission.h"

#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/podsecurity.h"
#include "apiserver/server_i.h"

#define PSA_LABEL "pod-security.kubernetes.io/"
#define PSA_MSG_MAX 1536

static int validate(struct server *srv, const struct admission_attrs *a,
		    struct kf_error *err)
{
	_cleanup_json_ json_t *nsobj = NULL;
	_cleanup_free_ char *why = NULL;
	const char *level_s, *version;
	enum psa_level level;
	json_t *labels;

	if (a->op != ADMISSION_CREATE || a->kind != srv->k_pod || a->status ||
	    !a->ns || !srv->k_ns)
		return 0;
	if (server_get(srv, srv->k_ns, NULL, a->ns, NULL, &nsobj) < 0)
		return 0; /* NamespaceLifecycle's business */
	labels = json_object_get(srv_meta(nsobj), "labels");
	level_s = json_string_value(json_object_get(labels, PSA_LABEL "enforce"));
	if (psa_level_parse(level_s, &level) < 0 || level == PSA_PRIVILEGED)
		return 0;
	version = json_string_value(
	    json_object_get(labels, PSA_LABEL "enforce-version"));
	why = malloc(PSA_MSG_MAX);
	if (!why)
		return -ENOMEM;
	if (!psa_check(json_object_get(a->obj, "spec"), level, why,
		       PSA_MSG_MAX))
		return 0;
	return kf_error_set(err, -EACCES,
			    "pods \"%s\" is forbidden: violates PodSecurity "
			    "\"%s:%s\": %s",
			    a->name ? a->name : "", level_s,
			    version && *version ? version : "latest", why);
}

const struct admission_plugin admission_pod_security = {
    .name = "PodSecurity",
    .validate = validate,
};
