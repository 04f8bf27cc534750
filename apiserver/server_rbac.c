/*
 * server_rbac.c — the bootstrap RBAC objects (api/rbac_bootstrap.h)
 * created at first start and reconciled at every start, as
 * kube-apiserver's RBAC post-start hook does.
 */
#include "apiserver/server.h"

#include "api/cleanup.h"
#include "api/rbac_bootstrap.h"

static int ensure(struct server *srv, const json_t *want, struct kf_error *err)
{
	const struct kind_info *k =
	    kinds_by_gvk(json_string_value(json_object_get(want, "apiVersion")),
			 json_string_value(json_object_get(want, "kind")));
	const json_t *meta = json_object_get(want, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	_cleanup_json_ json_t *have = NULL, *updated = NULL;
	int r;

	if (!k || !name)
		return -EINVAL;
	r = server_get(srv, k, ns, name, NULL, &have);
	if (r == -ENOENT)
		return server_put(srv, k, ns, name, want, SERVER_CREATE, err,
				  NULL);
	if (r < 0)
		return r;
	r = rbac_bootstrap_reconcile(want, have, &updated);
	if (r == 1)
		return server_put(srv, k, ns, name, updated, SERVER_UPDATE, err,
				  NULL);
	if (r == 2) {
		r = server_delete(srv, k, ns, name, 0, 0, err);
		if (r < 0 && r != -ENOENT)
			return r;
		return server_put(srv, k, ns, name, want, SERVER_CREATE, err,
				  NULL);
	}
	return r;
}

int server_rbac_bootstrap(struct server *srv, struct kf_error *err)
{
	_cleanup_json_ json_t *all = NULL;
	const json_t *o;
	size_t i;
	int r = rbac_bootstrap_objects(&all);

	if (r < 0)
		return r;
	json_array_foreach (all, i, o) {
		r = ensure(srv, o, err);
		if (r < 0)
			return r;
	}
	return 0;
}
