/*
 * admission_serviceaccount.c — ServiceAccount: a pod created without a
 * service account runs as its namespace's "default" one
 * (spec.serviceAccountName, and the deprecated spec.serviceAccount
 * alias kept equal, as Kubernetes' defaulting does). The account's
 * existence is not checked (kube-apiserver refuses a pod whose account
 * is missing; here the service account controller may not have run yet
 * when the first pods arrive), and no token volume is mounted: kubefs
 * has no tokens.
 *
 * A replace that leaves the service account out keeps the stored one
 * (kube-apiserver would refuse it as a change of an immutable pod field;
 * here rewriting a manifest file must keep working).
 */
#include "apiserver/admission.h"

#include "apiserver/server_i.h"

static int mutate(struct server *srv, struct admission_attrs *a,
		  struct kf_error *err)
{
	json_t *spec;
	const char *sa, *old;

	if (a->op == ADMISSION_DELETE || a->kind != srv->k_pod || a->status ||
	    !a->obj)
		return 0;
	spec = json_object_get(a->obj, "spec");
	if (!json_is_object(spec))
		return 0; /* validation says what is wrong */
	sa = json_string_value(json_object_get(spec, "serviceAccountName"));
	old = json_string_value(json_object_get(spec, "serviceAccount"));
	if (sa && *sa)
		; /* asked for */
	else if (old && *old)
		sa = old;
	else if (a->op == ADMISSION_UPDATE)
		sa = json_string_value(json_object_get(
		    json_object_get(a->old, "spec"), "serviceAccountName"));
	else
		sa = "default";
	if (!sa || !*sa)
		return 0;
	if (json_object_set_new(spec, "serviceAccountName", json_string(sa)) <
	    0)
		return -ENOMEM;
	if (old && *old &&
	    json_object_set_new(spec, "serviceAccount", json_string(sa)) < 0)
		return -ENOMEM;
	return 0;
}

const struct admission_plugin admission_service_account = {
    .name = "ServiceAccount",
    .mutate = mutate,
};
