/*
 * apply.c — kubefs apply / create / replace: manifests from -f written to
 * the cluster, one document at a time, reported as kubectl reports them
 * ("deployment.apps/nginx created|configured|unchanged").
 *
 * apply writes each document through the root drop box (create or
 * replace). Whether it was created, configured or left unchanged is found
 * by reading the object before and after: a replace that changes nothing
 * is not stored by the server, so its resourceVersion stays the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/resource.h"

enum verb { VERB_APPLY, VERB_CREATE, VERB_REPLACE };

struct apply_opts {
	struct flag_list files;
	const char *ns, *output;
	bool recursive;
};

static const struct command_help apply_help = {
    .name = "apply",
    .desc = "Apply a configuration to a resource by file name or stdin. "
	    "The resource name must be specified. This resource will be "
	    "created if it doesn't exist yet.\n\n JSON and YAML formats are "
	    "accepted; a file may hold several documents or a List. Each "
	    "document is written through the cluster's drop box, which "
	    "creates the object or replaces it with the manifest.",
    .examples = "  # Apply the configuration in deployment.yaml\n"
		"  kubefs apply -f deployment.yaml\n\n"
		"  # Apply the JSON passed into stdin\n"
		"  cat pod.json | kubefs apply -f -\n\n"
		"  # Apply every .yaml, .yml and .json file of a directory\n"
		"  kubefs apply -f manifests/",
    .usage = "apply (-f FILENAME | -R -f DIR) [flags] [options]",
};

static const struct command_help create_help = {
    .name = "create",
    .desc = "Create a resource from a file or from stdin.\n\n JSON and "
	    "YAML formats are accepted. An object that already exists is "
	    "an error (AlreadyExists). 'kubefs create namespace NAME' "
	    "creates a namespace.",
    .examples = "  # Create a pod using the data in pod.json\n"
		"  kubefs create -f ./pod.json\n\n"
		"  # Create a pod based on the JSON passed into stdin\n"
		"  cat pod.json | kubefs create -f -\n\n"
		"  # Create a namespace\n"
		"  kubefs create namespace team-a",
    .usage = "create -f FILENAME | create namespace NAME [flags] [options]",
};

static const struct command_help replace_help = {
    .name = "replace",
    .desc = "Replace a resource by file name or stdin.\n\n The object "
	    "must exist. If the manifest carries metadata.resourceVersion, "
	    "the replace fails (Conflict) when the object changed since.",
    .examples = "  # Replace a pod using the data in pod.json\n"
		"  kubefs replace -f ./pod.json",
    .usage = "replace -f FILENAME [flags] [options]",
};

static const char *verb_past(enum verb v)
{
	return v == VERB_CREATE ? "created" : "replaced";
}

/* Apply one document through the drop box; print the outcome. */
static int apply_doc(struct cli *cli, const struct manifest_doc *d,
		     const char *ns, bool name_only)
{
	_cleanup_json_ json_t *before = NULL, *after = NULL, *copy = NULL;
	_cleanup_free_ char *text = NULL;
	const char *name = json_string_value(
	    json_object_get(json_object_get(d->obj, "metadata"), "name"));
	char what[600], ctx[600];
	struct kf_error err;
	const char *verdict;
	int r;

	if (!name || !*name)
		return cli_fail("from %s: cannot use generate name with apply",
				d->source);
	kf_error_init(&err);
	r = client_get(cli->client, d->kind, ns, name, &err, &before);
	if (r < 0 && r != -ENOENT)
		return cli_error(r, &err, NULL);
	copy = json_deep_copy(d->obj);
	if (!copy)
		return cli_fail("out of memory");
	if (ns) {
		json_t *meta = json_object_get(copy, "metadata");

		json_object_set_new(meta, "namespace", json_string(ns));
	}
	text = json_dumps(copy, JSON_COMPACT);
	if (!text)
		return cli_fail("out of memory");
	kf_error_init(&err);
	r = client_apply(cli->client, text, strlen(text), &err);
	if (r < 0) {
		snprintf(ctx, sizeof(ctx), "error when %s \"%s\": ",
			 before ? "patching" : "creating", d->source);
		return cli_error(r, &err, ctx);
	}
	if (client_get(cli->client, d->kind, ns, name, NULL, &after) < 0)
		after = NULL;
	if (!before)
		verdict = "created";
	else if (after && client_object_rv(after) == client_object_rv(before))
		verdict = "unchanged";
	else
		verdict = "configured";
	ref_slash_name(d->kind, name, what, sizeof(what));
	if (name_only)
		printf("%s\n", what);
	else
		printf("%s %s\n", what, verdict);
	return 0;
}

/* create / replace one document. */
static int write_doc(struct cli *cli, enum verb v, const struct manifest_doc *d,
		     const char *ns, bool name_only)
{
	_cleanup_json_ json_t *copy = json_deep_copy(d->obj), *out = NULL;
	char what[600], ctx[600];
	struct kf_error err;
	const char *name;
	int r;

	if (!copy)
		return cli_fail("out of memory");
	if (ns)
		json_object_set_new(json_object_get(copy, "metadata"),
				    "namespace", json_string(ns));
	kf_error_init(&err);
	if (v == VERB_CREATE)
		r = client_create(cli->client, d->kind, ns, copy, &err, &out);
	else
		r = client_replace(cli->client, d->kind, copy, &err, &out);
	if (r < 0) {
		snprintf(ctx, sizeof(ctx), "error when %s \"%s\": ",
			 v == VERB_CREATE ? "creating" : "replacing",
			 d->source);
		return cli_error(r, &err, ctx);
	}
	name = json_string_value(json_object_get(
	    json_object_get(out ? out : copy, "metadata"), "name"));
	ref_slash_name(d->kind, name, what, sizeof(what));
	if (name_only)
		printf("%s\n", what);
	else
		printf("%s %s\n", what, verb_past(v));
	return 0;
}

/* kubefs create namespace NAME */
static int create_namespace(struct cli *cli, int argc, char **argv,
			    bool name_only)
{
	const struct kind_info *k = kinds_by_name("namespaces");
	_cleanup_json_ json_t *obj = NULL;
	struct kf_error err;
	int r;

	if (argc != 2)
		return cli_fail("exactly one NAME is required, got %d",
				argc - 1);
	if (!k)
		return cli_fail("the server doesn't have a resource type "
				"\"namespaces\"");
	if (cli_connect(cli) < 0)
		return 1;
	obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
			"Namespace", "metadata", "name", argv[1]);
	if (!obj)
		return cli_fail("out of memory");
	kf_error_init(&err);
	r = client_create(cli->client, k, NULL, obj, &err, NULL);
	if (r < 0)
		return cli_error(r, &err, NULL);
	printf("namespace/%s%s\n", argv[1], name_only ? "" : " created");
	return 0;
}

static int run(struct cli *cli, enum verb v, int argc, char **argv)
{
	struct apply_opts o = {0};
	const struct flag flags[] = {
	    {"filename", 'f', FLAG_LIST, &o.files, "[]",
	     "The files that contain the configurations to apply; '-' reads "
	     "stdin; a directory applies its .yaml, .yml and .json files."},
	    {"namespace", 'n', FLAG_STRING, &o.ns, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"output", 'o', FLAG_STRING, &o.output, "''",
	     "Output format. One of: (name)."},
	    {"recursive", 'R', FLAG_BOOL, &o.recursive, "false",
	     "Process the directory used in -f, --filename recursively."},
	    {NULL},
	};
	const struct command_help *h = v == VERB_APPLY	  ? &apply_help
				       : v == VERB_CREATE ? &create_help
							  : &replace_help;
	struct manifests m = {0};
	bool name_only;
	int n, r, rc = 0;

	r = flags_parse(h, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (o.output && *o.output && strcmp(o.output, "name"))
		return cli_fail("unable to match a printer suitable for the "
				"output format \"%s\", allowed formats are: "
				"name",
				o.output);
	name_only = o.output && !strcmp(o.output, "name");
	if (v == VERB_CREATE && n >= 2 &&
	    (!strcmp(argv[1], "namespace") || !strcmp(argv[1], "ns")))
		return create_namespace(cli, n - 1, argv + 1, name_only);
	if (n > 1) {
		fprintf(stderr, "error: Unexpected args: [%s]\n", argv[1]);
		flags_see_help(h);
		return 1;
	}
	if (!o.files.n) {
		fprintf(stderr, "error: must specify one of -f and -k\n\n");
		flags_see_help(h);
		return 1;
	}
	r = manifests_read(&o.files, o.recursive, &m);
	if (r == -ENOMEM || r == -E2BIG) {
		manifests_release(&m);
		return 1;
	}
	rc = r < 0;
	if (!m.n && !rc) {
		manifests_release(&m);
		return cli_fail("no objects passed to %s",
				v == VERB_APPLY	   ? "apply"
				: v == VERB_CREATE ? "create"
						   : "replace");
	}
	if (m.n && cli_connect(cli) < 0) {
		manifests_release(&m);
		return 1;
	}
	for (size_t i = 0; i < m.n; i++) {
		const char *ns;

		if (manifest_namespace(&m.v[i], ref_namespace(o.ns),
				       o.ns != NULL, &ns) < 0) {
			rc = 1;
			continue;
		}
		if (v == VERB_APPLY)
			rc |= apply_doc(cli, &m.v[i], ns, name_only);
		else
			rc |= write_doc(cli, v, &m.v[i], ns, name_only);
		fflush(stdout);
	}
	manifests_release(&m);
	return rc ? 1 : 0;
}

int cmd_apply(struct cli *cli, int argc, char **argv)
{
	return run(cli, VERB_APPLY, argc, argv);
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
	return run(cli, VERB_CREATE, argc, argv);
}

int cmd_replace(struct cli *cli, int argc, char **argv)
{
	return run(cli, VERB_REPLACE, argc, argv);
}
