/*
 * test_access.c — the tree's operations as Kubernetes request
 * attributes (fs/access.h): one row per kind of node and verb.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/access.h"

struct row {
	enum node_type type;
	const char *res; /* path group/resource, or NULL */
	const char *ns, *obj;
	int sub; /* enum subres, -1 for none */
	enum kfs_verb verb;
	int ret;
	/* want: verb, group, resource, subresource, name, namespace, or
	 * path for a non-resource request */
	const char *want[6];
};

static const struct row rows[] = {
    {NODE_OBJECT,
     "core/pods",
     "default",
     "web",
     -1,
     KV_GET,
     0,
     {"get", "", "pods", "", "web", "default"}},
    {NODE_OBJECT,
     "apps/deployments",
     "prod",
     "d",
     -1,
     KV_PATCH,
     0,
     {"patch", "apps", "deployments", "", "d", "prod"}},
    {NODE_OBJECT,
     "core/pods",
     "default",
     "web",
     -1,
     KV_CREATE,
     0,
     {"create", "", "pods", "", "", "default"}},
    {NODE_SUB,
     "core/pods",
     "default",
     "web",
     SUB_LOG,
     KV_GET,
     0,
     {"get", "", "pods", "log", "web", "default"}},
    {NODE_SUB,
     "core/pods",
     "default",
     "web",
     SUB_BINDING,
     KV_UPDATE,
     0,
     {"create", "", "pods", "binding", "web", "default"}},
    {NODE_SUB,
     "apps/deployments",
     "x",
     "d",
     SUB_SCALE,
     KV_UPDATE,
     0,
     {"update", "apps", "deployments", "scale", "d", "x"}},
    {NODE_SUB,
     "core/pods",
     "default",
     "web",
     SUB_DELETE,
     KV_UPDATE,
     0,
     {"delete", "", "pods", "", "web", "default"}},
    {NODE_SUB,
     "core/secrets",
     "default",
     "s",
     SUB_JSON,
     KV_GET,
     0,
     {"get", "", "secrets", "", "s", "default"}},
    {NODE_NSDIR,
     "core/secrets",
     "default",
     NULL,
     -1,
     KV_GET,
     0,
     {"list", "", "secrets", "", "", "default"}},
    {NODE_RESOURCE,
     "core/pods",
     NULL,
     NULL,
     -1,
     KV_LIST,
     0,
     {"list", "", "pods", "", "", ""}},
    {NODE_WATCH,
     "core/configmaps",
     "kube-system",
     NULL,
     -1,
     KV_GET,
     0,
     {"watch", "", "configmaps", "", "", "kube-system"}},
    {NODE_OBJECT,
     "core/namespaces",
     NULL,
     "team",
     -1,
     KV_GET,
     0,
     {"get", "", "namespaces", "", "team", "team"}},
    {NODE_ROOTFILE, NULL, NULL, NULL, RF_VERSION, KV_GET, 0, {"/version"}},
    {NODE_ROOTFILE, NULL, NULL, NULL, RF_SNAPSHOT, KV_GET, 2, {NULL}},
    {NODE_ROOTFILE, NULL, NULL, NULL, RF_ERRORS, KV_GET, 1, {NULL}},
    {NODE_ROOT, NULL, NULL, NULL, -1, KV_LIST, 0, {"/apis"}},
    {NODE_GHOST, "core/pods", "default", NULL, -1, KV_UPDATE, 1, {NULL}},
};

static void test_attrs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		const struct row *w = &rows[i];
		struct node *n = kfs_node_new(w->type, 1, "x");
		struct rbac_attrs a;
		char buf[KFS_ACCESS_BUF];
		int r;

		assert_non_null(n);
		if (w->res) {
			char g[64];
			const char *slash = strchr(w->res, '/');

			snprintf(g, sizeof(g), "%.*s", (int)(slash - w->res),
				 w->res);
			n->kind = kinds_by_path(g, "v1", slash + 1);
			assert_non_null(n->kind);
		}
		n->ns = w->ns ? strdup(w->ns) : NULL;
		n->objname = w->obj ? strdup(w->obj) : NULL;
		if (w->type == NODE_ROOTFILE)
			n->rootfile = (enum rootfile)w->sub;
		else if (w->sub >= 0)
			n->sub = (enum subres)w->sub;
		r = kfs_access_attrs(n, w->verb, NULL, &a, buf);
		if (r != w->ret)
			fail_msg("row %zu: returned %d", i, r);
		if (r == 0 && !a.resource_request) {
			assert_string_equal(a.verb, "get");
			assert_string_equal(a.path, w->want[0]);
		} else if (r == 0) {
			const char *got[6] = {a.verb,	  a.api_group,
					      a.resource, a.subresource,
					      a.name,	  a.namespace};

			for (size_t j = 0; j < 6; j++)
				if (strcmp(got[j], w->want[j]))
					fail_msg("row %zu field %zu: %s", i, j,
						 got[j]);
		}
		kfs_node_free(n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
