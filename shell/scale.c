/*
 * scale.c — kubefs scale (NAME@scale) and kubefs patch (a JSON merge
 * patch appended to NAME@json, or for --subresource=status, merged here
 * and written through NAME@status).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

static const struct command_help scale_help = {
    .name = "scale",
    .desc = "Set a new size for a deployment, replica set, or stateful "
	    "set.\n\n Scale also allows users to specify a precondition for "
	    "the scale action: if --current-replicas is specified, it is "
	    "checked before the scale is attempted. The new size is written "
	    "to the object's NAME@scale file.",
    .examples = "  # Scale a deployment named 'nginx' to 3\n"
		"  kubefs scale --replicas=3 deployment/nginx\n\n"
		"  # If the deployment's current size is 2, scale it to 3\n"
		"  kubefs scale --current-replicas=2 --replicas=3 "
		"deployment/nginx\n\n"
		"  # Scale several replica sets\n"
		"  kubefs scale --replicas=5 rs/foo rs/bar",
    .usage = "scale [--current-replicas=count] --replicas=COUNT (TYPE "
	     "NAME | TYPE/NAME) [flags] [options]",
};

static const struct command_help patch_help = {
    .name = "patch",
    .desc = "Update fields of a resource using a JSON merge patch.\n\n The "
	    "patch is JSON or YAML; it is appended to the object's file "
	    "(the server merges it, RFC 7386: objects merge, lists and "
	    "scalars replace, null removes). --subresource=status patches "
	    "the status through NAME@status.",
    .examples = "  # Add a label to a node\n"
		"  kubefs patch node k8s-node-1 -p "
		"'{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}'\n\n"
		"  # Set a deployment's replica count, YAML patch\n"
		"  kubefs patch deploy nginx -p 'spec: {replicas: 2}'\n\n"
		"  # Write a status as a controller would\n"
		"  kubefs patch deploy nginx --subresource=status -p "
		"'{\"status\":{\"replicas\":1}}'",
    .usage = "patch (TYPE NAME | TYPE/NAME) -p PATCH [--type merge] "
	     "[flags] [options]",
};

int cmd_scale(struct cli *cli, int argc, char **argv)
{
	long long replicas = -1, current = -1;
	const char *ns_flag = NULL;
	const struct flag flags[] = {
	    {"current-replicas", 0, FLAG_INT, &current, "-1",
	     "Precondition for current size. Requires that the current size "
	     "of the resource match this value in order to scale. -1 "
	     "(default) for no condition."},
	    {"namespace", 'n', FLAG_STRING, &ns_flag, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"replicas", 0, FLAG_INT, &replicas, "0",
	     "The new desired number of replicas. Required."},
	    {NULL},
	};
	struct refs refs = {0};
	int n, r, rc = 0;

	r = flags_parse(&scale_help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (replicas < 0) {
		if (replicas == -1)
			return cli_fail("required flag(s) \"replicas\" not "
					"set");
		return cli_fail("The --replicas=COUNT flag is required, and "
				"COUNT must be greater than or equal to 0");
	}
	if (refs_parse("scale", n - 1, argv + 1, &refs) < 0)
		return 1;
	if (!refs.by_name) {
		refs_release(&refs);
		return cli_fail("resource(s) were provided, but no name was "
				"specified");
	}
	if (cli_connect(cli) < 0) {
		refs_release(&refs);
		return 1;
	}
	for (size_t i = 0; i < refs.n; i++) {
		const struct ref *f = &refs.v[i];
		const char *ns = ref_namespace(ns_flag);
		struct kf_error err;
		int64_t have;

		kf_error_init(&err);
		if (current >= 0) {
			r = client_scale_get(cli->client, f->kind, ns, f->name,
					     &err, &have);
			if (r < 0) {
				rc |= cli_error(r, &err, NULL);
				continue;
			}
			if (have != current) {
				rc |= cli_fail("Expected replicas to be %lld, "
					       "was %lld",
					       current, (long long)have);
				continue;
			}
		}
		r = client_scale_set(cli->client, f->kind, ns, f->name,
				     replicas, &err);
		if (r < 0) {
			rc |= cli_error(r, &err, NULL);
			continue;
		}
		printf("%s/%s scaled\n", ref_type(f->kind), f->name);
	}
	refs_release(&refs);
	return rc;
}

/* RFC 7386 merge of patch into target, in place. */
static int merge_patch(json_t *target, const json_t *patch, int depth)
{
	const char *k;
	json_t *v;

	if (depth > 64)
		return -EINVAL;
	json_object_foreach ((json_t *)patch, k, v) {
		json_t *cur = json_object_get(target, k);

		if (json_is_null(v)) {
			json_object_del(target, k);
		} else if (json_is_object(v) && json_is_object(cur)) {
			if (merge_patch(cur, v, depth + 1) < 0)
				return -EINVAL;
		} else if (json_is_object(v)) {
			json_t *fresh = json_object();

			if (!fresh || merge_patch(fresh, v, depth + 1) < 0 ||
			    json_object_set_new(target, k, fresh) < 0)
				return -ENOMEM;
		} else if (json_object_set(target, k, v) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int patch_status(struct cli *cli, const struct ref *f, const char *ns,
			const json_t *patch, struct kf_error *err,
			uint64_t *ret_before, json_t **ret)
{
	_cleanup_json_ json_t *obj = NULL;
	int r;

	r = client_get(cli->client, f->kind, ns, f->name, err, &obj);
	if (r < 0)
		return r;
	*ret_before = client_object_rv(obj);
	if (merge_patch(obj, patch, 0) < 0)
		return kf_error_set(err, -EINVAL, "the patch is too deep");
	return client_update_status(cli->client, f->kind, obj, err, ret);
}

int cmd_patch(struct cli *cli, int argc, char **argv)
{
	const char *ns_flag = NULL, *text = NULL, *type = "merge", *sub = NULL;
	const struct flag flags[] = {
	    {"namespace", 'n', FLAG_STRING, &ns_flag, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"patch", 'p', FLAG_STRING, &text, "''",
	     "The patch to be applied to the resource JSON file."},
	    {"subresource", 0, FLAG_STRING, &sub, "''",
	     "If specified, patch will operate on the subresource of the "
	     "requested object. Must be one of [status]."},
	    {"type", 0, FLAG_STRING, &type, "'merge'",
	     "The type of patch being provided; one of [merge] (strategic is "
	     "accepted and treated as merge)."},
	    {NULL},
	};
	_cleanup_json_ json_t *patch = NULL;
	struct refs refs = {0};
	struct kf_error err;
	int n, r, rc = 0;

	r = flags_parse(&patch_help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (!text)
		return cli_fail("must specify -p to patch");
	if (strcmp(type, "merge") && strcmp(type, "strategic"))
		return cli_fail("--type must be \"merge\" here (kubefs applies "
				"JSON merge patches), got \"%s\"",
				type);
	if (sub && strcmp(sub, "status"))
		return cli_fail("invalid subresource value: \"%s\". Must be "
				"one of [status]",
				sub);
	kf_error_init(&err);
	if (codec_decode_one(text, strlen(text), NULL, &err, &patch) < 0)
		return cli_fail("unable to parse \"%s\": %s", text, err.msg);
	if (!json_is_object(patch))
		return cli_fail("unable to parse \"%s\": a merge patch must be "
				"an object",
				text);
	if (refs_parse("patch", n - 1, argv + 1, &refs) < 0)
		return 1;
	if (!refs.by_name) {
		refs_release(&refs);
		return cli_fail("resource(s) were provided, but no name was "
				"specified");
	}
	if (cli_connect(cli) < 0) {
		refs_release(&refs);
		return 1;
	}
	for (size_t i = 0; i < refs.n; i++) {
		const struct ref *f = &refs.v[i];
		const char *ns = ref_namespace(ns_flag);
		_cleanup_json_ json_t *before = NULL, *after = NULL;
		uint64_t rv0 = 0;

		kf_error_init(&err);
		if (sub) {
			r = patch_status(cli, f, ns, patch, &err, &rv0, &after);
		} else {
			r = client_get(cli->client, f->kind, ns, f->name, &err,
				       &before);
			if (r == 0) {
				rv0 = client_object_rv(before);
				r = client_patch(cli->client, f->kind, ns,
						 f->name, patch, &err, &after);
			}
		}
		if (r < 0) {
			rc |= cli_error(r, &err, NULL);
			continue;
		}
		printf("%s/%s patched%s\n", ref_type(f->kind), f->name,
		       after && client_object_rv(after) == rv0 ? " (no change)"
							       : "");
	}
	refs_release(&refs);
	return rc;
}
