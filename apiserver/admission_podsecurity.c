/*
 * admission_podsecurity.c — Pod Security Admission, enforce mode: a pod
 * created in a namespace labelled pod-security.kubernetes.io/enforce=
 * baseline|restricted is refused when it violates that level
 * (api/podsecurity.h), with Kubernetes' sentence
 *   pods "p" is forbidden: violates PodSecurity "restricted:latest": ...
 * The version is the enforce-version label's, else "latest" (every
 * version is judged by the latest rules). The warn label's level gives
 * the writer a warning instead (ADMISSION_WARNING in admission.h):
 *   Warning: would violate PodSecurity "restricted:latest": ...
 */
#include "apiserver/admission.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/podsecurity.h"
#include "apiserver/server_i.h"

#define PSA_LABEL "pod-security.kubernetes.io/"
#define PSA_MSG_MAX 1536

/* The level and version a mode's labels ask for; false for none or
 * privileged. */
static bool mode(const json_t *labels, const char *m, enum psa_level *ret,
		 const char **ret_level, const char **ret_version)
{
	char key[64];
	const char *v;

	snprintf(key, sizeof(key), PSA_LABEL "%s", m);
	*ret_level = json_string_value(json_object_get(labels, key));
	if (psa_level_parse(*ret_level, ret) < 0 || *ret == PSA_PRIVILEGED)
		return false;
	snprintf(key, sizeof(key), PSA_LABEL "%s-version", m);
	v = json_string_value(json_object_get(labels, key));
	*ret_version = v && *v ? v : "latest";
	return true;
}

static int validate(struct server *srv, const struct admission_attrs *a,
		    struct kf_error *err)
{
	_cleanup_json_ json_t *nsobj = NULL;
	_cleanup_free_ char *why = NULL;
	char key[STORE_KEY_MAX + 1];
	const char *level_s, *version;
	enum psa_level level;
	json_t *labels, *spec;

	if (a->op != ADMISSION_CREATE || a->kind != srv->k_pod || a->status ||
	    !a->ns || !srv->k_ns)
		return 0;
	/* srv_read: a manifest's Namespace is seen by its pods */
	if (server_key(srv->k_ns, NULL, a->ns, key, sizeof(key)) < 0 ||
	    srv_read(srv, key, &nsobj, NULL) < 0)
		return 0; /* NamespaceLifecycle's business */
	labels = json_object_get(srv_meta(nsobj), "labels");
	spec = json_object_get(a->obj, "spec");
	why = malloc(PSA_MSG_MAX);
	if (!why)
		return -ENOMEM;
	if (mode(labels, "enforce", &level, &level_s, &version) &&
	    psa_check(spec, level, why, PSA_MSG_MAX))
		return kf_error_set(err, -EACCES,
				    "pods \"%s\" is forbidden: violates "
				    "PodSecurity \"%s:%s\": %s",
				    a->name ? a->name : "", level_s, version,
				    why);
	if (mode(labels, "warn", &level, &level_s, &version) &&
	    psa_check(spec, level, why, PSA_MSG_MAX))
		kf_error_set(err, 0,
			     ADMISSION_WARNING "would violate PodSecurity "
					       "\"%s:%s\": %s",
			     level_s, version, why);
	return 0;
}

const struct admission_plugin admission_pod_security = {
    .name = "PodSecurity",
    .validate = validate,
};
