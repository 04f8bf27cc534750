/*
 * label.c — kubefs label / kubefs annotate: a JSON merge patch of
 * metadata.labels or metadata.annotations appended to the object.
 */
#include "shell/label.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

struct label_opts {
	const char *ns, *labels, *rv;
	bool overwrite, all, list;
	bool annotate;
};

static const struct command_help label_help = {
    .name = "label",
    .desc = "Update the labels on a resource.\n\n"
	    "  *  A label key and value must begin with a letter or number, "
	    "and may contain letters, numbers, hyphens, dots, and "
	    "underscores, up to 63 characters each.\n"
	    "  *  Optionally, the key can begin with a DNS subdomain prefix "
	    "and a single '/', like example.com/my-app.\n"
	    "  *  If --overwrite is true, then existing labels can be "
	    "overwritten, otherwise attempting to overwrite a label will "
	    "result in an error.\n"
	    "  *  If --resource-version is specified, then updates will use "
	    "this resource version, otherwise the existing resource-version "
	    "will be used.",
    .examples = "  # Update pod 'foo' with the label 'unhealthy' and the "
		"value 'true'\n"
		"  kubefs label pods foo unhealthy=true\n\n"
		"  # Update pod 'foo' with the label 'status' and the value "
		"'unhealthy', overwriting any existing value\n"
		"  kubefs label --overwrite pods foo status=unhealthy\n\n"
		"  # Update all pods in the namespace\n"
		"  kubefs label pods --all status=unhealthy\n\n"
		"  # Update pod 'foo' by removing a label named 'bar' if it "
		"exists\n"
		"  kubefs label pods foo bar-",
    .usage = "label [--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... "
	     "KEY_N=VAL_N [--resource-version=version] [flags] [options]",
};

static const struct command_help annotate_help = {
    .name = "annotate",
    .desc = "Update the annotations on one or more resources.\n\n All "
	    "Kubernetes objects support the ability to store additional "
	    "data with the object as annotations. Annotations are key/value "
	    "pairs that can be larger than labels and include arbitrary "
	    "string values such as structured JSON.\n\n Attempting to set "
	    "an annotation that already exists will fail unless "
	    "--overwrite is set. If --resource-version is specified and "
	    "does not match the current resource version on the server the "
	    "command will fail.",
    .examples = "  # Update pod 'foo' with the annotation 'description' and "
		"the value 'my frontend'\n"
		"  kubefs annotate pods foo description='my frontend'\n\n"
		"  # Update pod 'foo' by removing an annotation named "
		"'description' if it exists\n"
		"  kubefs annotate pods foo description-",
    .usage = "annotate [--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 "
	     "... KEY_N=VAL_N [--resource-version=version] [flags] "
	     "[options]",
};

bool label_is_change(const char *arg)
{
	size_t n = strlen(arg);

	if (strchr(arg, '='))
		return true;
	return n > 1 && arg[n - 1] == '-' && !strchr(arg, '/');
}

int label_parse(char *arg, struct label_change *ret, struct kf_error *err)
{
	char *eq = strchr(arg, '=');
	size_t n = strlen(arg);

	if (eq) {
		*eq = '\0';
		ret->key = arg;
		ret->value = eq + 1;
	} else if (n > 1 && arg[n - 1] == '-') {
		arg[n - 1] = '\0';
		ret->key = arg;
		ret->value = NULL;
	} else {
		return kf_error_set(err, -EINVAL, "invalid label spec: %s",
				    arg);
	}
	if (!*ret->key)
		return kf_error_set(err, -EINVAL, "invalid label spec: %s%s",
				    eq ? "=" : "", eq ? ret->value : "-");
	return 0;
}

int label_patch(const json_t *current, const char *field,
		const struct label_change *ch, size_t n, bool overwrite,
		struct kf_error *err, json_t **ret, bool *ret_removes_only)
{
	bool annotate = !strcmp(field, "annotations");
	_cleanup_json_ json_t *map = json_object();
	bool removes_only = true;

	if (!map)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(ch[i].key, ch[j].key) &&
			    !ch[i].value != !ch[j].value)
				return kf_error_set(err, -EINVAL,
						    "can not both modify and "
						    "remove %s in the same "
						    "command",
						    annotate ? "an annotation"
							     : "a label");
		if (!ch[i].value) {
			json_object_set_new(map, ch[i].key, json_null());
			continue;
		}
		removes_only = false;
		if (!overwrite) {
			const char *cur = json_string_value(
			    json_object_get(current, ch[i].key));

			if (cur && strcmp(cur, ch[i].value)) {
				if (annotate)
					return kf_error_set(
					    err, -EEXIST,
					    "--overwrite is false but found "
					    "the following declared "
					    "annotation(s): '%s' already has a "
					    "value (%s)",
					    ch[i].key, cur);
				return kf_error_set(err, -EEXIST,
						    "'%s' already has a value "
						    "(%s), and --overwrite is "
						    "false",
						    ch[i].key, cur);
			}
		}
		if (json_object_set_new(map, ch[i].key,
					json_string(ch[i].value)) < 0)
			return kf_error_set(err, -EINVAL,
					    "invalid label value for %s: not "
					    "UTF-8",
					    ch[i].key);
	}
	*ret = json_pack("{s:{s:O}}", "metadata", field, map);
	if (!*ret)
		return -ENOMEM;
	*ret_removes_only = removes_only;
	return 0;
}

/* Print the current labels/annotations (--list). */
static void list_map(const json_t *map)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)map, k, v)
		printf("%s=%s\n", k, json_string_value(v) ?: "");
}

static int update_one(struct cli *cli, const struct label_opts *o,
		      const struct kind_info *k, const char *ns,
		      const char *name, const struct label_change *ch, size_t n)
{
	const char *field = o->annotate ? "annotations" : "labels";
	_cleanup_json_ json_t *obj = NULL, *patch = NULL, *after = NULL;
	struct kf_error err;
	bool removes_only, changed;
	char what[600];
	int r;

	kf_error_init(&err);
	r = client_get(cli->client, k, ns, name, &err, &obj);
	if (r < 0)
		return cli_error(r, &err, NULL);
	if (o->list) {
		list_map(jget(json_object_get(obj, "metadata"), field));
		return 0;
	}
	r = label_patch(jget(json_object_get(obj, "metadata"), field), field,
			ch, n, o->overwrite, &err, &patch, &removes_only);
	if (r < 0)
		return cli_fail("%s", err.msg);
	if (!o->annotate)
		for (size_t i = 0; i < n; i++)
			if (!ch[i].value &&
			    !json_object_get(jget(obj, "metadata.labels"),
					     ch[i].key))
				printf("label \"%s\" not found.\n", ch[i].key);
	if (o->rv)
		json_object_set_new(json_object_get(patch, "metadata"),
				    "resourceVersion", json_string(o->rv));
	kf_error_init(&err);
	r = client_patch(cli->client, k, ns, name, patch, &err, &after);
	if (r < 0)
		return cli_error(r, &err, NULL);
	changed = !after || client_object_rv(after) != client_object_rv(obj);
	ref_slash_name(k, name, what, sizeof(what));
	if (o->annotate)
		printf("%s %s\n", what,
		       changed ? "annotated" : "not annotated");
	else
		printf("%s %s\n", what,
		       !changed	      ? "not labeled"
		       : removes_only ? "unlabeled"
				      : "labeled");
	return 0;
}

static int run(struct cli *cli, bool annotate, int argc, char **argv)
{
	struct label_opts o = {.annotate = annotate};
	const struct flag flags[] = {
	    {"all", 0, FLAG_BOOL, &o.all, "false",
	     "Select all resources, in the namespace of the specified "
	     "resource types"},
	    {"list", 0, FLAG_BOOL, &o.list, "false",
	     "If true, display the labels (annotations) for a given "
	     "resource."},
	    {"namespace", 'n', FLAG_STRING, &o.ns, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"overwrite", 0, FLAG_BOOL, &o.overwrite, "false",
	     "If true, allow labels (annotations) to be overwritten, "
	     "otherwise reject updates that overwrite existing ones."},
	    {"resource-version", 0, FLAG_STRING, &o.rv, "''",
	     "If non-empty, the update will only succeed if this is the "
	     "current resource-version for the object."},
	    {"selector", 'l', FLAG_STRING, &o.labels, "''",
	     "Selector (label query) to filter on."},
	    {NULL},
	};
	const struct command_help *h = annotate ? &annotate_help : &label_help;
	struct label_change ch[LABEL_CHANGES_MAX];
	struct refs refs = {0};
	const char *ns;
	size_t nch = 0;
	int n, r, nres, rc = 0;

	r = flags_parse(h, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	/* resource arguments first, then the changes */
	for (nres = 1; nres < n && !label_is_change(argv[nres]); nres++)
		;
	for (int i = nres; i < n; i++) {
		struct kf_error err;

		kf_error_init(&err);
		if (nch >= LABEL_CHANGES_MAX)
			return cli_fail("too many changes: at most %d",
					LABEL_CHANGES_MAX);
		if (!label_is_change(argv[i]) ||
		    label_parse(argv[i], &ch[nch++], &err) < 0)
			return cli_fail("%s", err.msg[0] ? err.msg
							 : "all resources "
							   "must be specified "
							   "before label "
							   "changes");
	}
	if (!nch && !o.list)
		return cli_fail("at least one %s update is required",
				annotate ? "annotation" : "label");
	if (refs_parse(h->name, nres - 1, argv + 1, &refs) < 0)
		return 1;
	if (!refs.by_name && !o.all && !o.labels) {
		refs_release(&refs);
		return cli_fail("resource(s) were provided, but no name was "
				"specified");
	}
	if (cli_connect(cli) < 0) {
		refs_release(&refs);
		return 1;
	}
	ns = ref_namespace(o.ns);
	for (size_t i = 0; i < refs.n; i++) {
		const struct ref *f = &refs.v[i];
		_cleanup_json_ json_t *items = NULL;
		struct kf_error err;
		size_t j;
		json_t *obj;

		if (f->name) {
			rc |=
			    update_one(cli, &o, f->kind, ns, f->name, ch, nch);
			continue;
		}
		kf_error_init(&err);
		r = client_list(cli->client, f->kind, ns, o.labels, NULL, &err,
				&items, NULL);
		if (r < 0) {
			rc |= cli_error(r, &err, NULL);
			continue;
		}
		json_array_foreach (items, j, obj)
			rc |= update_one(
			    cli, &o, f->kind, jstr(obj, "metadata.namespace"),
			    jstr(obj, "metadata.name") ?: "", ch, nch);
	}
	refs_release(&refs);
	return rc;
}

int cmd_label(struct cli *cli, int argc, char **argv)
{
	return run(cli, false, argc, argv);
}

int cmd_annotate(struct cli *cli, int argc, char **argv)
{
	return run(cli, true, argc, argv);
}
