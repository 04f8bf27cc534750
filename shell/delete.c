/*
 * delete.c — kubefs delete: by TYPE NAME, TYPE/NAME, -f FILE, -l SELECTOR
 * or --all; prints `pod "x" deleted` and, as kubectl does by default,
 * waits until the objects are really gone (graceful termination,
 * finalizers) unless --wait=false.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

struct target {
	const struct kind_info *kind;
	char *ns;   /* owned, NULL for cluster-scoped */
	char *name; /* owned */
	char *uid;  /* owned, of the object deleted */
};

struct delete_opts {
	struct flag_list files;
	const char *ns, *labels, *output, *cascade;
	bool all, all_ns, wait, ignore_not_found, recursive, force;
	long long timeout_ms, grace;
	json_t *options; /* DeleteOptions for NAME@delete, or NULL: rm */
};

static const struct command_help help = {
    .name = "delete",
    .desc = "Delete resources by file names, stdin, resources and names, "
	    "or by resources and label selector.\n\n JSON and YAML formats "
	    "are accepted. Only one type of argument may be specified: file "
	    "names, resources and names, or resources and label selector.\n\n"
	    " Pods bound to a node terminate gracefully, and objects with "
	    "finalizers stay until their finalizers are removed: by "
	    "default the command waits until the objects are gone "
	    "(--wait=false returns at once).",
    .examples = "  # Delete a pod using the type and name specified in "
		"pod.json\n"
		"  kubefs delete -f ./pod.json\n\n"
		"  # Delete pods and services with same names \"baz\" and "
		"\"foo\"\n"
		"  kubefs delete pod,service baz foo\n\n"
		"  # Delete pods and services with label name=myLabel\n"
		"  kubefs delete pods,services -l name=myLabel\n\n"
		"  # Delete all pods, without waiting for them to go\n"
		"  kubefs delete pods --all --wait=false\n\n"
		"  # Delete a deployment but keep its replica sets and pods\n"
		"  kubefs delete deployment web --cascade=orphan\n\n"
		"  # Force delete a pod on a dead node\n"
		"  kubefs delete pod foo --grace-period=0 --force",
    .usage = "delete ([-f FILENAME]) | TYPE [(NAME | -l label | --all)] "
	     "[flags] [options]",
};

static void target_release(struct target *t)
{
	free(t->ns);
	free(t->name);
	free(t->uid);
}

static int add_target(struct target **v, size_t *n, const struct kind_info *k,
		      const char *ns, const char *name)
{
	struct target *nv, *t;

	if (*n >= REFS_MAX * 16)
		return -E2BIG;
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	t = &nv[(*n)++];
	t->kind = k;
	t->ns = k->namespaced && ns ? strdup(ns) : NULL;
	t->name = strdup(name);
	t->uid = NULL;
	return t->name ? 0 : -ENOMEM;
}

/* Turn refs into targets: names as given, or the listed objects. */
static int collect_refs(struct cli *cli, const struct delete_opts *o,
			const struct refs *refs, struct target **v, size_t *n)
{
	const char *ns = o->all_ns ? NULL : ref_namespace(o->ns);
	struct kf_error err;

	for (size_t i = 0; i < refs->n; i++) {
		const struct ref *rf = &refs->v[i];
		_cleanup_json_ json_t *items = NULL;
		size_t j;
		json_t *obj;
		int r;

		if (rf->name) {
			r = add_target(v, n, rf->kind, ns, rf->name);
			if (r < 0)
				return r;
			continue;
		}
		kf_error_init(&err);
		r = client_list(cli->client, rf->kind, ns, o->labels, NULL,
				&err, &items, NULL);
		if (r < 0) {
			cli_error(r, &err, NULL);
			return -EINVAL;
		}
		json_array_foreach (items, j, obj) {
			r = add_target(v, n, rf->kind,
				       jstr(obj, "metadata.namespace"),
				       jstr(obj, "metadata.name") ?: "");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int collect_files(const struct delete_opts *o, struct target **v,
			 size_t *n)
{
	struct manifests m = {0};
	int rc = manifests_read(&o->files, o->recursive, &m);

	for (size_t i = 0; rc != -ENOMEM && i < m.n; i++) {
		const char *ns, *name = jstr(m.v[i].obj, "metadata.name");
		int r;

		if (manifest_namespace(&m.v[i], ref_namespace(o->ns),
				       o->ns != NULL, &ns) < 0) {
			rc = -EINVAL;
			continue;
		}
		if (!name || !*name) {
			cli_fail("resource name may not be empty");
			rc = -EINVAL;
			continue;
		}
		r = add_target(v, n, m.v[i].kind, ns, name);
		if (r < 0)
			rc = r;
	}
	manifests_release(&m);
	return rc;
}

/* Is t gone (absent, or recreated under a new uid)? */
static bool gone(struct cli *cli, const struct target *t)
{
	_cleanup_json_ json_t *obj = NULL;
	const char *uid;

	if (client_get(cli->client, t->kind, t->ns, t->name, NULL, &obj) ==
	    -ENOENT)
		return true;
	uid = jstr(obj, "metadata.uid");
	return obj && t->uid && uid && strcmp(uid, t->uid);
}

static int wait_gone(struct cli *cli, const struct delete_opts *o,
		     struct target *v, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct change_waiter cw;

		if (!v[i].uid || gone(cli, &v[i]))
			continue;
		change_waiter_init(&cw, cli->client, v[i].kind, v[i].ns,
				   o->timeout_ms);
		while (!gone(cli, &v[i])) {
			if (change_waiter_wait(&cw, 1000) == -ETIMEDOUT) {
				fprintf(stderr,
					"error: timed out waiting for the "
					"condition on %s/%s\n",
					ref_resource(v[i].kind), v[i].name);
				rc = 1;
				break;
			}
		}
		change_waiter_release(&cw);
	}
	return rc;
}

static int delete_all(struct cli *cli, const struct delete_opts *o,
		      struct target *v, size_t n)
{
	bool name_only = o->output && !strcmp(o->output, "name");
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *obj = NULL;
		struct kf_error err;
		int r;

		kf_error_init(&err);
		r = client_get(cli->client, v[i].kind, v[i].ns, v[i].name, &err,
			       &obj);
		if (r == 0) {
			const char *uid = jstr(obj, "metadata.uid");

			v[i].uid = uid ? strdup(uid) : NULL;
			kf_error_init(&err);
			r = o->options
				? client_delete_with(cli->client, v[i].kind,
						     v[i].ns, v[i].name,
						     o->options, &err)
				: client_delete(cli->client, v[i].kind, v[i].ns,
						v[i].name, &err);
		}
		if (r == -ENOENT && o->ignore_not_found) {
			free(v[i].uid);
			v[i].uid = NULL;
			continue;
		}
		if (r < 0) {
			free(v[i].uid);
			v[i].uid = NULL;
			rc |= cli_error(r, &err, NULL);
			continue;
		}
		if (name_only)
			printf("%s/%s\n", ref_type(v[i].kind), v[i].name);
		else
			printf("%s \"%s\" deleted\n", ref_type(v[i].kind),
			       v[i].name);
		fflush(stdout);
	}
	if (o->wait)
		rc |= wait_gone(cli, o, v, n);
	return rc;
}

/*
 * kubectl's --cascade, --grace-period and --force as DeleteOptions:
 * NULL (a plain rm) when all are at their defaults.
 */
static int delete_options(struct delete_opts *o)
{
	const char *policy = NULL;
	long long grace = o->grace;

	if (o->cascade) {
		if (!strcmp(o->cascade, "background") ||
		    !strcmp(o->cascade, "true"))
			policy = "Background";
		else if (!strcmp(o->cascade, "orphan") ||
			 !strcmp(o->cascade, "false"))
			policy = "Orphan";
		else if (!strcmp(o->cascade, "foreground"))
			policy = "Foreground";
		else
			return cli_fail("invalid cascade value (%s). Must be "
					"\"background\", \"foreground\", or "
					"\"orphan\".",
					o->cascade);
	}
	if (o->force && grace < 0)
		grace = 0;
	/* as kubectl: 0 without --force means 1, so nothing is lost */
	if (grace == 0 && !o->force)
		grace = 1;
	if (o->force && grace == 0)
		fprintf(stderr,
			"Warning: Immediate deletion does not wait for "
			"confirmation that the running resource has been "
			"terminated. The resource may continue to run on the "
			"cluster indefinitely.\n");
	if (!policy && grace < 0)
		return 0;
	o->options = json_object();
	if (!o->options)
		return cli_fail("out of memory");
	if (policy)
		json_object_set_new(o->options, "propagationPolicy",
				    json_string(policy));
	if (grace >= 0)
		json_object_set_new(o->options, "gracePeriodSeconds",
				    json_integer(grace));
	return 0;
}

int cmd_delete(struct cli *cli, int argc, char **argv)
{
	struct delete_opts o = {.wait = true, .grace = -1};
	const struct flag flags[] = {
	    {"all", 0, FLAG_BOOL, &o.all, "false",
	     "Delete all resources, in the namespace of the specified "
	     "resource types."},
	    {"all-namespaces", 'A', FLAG_BOOL, &o.all_ns, "false",
	     "If present, list the requested object(s) across all "
	     "namespaces."},
	    {"cascade", 0, FLAG_STRING, &o.cascade, "background",
	     "Must be \"background\", \"orphan\", or \"foreground\". "
	     "Selects the deletion cascading strategy for the dependents "
	     "(e.g. Pods created by a ReplicationController). Defaults to "
	     "background."},
	    {"filename", 'f', FLAG_LIST, &o.files, "[]",
	     "containing the resource to delete."},
	    {"force", 0, FLAG_BOOL, &o.force, "false",
	     "If true, immediately remove resources from API and bypass "
	     "graceful deletion. Note that immediate deletion of some "
	     "resources may result in inconsistency or data loss and "
	     "requires confirmation."},
	    {"grace-period", 0, FLAG_INT, &o.grace, "-1",
	     "Period of time in seconds given to the resource to terminate "
	     "gracefully. Ignored if negative. Set to 1 for immediate "
	     "shutdown. Can only be set to 0 when --force is true (force "
	     "deletion)."},
	    {"ignore-not-found", 0, FLAG_BOOL, &o.ignore_not_found, "false",
	     "Treat \"resource not found\" as a successful delete."},
	    {"namespace", 'n', FLAG_STRING, &o.ns, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"output", 'o', FLAG_STRING, &o.output, "''",
	     "Output mode. Use \"-o name\" for shorter output "
	     "(resource/name)."},
	    {"recursive", 'R', FLAG_BOOL, &o.recursive, "false",
	     "Process the directory used in -f, --filename recursively."},
	    {"selector", 'l', FLAG_STRING, &o.labels, "''",
	     "Selector (label query) to filter on."},
	    {"timeout", 0, FLAG_DURATION, &o.timeout_ms, "0s",
	     "The length of time to wait before giving up on a delete, zero "
	     "means wait forever."},
	    {"wait", 0, FLAG_BOOL, &o.wait, "true",
	     "If true, wait for resources to be gone before returning. This "
	     "waits for finalizers."},
	    {NULL},
	};
	struct target *v = NULL;
	struct refs refs = {0};
	size_t n = 0;
	int argn, r, rc = 0;

	r = flags_parse(&help, flags, argc, argv, &argn);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (o.files.n && argn > 1)
		return cli_fail("Unexpected args: [%s]", argv[1]);
	if (delete_options(&o))
		return 1;
	if (!o.files.n && refs_parse("delete", argn - 1, argv + 1, &refs) < 0)
		return 1;
	if (!o.files.n && !refs.by_name && !o.all && !o.labels) {
		refs_release(&refs);
		return cli_fail("resource(s) were provided, but no name was "
				"specified");
	}
	if (refs.by_name && (o.all || o.labels)) {
		refs_release(&refs);
		return cli_fail("name cannot be provided when a selector is "
				"specified");
	}
	if (cli_connect(cli) < 0) {
		refs_release(&refs);
		return 1;
	}
	if (o.files.n)
		r = collect_files(&o, &v, &n);
	else
		r = collect_refs(cli, &o, &refs, &v, &n);
	rc = r < 0;
	if (r != -ENOMEM && r != -E2BIG) {
		if (!n && !rc && !refs.by_name && !o.files.n)
			fprintf(stderr, "No resources found\n");
		rc |= delete_all(cli, &o, v, n);
	}
	for (size_t i = 0; i < n; i++)
		target_release(&v[i]);
	free(v);
	refs_release(&refs);
	json_decref(o.options);
	return rc ? 1 : 0;
}
