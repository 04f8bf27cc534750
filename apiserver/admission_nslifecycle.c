/*
 * admission_nslifecycle.c — NamespaceLifecycle: objects are created only
 * in a namespace that exists and is not terminating, and the immortal
 * namespaces stay. Namespaces themselves, and updates and deletes of
 * objects already in a terminating namespace, pass (the namespace
 * controller's sweep and finalizer removal are updates and deletes).
 */
#include "apiserver/admission.h"

#include <string.h>

#include "api/cleanup.h"
#include "apiserver/server_i.h"

static bool immortal(const char *ns)
{
	return !strcmp(ns, "default") || !strcmp(ns, "kube-system") ||
	       !strcmp(ns, "kube-public");
}

static int check_create(struct server *srv, const struct admission_attrs *a,
			struct kf_error *err)
{
	const struct kind_info *k = a->kind;
	_cleanup_json_ json_t *nsobj = NULL;
	char key[STORE_KEY_MAX + 1];
	const char *phase;
	int r;

	r = server_key(srv->k_ns, NULL, a->ns, key, sizeof(key));
	if (r == 0)
		r = srv_read(srv, key, &nsobj, NULL);
	if (r == -ENOENT || r == -EINVAL || r == -ENAMETOOLONG)
		return kf_error_set(err, -ENOENT, "namespaces \"%s\" not found",
				    a->ns);
	if (r < 0)
		return srv_store_error(r, err);
	phase = json_string_value(
	    json_object_get(json_object_get(nsobj, "status"), "phase"));
	if (srv_meta_str(nsobj, "deletionTimestamp") ||
	    (phase && !strcmp(phase, "Terminating")))
		return kf_error_set(err, -EACCES,
				    SRV_RES_FMT " \"%s\" is forbidden: unable "
						"to create new content in "
						"namespace %s because it is "
						"being terminated",
				    SRV_RES_ARGS(k), a->name ? a->name : "",
				    a->ns);
	return 0;
}

static int mutate(struct server *srv, struct admission_attrs *a,
		  struct kf_error *err)
{
	const struct kind_info *k = a->kind;

	if (!srv->k_ns)
		return 0;
	if (a->op == ADMISSION_DELETE && k == srv->k_ns && a->name &&
	    immortal(a->name))
		return kf_error_set(err, -EACCES,
				    "namespaces \"%s\" is forbidden: this "
				    "namespace may not be deleted",
				    a->name);
	if (a->op == ADMISSION_CREATE && k->namespaced && k != srv->k_ns)
		return check_create(srv, a, err);
	return 0;
}

const struct admission_plugin admission_namespace_lifecycle = {
    .name = "NamespaceLifecycle",
    .mutate = mutate,
};
