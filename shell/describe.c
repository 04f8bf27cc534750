/*
 * describe.c — kubefs describe: an object's summary as kubectl shows it,
 * followed by its Events (core/v1 events whose involvedObject is the
 * object). Kinds without their own describer get kubectl's generic one:
 * every field, nested, with "Smart Labels".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "api/owner.h"
#include "shell/cli.h"
#include "shell/describe_i.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

static const struct command_help help = {
    .name = "describe",
    .desc = "Show details of a specific resource or group of resources.\n\n"
	    " Print a detailed description of the selected resources, "
	    "including related resources such as events or controllers. You "
	    "may select a single object by name, all objects of that type, "
	    "provide a name prefix, or label selector. For example:\n\n"
	    "  $ kubefs describe TYPE NAME_PREFIX\n\n"
	    " will first check for an exact match on TYPE and NAME_PREFIX. "
	    "If no such resource exists, it will output details for every "
	    "resource that has a name prefixed with NAME_PREFIX.",
    .examples = "  # Describe a node\n"
		"  kubefs describe nodes node-1\n\n"
		"  # Describe a pod\n"
		"  kubefs describe pods/nginx\n\n"
		"  # Describe pods by label name=myLabel\n"
		"  kubefs describe pods -l name=myLabel\n\n"
		"  # Describe all pods managed by the 'frontend' replica set\n"
		"  kubefs describe pods frontend",
    .usage = "describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | "
	     "TYPE/NAME) [flags] [options]",
};

void dw_line(struct dw *w, int level, const char *fmt, ...)
{
	va_list ap;

	for (int i = 0; i < level; i++)
		fputs("  ", w->f);
	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void dw_map(struct dw *w, int level, const char *title, const json_t *map,
	    const char *sep)
{
	size_t n = json_object_size(map), i = 0;
	_cleanup_free_ const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v;

	if (!n || !keys) {
		dw_line(w, level, "%s:\t<none>\n", title);
		return;
	}
	json_object_foreach ((json_t *)map, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (i = 0; i < n; i++) {
		const char *val =
		    json_string_value(json_object_get(map, keys[i]));

		if (i == 0)
			dw_line(w, level, "%s:\t%s%s%s\n", title, keys[i], sep,
				val ? val : "");
		else
			dw_line(w, level, "\t%s%s%s\n", keys[i], sep,
				val ? val : "");
	}
}

void dw_time(const char *rfc3339, char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	if (!rfc3339 || rfc3339_parse(rfc3339, &ts) < 0) {
		snprintf(buf, size, "<unset>");
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

void dw_meta(struct dw *w, const json_t *obj, bool with_created)
{
	const char *ns = jstr(obj, "metadata.namespace");
	char t[64];

	dw_line(w, 0, "Name:\t%s\n", jstr(obj, "metadata.name") ?: "");
	if (ns)
		dw_line(w, 0, "Namespace:\t%s\n", ns);
	if (with_created) {
		dw_time(jstr(obj, "metadata.creationTimestamp"), t, sizeof(t));
		dw_line(w, 0, "CreationTimestamp:\t%s\n", t);
	}
	dw_map(w, 0, "Labels", jget(obj, "metadata.labels"), "=");
	dw_map(w, 0, "Annotations", jget(obj, "metadata.annotations"), ": ");
}

void dw_controlled_by(struct dw *w, const json_t *obj)
{
	const json_t *o = owner_controller_ref(obj);

	if (o)
		dw_line(w, 0, "Controlled By:\t%s/%s\n", jstr(o, "kind") ?: "",
			jstr(o, "name") ?: "");
}

/* kubectl's smartLabelFor: "creationTimestamp" -> "Creation Timestamp". */
static void smart_label(const char *key, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; key[i] && o + 3 < size; i++) {
		char c = key[i];

		if (i == 0) {
			buf[o++] = (char)toupper((unsigned char)c);
			continue;
		}
		if (isupper((unsigned char)c) &&
		    islower((unsigned char)key[i - 1]))
			buf[o++] = ' ';
		buf[o++] = c;
	}
	buf[o] = '\0';
}

/* kubectl's generic describer: every field, nested. */
static void generic_value(struct dw *w, int level, const char *key,
			  const json_t *v, int depth)
{
	char label[256];
	size_t i;
	const char *k;
	json_t *e;

	smart_label(key, label, sizeof(label));
	if (depth > 32)
		return;
	if (json_is_object(v)) {
		dw_line(w, level, "%s:\n", label);
		json_object_foreach ((json_t *)v, k, e)
			generic_value(w, level + 1, k, e, depth + 1);
	} else if (json_is_array(v)) {
		dw_line(w, level, "%s:\n", label);
		json_array_foreach (v, i, e) {
			if (json_is_object(e)) {
				bool first = true;

				const char *fk;
				json_t *fv;

				json_object_foreach (e, fk, fv) {
					_cleanup_free_ char *s = NULL;

					smart_label(fk, label, sizeof(label));
					if (json_is_object(fv) ||
					    json_is_array(fv)) {
						generic_value(w, level + 1, fk,
							      fv, depth + 1);
						first = false;
						continue;
					}
					s = json_dumps(fv, JSON_ENCODE_ANY);
					dw_line(w, level + 1, "%s%s:\t%s\n",
						first ? "" : "  ", label,
						json_is_string(fv)
						    ? json_string_value(fv)
						    : (s ? s : ""));
					first = false;
				}
			} else {
				_cleanup_free_ char *s =
				    json_dumps(e, JSON_ENCODE_ANY);

				dw_line(w, level + 1, "%s\n",
					json_is_string(e) ? json_string_value(e)
							  : (s ? s : ""));
			}
		}
	} else {
		_cleanup_free_ char *s = json_dumps(v, JSON_ENCODE_ANY);

		dw_line(w, level, "%s:\t%s\n", label,
			json_is_string(v) ? json_string_value(v)
					  : (s ? s : ""));
	}
}

static void describe_generic(struct dw *w, const json_t *obj)
{
	const char *k;
	json_t *v;

	dw_meta(w, obj, false);
	json_object_foreach ((json_t *)obj, k, v) {
		if (!strcmp(k, "metadata")) {
			const char *mk;
			json_t *mv;

			dw_line(w, 0, "Metadata:\n");
			json_object_foreach (v, mk, mv)
				if (strcmp(mk, "name") &&
				    strcmp(mk, "namespace") &&
				    strcmp(mk, "labels") &&
				    strcmp(mk, "annotations"))
					generic_value(w, 1, mk, mv, 0);
			continue;
		}
		generic_value(w, 0, k, v, 0);
	}
}

static int cmp_events(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *tx = jstr(x, "lastTimestamp") ?: jstr(x, "eventTime");
	const char *ty = jstr(y, "lastTimestamp") ?: jstr(y, "eventTime");

	return strcmp(tx ? tx : "", ty ? ty : "");
}

/* The Events: section (core/v1 events about obj). */
static void describe_events(struct dw *w, const struct kind_info *k,
			    const json_t *obj)
{
	const struct kind_info *ek = kinds_by_path("core", "v1", "events");
	const char *ns = jstr(obj, "metadata.namespace") ?: "default";
	const char *name = jstr(obj, "metadata.name") ?: "";
	const char *uid = jstr(obj, "metadata.uid");
	_cleanup_json_ json_t *items = NULL;
	_cleanup_free_ json_t **v = NULL;
	size_t n = 0, i;
	json_t *e;

	if (!ek ||
	    client_list(w->c, ek, ns, NULL, NULL, NULL, &items, NULL) < 0 ||
	    !(v = calloc(json_array_size(items) + 1, sizeof(*v)))) {
		dw_line(w, 0, "Events:\t<none>\n");
		return;
	}
	json_array_foreach (items, i, e) {
		const char *euid = jstr(e, "involvedObject.uid");

		if (strcmp(jstr(e, "involvedObject.name") ?: "", name) ||
		    strcmp(jstr(e, "involvedObject.kind") ?: "", k->kind))
			continue;
		if (uid && euid && *euid && strcmp(uid, euid))
			continue;
		v[n++] = e;
	}
	if (!n) {
		dw_line(w, 0, "Events:\t<none>\n");
		return;
	}
	qsort(v, n, sizeof(*v), cmp_events);
	dw_line(w, 0, "Events:\n");
	dw_line(w, 1, "Type\tReason\tAge\tFrom\tMessage\n");
	dw_line(w, 1, "----\t------\t----\t----\t-------\n");
	for (i = 0; i < n; i++) {
		const char *last =
		    jstr(v[i], "lastTimestamp") ?: jstr(v[i], "eventTime");
		const char *comp = jstr(v[i], "source.component");
		const char *host = jstr(v[i], "source.host");
		long long count = jint(v[i], "count", 1);
		char age[96], a1[32], a2[32], from[256];

		printer_age(last, w->now, a1, sizeof(a1));
		if (count > 1) {
			printer_age(jstr(v[i], "firstTimestamp") ?: last,
				    w->now, a2, sizeof(a2));
			snprintf(age, sizeof(age), "%s (x%lld over %s)", a1,
				 count, a2);
		} else {
			snprintf(age, sizeof(age), "%s", a1);
		}
		if (!comp || !*comp)
			comp = jstr(v[i], "reportingComponent") ?: "";
		snprintf(from, sizeof(from), "%s%s%s", comp,
			 host && *host ? ", " : "", host ? host : "");
		dw_line(w, 1, "%s\t%s\t%s\t%s\t%s\n", jstr(v[i], "type") ?: "",
			jstr(v[i], "reason") ?: "", age, from,
			jstr(v[i], "message") ?: "");
	}
}

static int describe_one(struct cli *cli, const struct kind_info *k,
			const json_t *obj)
{
	struct dw w = {.c = cli->client, .now = time(NULL)};
	char *buf = NULL;
	size_t len = 0;

	w.f = open_memstream(&buf, &len);
	if (!w.f)
		return cli_fail("out of memory");
	if (!describe_kind(&w, k, obj))
		describe_generic(&w, obj);
	describe_events(&w, k, obj);
	fclose(w.f);
	tabwriter_print(stdout, buf, 2);
	free(buf);
	return 0;
}

/* Objects of kind k named name, or whose names start with it. */
static int find(struct cli *cli, const struct kind_info *k, const char *ns,
		const char *name, const char *labels, json_t *out)
{
	_cleanup_json_ json_t *items = NULL;
	struct kf_error notfound, err;
	size_t i, before = json_array_size(out);
	json_t *obj = NULL;
	int r;

	kf_error_init(&notfound);
	kf_error_init(&err);
	if (name) {
		r = client_get(cli->client, k, ns, name, &notfound, &obj);
		if (r == 0)
			return json_array_append_new(out, obj);
		if (r != -ENOENT) {
			cli_error(r, &notfound, NULL);
			return r;
		}
	}
	r = client_list(cli->client, k, ns, labels, NULL, &err, &items, NULL);
	if (r < 0) {
		cli_error(name ? -ENOENT : r, name ? &notfound : &err, NULL);
		return name ? -ENOENT : r;
	}
	json_array_foreach (items, i, obj)
		if (!name || !strncmp(jstr(obj, "metadata.name") ?: "", name,
				      strlen(name)))
			json_array_append(out, obj);
	if (name && json_array_size(out) == before) {
		cli_error(-ENOENT, &notfound, NULL);
		return -ENOENT;
	}
	return 0;
}

int cmd_describe(struct cli *cli, int argc, char **argv)
{
	const char *ns_flag = NULL, *labels = NULL;
	bool all_ns = false;
	const struct flag flags[] = {
	    {"all-namespaces", 'A', FLAG_BOOL, &all_ns, "false",
	     "If present, list the requested object(s) across all "
	     "namespaces."},
	    {"namespace", 'n', FLAG_STRING, &ns_flag, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"selector", 'l', FLAG_STRING, &labels, "''",
	     "Selector (label query) to filter on."},
	    {NULL},
	};
	struct refs refs = {0};
	const char *ns;
	bool first = true;
	int n, r, rc = 0;

	r = flags_parse(&help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (refs_parse("describe", n - 1, argv + 1, &refs) < 0)
		return 1;
	ns = all_ns ? NULL : ref_namespace(ns_flag);
	if (cli_connect(cli) < 0) {
		refs_release(&refs);
		return 1;
	}
	for (size_t i = 0; i < refs.n; i++) {
		_cleanup_json_ json_t *objs = json_array();
		size_t j;
		json_t *obj;

		if (!objs || find(cli, refs.v[i].kind, ns, refs.v[i].name,
				  labels, objs) < 0) {
			rc = 1;
			continue;
		}
		json_array_foreach (objs, j, obj) {
			if (!first)
				printf("\n\n");
			first = false;
			rc |= describe_one(cli, refs.v[i].kind, obj);
		}
	}
	if (first && !rc)
		fprintf(stderr, "No resources found in %s namespace.\n",
			ns ? ns : "any");
	refs_release(&refs);
	return rc;
}
