/*
 * get.c — kubefs get: tables like kubectl's, -o yaml|json|wide|name|
 * jsonpath=..., -n/-A, -l/--field-selector, and -w (rows printed as the
 * kind's @watch stream delivers changes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/selector.h"
#include "client/watch.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/jsonpath.h"
#include "shell/printers.h"
#include "shell/resource.h"

enum out_fmt { OUT_TABLE, OUT_WIDE, OUT_YAML, OUT_JSON, OUT_NAME, OUT_PATH };

struct get_opts {
	const char *ns, *output, *labels, *fields;
	struct flag_list label_cols;
	bool all_ns, watch, watch_only, show_labels, no_headers;
	bool ignore_not_found, watch_events;
	enum out_fmt fmt;
	struct jsonpath *jp;
};

static const struct command_help help = {
    .name = "get",
    .desc = "Display one or many resources.\n\n"
	    " Prints a table of the most important information about the "
	    "specified resources.\n You can filter the list using a label "
	    "selector and the --selector flag. If the\n desired resource "
	    "type is namespaced you will only see results in the current\n "
	    "namespace unless you pass --all-namespaces.\n\n By specifying "
	    "the output as 'yaml' or 'json', the objects are printed as "
	    "the\n mount stores them; 'name' prints TYPE/NAME only.",
    .examples = "  # List all pods in ps output format\n"
		"  kubefs get pods\n\n"
		"  # List all pods with more information (such as node "
		"name)\n"
		"  kubefs get pods -o wide\n\n"
		"  # List deployments and services together\n"
		"  kubefs get deploy,svc\n\n"
		"  # List a single pod in YAML\n"
		"  kubefs get pod/web-0 -o yaml\n\n"
		"  # Pods of every namespace with label app=nginx\n"
		"  kubefs get pods -A -l app=nginx\n\n"
		"  # Watch pods change\n"
		"  kubefs get pods -w\n\n"
		"  # Only the names of the pods, one per line\n"
		"  kubefs get pods -o jsonpath='{range .items[*]}"
		"{.metadata.name}{\"\\n\"}{end}'",
    .usage = "get [(-o|--output=)json|yaml|name|wide|jsonpath=...] "
	     "(TYPE[.GROUP] [NAME | -l label] | TYPE[.GROUP]/NAME ...) "
	     "[flags] [options]",
};

static int parse_output(struct get_opts *o)
{
	struct kf_error err;
	const char *s = o->output;

	if (!s || !*s)
		o->fmt = OUT_TABLE;
	else if (!strcmp(s, "wide"))
		o->fmt = OUT_WIDE;
	else if (!strcmp(s, "yaml"))
		o->fmt = OUT_YAML;
	else if (!strcmp(s, "json"))
		o->fmt = OUT_JSON;
	else if (!strcmp(s, "name"))
		o->fmt = OUT_NAME;
	else if (!strncmp(s, "jsonpath=", 9) || !strncmp(s, "jsonpath:", 9)) {
		o->fmt = OUT_PATH;
		kf_error_init(&err);
		if (jsonpath_parse(s + 9, &err, &o->jp) < 0)
			return cli_fail("error parsing jsonpath %s, %s", s + 9,
					err.msg);
	} else {
		return cli_fail("unable to match a printer suitable for the "
				"output format \"%s\", allowed formats are: "
				"json,jsonpath,name,wide,yaml",
				s);
	}
	return 0;
}

/* Print one object (or List) as YAML or JSON. */
static void print_doc(const json_t *obj, enum out_fmt fmt)
{
	char *text =
	    fmt == OUT_YAML
		? codec_encode_yaml(obj, NULL)
		: json_dumps(obj, JSON_INDENT(4) | JSON_PRESERVE_ORDER);

	if (text)
		fputs(text, stdout);
	if (text && fmt == OUT_JSON)
		fputc('\n', stdout);
	free(text);
}

static json_t *make_list(json_t *items)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:O}", "apiVersion", "v1", "kind",
			 "List", "metadata", "resourceVersion", "", "items",
			 items);
}

/* The extra columns: NAMESPACE first, -L values and LABELS last. */
static int decorate(const struct get_opts *o, const struct kind_info *k,
		    const json_t *obj, bool prefix, struct row *r)
{
	json_t *labels = jget(obj, "metadata.labels");
	int ret = 0;

	if (obj && prefix && strcmp(k->resource, "events")) {
		char *n;

		if (asprintf(&n, "%s/%s", ref_type(k), r->cell[0]) < 0)
			return -ENOMEM;
		free(r->cell[0]);
		r->cell[0] = n;
	}
	for (size_t i = 0; !ret && i < o->label_cols.n; i++) {
		const char *key = o->label_cols.v[i];

		if (!obj) {
			char up[256];
			size_t j;
			const char *slash = strrchr(key, '/');

			snprintf(up, sizeof(up), "%s", slash ? slash + 1 : key);
			for (j = 0; up[j]; j++)
				if (up[j] >= 'a' && up[j] <= 'z')
					up[j] -= 'a' - 'A';
			ret = row_addf(r, "%s", up);
		} else {
			const char *v =
			    json_string_value(json_object_get(labels, key));

			ret = row_addf(r, "%s", v ? v : "");
		}
	}
	if (!ret && o->show_labels) {
		_cleanup_free_ char *l = obj ? printer_labels(labels) : NULL;

		ret = obj ? (l ? row_addf(r, "%s", l) : -ENOMEM)
			  : row_addf(r, "LABELS");
	}
	if (!ret && o->all_ns && k->namespaced)
		ret = row_insert(r, 0,
				 obj ? (jstr(obj, "metadata.namespace") ?: "")
				     : "NAMESPACE");
	return ret;
}

static int header_row(const struct get_opts *o, const struct kind_info *k,
		      bool prefix, struct row *r)
{
	return printer_headers(k, o->fmt == OUT_WIDE, r)
		   ?: decorate(o, k, NULL, prefix, r);
}

static int object_row(const struct get_opts *o, const struct kind_info *k,
		      const json_t *obj, time_t now, bool prefix, struct row *r)
{
	return printer_row(k, obj, now, o->fmt == OUT_WIDE, r)
		   ?: decorate(o, k, obj, prefix, r);
}

/* Print the table of one kind's items. */
static int print_table(const struct get_opts *o, const struct kind_info *k,
		       json_t *items, bool prefix, size_t *widths)
{
	struct table t = {0};
	struct row r = {0};
	time_t now = time(NULL);
	bool events = o->watch && o->watch_events;
	size_t i;
	json_t *obj;
	int ret = 0;

	if (!o->no_headers)
		ret = header_row(o, k, prefix, &r)
		    ?: (events ? row_insert(&r, 0, "EVENT") : 0)
		    ?: table_add(&t, &r);
	json_array_foreach (items, i, obj) {
		if (ret)
			break;
		ret = object_row(o, k, obj, now, prefix, &r)
		    ?: (events ? row_insert(&r, 0, "ADDED") : 0)
		    ?: table_add(&t, &r);
	}
	row_release(&r);
	if (!ret)
		table_print(stdout, &t, widths);
	table_release(&t);
	return ret;
}

/* Fetch the objects of kind k the refs name (or list them). */
static int fetch(struct cli *cli, const struct get_opts *o,
		 const struct refs *refs, const struct kind_info *k,
		 json_t *items, uint64_t *ret_rv)
{
	const char *ns = o->all_ns ? NULL : ref_namespace(o->ns);
	struct kf_error err;
	int rc = 0, r;

	for (size_t i = 0; i < refs->n; i++) {
		json_t *obj = NULL;

		if (refs->v[i].kind != k)
			continue;
		kf_error_init(&err);
		if (!refs->v[i].name) {
			json_t *list = NULL;

			r = client_list(cli->client, k, ns, o->labels,
					o->fields, &err, &list, ret_rv);
			if (r < 0)
				return cli_error(r, &err, NULL);
			json_array_extend(items, list);
			json_decref(list);
			continue;
		}
		r = client_get(cli->client, k, o->all_ns ? NULL : ns,
			       refs->v[i].name, &err, &obj);
		if (r == -ENOENT && o->ignore_not_found)
			continue;
		if (r < 0) {
			rc = cli_error(r, &err, NULL);
			continue;
		}
		json_array_append_new(items, obj);
	}
	return rc;
}

static void print_name(const struct kind_info *k, const json_t *obj)
{
	printf("%s/%s\n", ref_type(k), jstr(obj, "metadata.name") ?: "");
}

static void no_resources(const struct get_opts *o, const struct refs *refs)
{
	bool namespaced = false;

	for (size_t i = 0; i < refs->nkinds; i++)
		namespaced |= refs->kinds[i]->namespaced;
	if (o->all_ns || !namespaced)
		fprintf(stderr, "No resources found\n");
	else
		fprintf(stderr, "No resources found in %s namespace.\n",
			ref_namespace(o->ns));
}

/* Key of an object in the watch's "seen" map. */
static void seen_key(const json_t *obj, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", jstr(obj, "metadata.namespace") ?: "",
		 jstr(obj, "metadata.name") ?: "");
}

static void print_event(const struct get_opts *o, const struct kind_info *k,
			const struct watch_event *ev, size_t *widths,
			bool *header_done)
{
	struct table t = {0};
	struct row r = {0};
	int ret = 0;

	switch (o->fmt) {
	case OUT_NAME:
		print_name(k, ev->object);
		break;
	case OUT_YAML:
		printf("---\n");
		print_doc(ev->object, o->fmt);
		break;
	case OUT_JSON:
		print_doc(ev->object, o->fmt);
		break;
	case OUT_PATH:
		jsonpath_print(o->jp, ev->object, stdout);
		break;
	default:
		if (!*header_done && !o->no_headers) {
			ret = header_row(o, k, false, &r);
			if (!ret && o->watch_events)
				ret = row_insert(&r, 0, "EVENT");
			if (!ret)
				ret = table_add(&t, &r);
		}
		*header_done = true;
		if (!ret)
			ret =
			    object_row(o, k, ev->object, time(NULL), false, &r);
		if (!ret && o->watch_events)
			ret =
			    row_insert(&r, 0, watch_event_type_name(ev->type));
		if (!ret)
			ret = table_add(&t, &r);
		if (!ret)
			table_print(stdout, &t, widths);
		row_release(&r);
		table_release(&t);
	}
	fflush(stdout);
}

/*
 * -w: print changes after the list. The stream is opened at the list's
 * resourceVersion; an event not newer than what was already printed for
 * that object is a repeat and skipped.
 */
static int watch_loop(struct cli *cli, const struct get_opts *o,
		      const struct refs *refs, json_t *items, uint64_t rv,
		      size_t *widths, bool header_done)
{
	const struct kind_info *k = refs->kinds[0];
	_cleanup_json_ json_t *seen = json_object();
	struct watch_opts wo = {.resource_version = rv,
				.label_selector = o->labels,
				.field_selector = o->fields};
	const char *ns = o->all_ns ? NULL : ref_namespace(o->ns);
	struct watch *w = NULL;
	struct kf_error err;
	char key[600];
	size_t i;
	json_t *obj;
	int r;

	if (!seen)
		return 1;
	json_array_foreach (items, i, obj) {
		seen_key(obj, key, sizeof(key));
		json_object_set_new(seen, key,
				    json_integer(client_object_rv(obj)));
	}
	for (;;) {
		struct watch_event ev = {0};
		json_t *prev;

		if (!w) {
			kf_error_init(&err);
			r = watch_open(cli->client, k, ns, &wo, &err, &w);
			if (r < 0)
				return cli_error(r, &err, NULL);
		}
		r = watch_next(w, -1, &ev);
		if (r == -EBADMSG || r == -EINTR)
			continue;
		if (r == -EPIPE || r == -EMSGSIZE) {
			/* resume where the stream broke (after 410: anew) */
			wo.resource_version = watch_last_rv(w);
			watch_close(w);
			w = NULL;
			cli_sleep_ms(100);
			continue;
		}
		if (r < 0) {
			watch_close(w);
			return cli_fail("watch: %s", strerror(-r));
		}
		if (ev.type == WATCH_ERROR) {
			if (watch_event_status_code(&ev) == 410)
				wo.resource_version = 0;
			watch_event_release(&ev);
			continue;
		}
		if (ev.type == WATCH_BOOKMARK || !ev.object) {
			watch_event_release(&ev);
			continue;
		}
		seen_key(ev.object, key, sizeof(key));
		prev = json_object_get(seen, key);
		if (prev && ev.rv &&
		    (uint64_t)json_integer_value(prev) >= ev.rv) {
			watch_event_release(&ev);
			continue;
		}
		json_object_set_new(seen, key, json_integer(ev.rv));
		/* named objects only, when names were given */
		if (refs->by_name) {
			bool want = false;

			for (i = 0; i < refs->n; i++)
				want |= !strcmp(refs->v[i].name ?: "",
						jstr(ev.object, "metadata.name")
						    ?: "");
			if (!want) {
				watch_event_release(&ev);
				continue;
			}
		}
		print_event(o, k, &ev, widths, &header_done);
		watch_event_release(&ev);
	}
}

static int output(const struct get_opts *o, const struct refs *refs,
		  json_t *per_kind, size_t *widths, bool *printed)
{
	bool prefix = refs->nkinds > 1;
	_cleanup_json_ json_t *all = json_array();
	size_t i, j;
	json_t *items, *obj;
	int ret = 0;

	if (!all)
		return -ENOMEM;
	json_array_foreach (per_kind, i, items) {
		const struct kind_info *k = refs->kinds[i];

		json_array_extend(all, items);
		if (!json_array_size(items))
			continue;
		switch (o->fmt) {
		case OUT_NAME:
			json_array_foreach (items, j, obj)
				print_name(k, obj);
			break;
		case OUT_TABLE:
		case OUT_WIDE:
			if (*printed && !o->watch)
				printf("\n");
			ret = print_table(o, k, items, prefix, widths);
			break;
		default:
			break;
		}
		*printed = true;
	}
	if (o->fmt == OUT_YAML || o->fmt == OUT_JSON || o->fmt == OUT_PATH) {
		_cleanup_json_ json_t *list = NULL;
		const json_t *doc;

		if (refs->by_name && refs->n == 1 &&
		    json_array_size(all) == 1) {
			doc = json_array_get(all, 0);
		} else {
			list = make_list(all);
			if (!list)
				return -ENOMEM;
			doc = list;
		}
		if (!json_array_size(all) && o->fmt == OUT_PATH)
			return ret;
		if (!json_array_size(all) && refs->by_name)
			return ret;
		if (o->fmt == OUT_PATH)
			jsonpath_print(o->jp, doc, stdout);
		else
			print_doc(doc, o->fmt);
		*printed = json_array_size(all) > 0;
	}
	return ret;
}

int cmd_get(struct cli *cli, int argc, char **argv)
{
	struct get_opts o = {0};
	const struct flag flags[] = {
	    {"all-namespaces", 'A', FLAG_BOOL, &o.all_ns, "false",
	     "If present, list the requested object(s) across all namespaces. "
	     "Namespace in current context is ignored even if specified with "
	     "--namespace."},
	    {"field-selector", 0, FLAG_STRING, &o.fields, "''",
	     "Selector (field query) to filter on, supports '=', '==', and "
	     "'!='.(e.g. --field-selector key1=value1,key2=value2)."},
	    {"ignore-not-found", 0, FLAG_BOOL, &o.ignore_not_found, "false",
	     "If the requested object does not exist the command will return "
	     "exit code 0."},
	    {"label-columns", 'L', FLAG_LIST, &o.label_cols, "[]",
	     "Accepts a comma separated list of labels that are going to be "
	     "presented as columns."},
	    {"namespace", 'n', FLAG_STRING, &o.ns, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"no-headers", 0, FLAG_BOOL, &o.no_headers, "false",
	     "When using the default or custom-column output format, don't "
	     "print headers (default print headers)."},
	    {"output", 'o', FLAG_STRING, &o.output, "''",
	     "Output format. One of: (json, yaml, name, wide, jsonpath)."},
	    {"output-watch-events", 0, FLAG_BOOL, &o.watch_events, "false",
	     "Output watch event objects when --watch or --watch-only is "
	     "used."},
	    {"selector", 'l', FLAG_STRING, &o.labels, "''",
	     "Selector (label query) to filter on, supports '=', '==', '!=', "
	     "'in', 'notin'.(e.g. -l key1=value1,key2=value2)."},
	    {"show-labels", 0, FLAG_BOOL, &o.show_labels, "false",
	     "When printing, show all labels as the last column (default "
	     "hide labels column)."},
	    {"watch", 'w', FLAG_BOOL, &o.watch, "false",
	     "After listing/getting the requested object, watch for "
	     "changes."},
	    {"watch-only", 0, FLAG_BOOL, &o.watch_only, "false",
	     "Watch for changes to the requested object(s), without "
	     "listing/getting first."},
	    {NULL},
	};
	_cleanup_json_ json_t *per_kind = json_array();
	struct refs refs = {0};
	size_t widths[ROW_MAX] = {0};
	bool printed = false;
	uint64_t rv = 0;
	int n, rc = 0, r;

	r = flags_parse(&help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (parse_output(&o))
		return 1;
	if (o.watch_only)
		o.watch = true;
	if (o.labels) {
		struct label_selector *s = NULL;
		struct kf_error err;

		kf_error_init(&err);
		if (label_selector_parse(o.labels, &err, &s) < 0) {
			jsonpath_free(o.jp);
			return cli_fail("%s", err.msg);
		}
		label_selector_free(s);
	}
	if (refs_parse("get", n - 1, argv + 1, &refs) < 0) {
		jsonpath_free(o.jp);
		return 1;
	}
	if (o.watch && refs.nkinds != 1) {
		rc = cli_fail("you may only specify a single resource type");
		goto out;
	}
	for (size_t i = 0; o.fields && i < refs.nkinds; i++) {
		/* which fields exist depends on the kind */
		struct field_selector *s = NULL;
		struct kf_error err;

		kf_error_init(&err);
		if (field_selector_parse(o.fields, refs.kinds[i]->group,
					 refs.kinds[i]->kind, &err, &s) < 0) {
			rc = cli_fail("%s", err.msg);
			goto out;
		}
		field_selector_free(s);
	}
	if (refs.by_name && o.labels) {
		rc = cli_fail("name cannot be provided when a selector is "
			      "specified");
		goto out;
	}
	if (refs.by_name && o.all_ns) {
		rc = cli_fail("a resource cannot be retrieved by name across "
			      "all namespaces");
		goto out;
	}
	if (cli_connect(cli) < 0) {
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < refs.nkinds; i++) {
		json_t *items = json_array();

		json_array_append_new(per_kind, items);
		rc |= fetch(cli, &o, &refs, refs.kinds[i], items, &rv);
	}
	if (o.watch_only) {
		rc = watch_loop(cli, &o, &refs, json_array_get(per_kind, 0), rv,
				widths, false);
		goto out;
	}
	if (output(&o, &refs, per_kind, widths, &printed) < 0)
		rc = cli_fail("out of memory");
	if (!printed && !rc && !refs.by_name && !o.watch)
		no_resources(&o, &refs);
	fflush(stdout);
	if (o.watch && !rc)
		rc = watch_loop(cli, &o, &refs, json_array_get(per_kind, 0), rv,
				widths, printed);
out:
	refs_release(&refs);
	jsonpath_free(o.jp);
	return rc;
}
