/*
 * info.c — kubefs explain, version, api-resources, api-versions: what the
 * cluster serves, from the kind registry and the mount's `resources` and
 * `version` files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/version.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

/* Lines of `resources` read at most. */
#define RESOURCES_MAX 4096

static const struct command_help explain_help = {
    .name = "explain",
    .desc = "Describe fields and structure of various resources.\n\n This "
	    "command describes a kind as the cluster serves it: its group, "
	    "version and kind, the resource (directory) it lives in, whether "
	    "it is namespaced, its subresources (NAME@status, NAME@scale, "
	    "...), its short names, and its top-level fields.",
    .examples = "  # Get the documentation of the resource and its fields\n"
		"  kubefs explain pods\n\n"
		"  # Get the documentation of a specific group\n"
		"  kubefs explain deployments.apps",
    .usage = "explain TYPE [options]",
};

static const struct command_help version_help = {
    .name = "version",
    .desc = "Print the client and server version information for the "
	    "current context.",
    .examples = "  # Print the client and server versions for the current "
		"context\n"
		"  kubefs version",
    .usage = "version [flags] [options]",
};

static const struct command_help resources_help = {
    .name = "api-resources",
    .desc = "Print the supported API resources on the server (the "
	    "mount's `resources` file).",
    .examples =
	"  # Print the supported API resources\n"
	"  kubefs api-resources\n\n"
	"  # Print the supported API resources with more information\n"
	"  kubefs api-resources -o wide\n\n"
	"  # Print the supported namespaced resources\n"
	"  kubefs api-resources --namespaced=true\n\n"
	"  # Print the supported API resources with a specific APIGroup\n"
	"  kubefs api-resources --api-group=apps",
    .usage = "api-resources [flags] [options]",
};

static const struct command_help versions_help = {
    .name = "api-versions",
    .desc = "Print the supported API versions on the server, in the form "
	    "of \"group/version\".",
    .examples = "  # Print the supported API versions\n"
		"  kubefs api-versions",
    .usage = "api-versions [options]",
};

static void subresources_text(const struct kind_info *k, char *buf, size_t size)
{
	static const char *const names[] = {"status", "scale", "binding", "log",
					    "eviction"};
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned b = 0; b < 5; b++)
		if (k->subresources & (1u << b))
			used += (size_t)snprintf(
			    buf + used, used < size ? size - used : 0, "%s%s",
			    used ? ", " : "", names[b]);
	if (!used)
		snprintf(buf, size, "<none>");
}

int cmd_explain(struct cli *cli, int argc, char **argv)
{
	const struct flag flags[] = {{NULL}};
	const struct kind_info *k;
	char subs[128], *dot;
	int n, r;

	r = flags_parse(&explain_help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (n != 2) {
		fprintf(stderr, "You must specify the type of resource to "
				"explain. Use \"kubefs api-resources\" for a "
				"complete list of supported resources.\n");
		return 1;
	}
	k = kinds_by_name(argv[1]);
	dot = strchr(argv[1], '.');
	if (!k && dot) {
		*dot = '\0';
		k = kinds_by_name(argv[1]);
		if (k)
			return cli_fail("field \"%s\" cannot be explained: "
					"kubefs explains kinds, not their "
					"fields",
					dot + 1);
		*dot = '.';
	}
	if (!k)
		return cli_fail("the server doesn't have a resource type "
				"\"%s\"",
				argv[1]);
	subresources_text(k, subs, sizeof(subs));
	if (*k->group)
		printf("GROUP:      %s\n", k->group);
	printf("KIND:       %s\nVERSION:    %s\n\n", k->kind, k->version);
	printf("RESOURCE:   %s\n", k->resource);
	printf("SCOPE:      %s\n", k->namespaced ? "Namespaced" : "Cluster");
	printf("SUBRESOURCES: %s\n", subs);
	printf("SHORT NAMES: %s\n",
	       *k->short_names ? k->short_names : "<none>");
	printf("PATH:       %s/%s/%s%s/NAME\n\n", k->path_group, k->version,
	       k->resource, k->namespaced ? "/NAMESPACE" : "");
	printf("DESCRIPTION:\n    A %s is stored as one file per object; "
	       "reading it gives the object as YAML,\n    NAME@json as JSON."
	       "%s%s\n\n",
	       k->kind, k->touch_creates ? " `touch NAME` creates one." : "",
	       (k->subresources & KIND_SUB_SCALE)
		   ? " NAME@scale reads and sets spec.replicas."
		   : "");
	printf("FIELDS:\n");
	printf("  apiVersion\t<string>\n    \"%s\"\n\n", k->api_version);
	printf("  kind\t<string>\n    \"%s\"\n\n", k->kind);
	printf("  metadata\t<ObjectMeta>\n    Standard object's metadata: "
	       "name%s, labels, annotations, ...\n\n",
	       k->namespaced ? ", namespace" : "");
	printf("  spec\t<%sSpec>\n    The desired state, validated by the API "
	       "server on every write.\n\n",
	       k->kind);
	if (k->subresources & KIND_SUB_STATUS)
		printf("  status\t<%sStatus>\n    The observed state; written "
		       "through NAME@status only.\n\n",
		       k->kind);
	(void)cli;
	return 0;
}

/* The mount's `version` file, first line, or NULL. Owned. */
static char *server_version(struct cli *cli)
{
	char path[4096], buf[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/version", cli->mount);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

int cmd_version(struct cli *cli, int argc, char **argv)
{
	bool client_only = false;
	const char *output = NULL;
	const struct flag flags[] = {
	    {"client", 0, FLAG_BOOL, &client_only, "false",
	     "If true, shows client version only (no server required)."},
	    {"output", 'o', FLAG_STRING, &output, "''",
	     "One of 'yaml' or 'json'."},
	    {NULL},
	};
	_cleanup_free_ char *server = NULL;
	int n, r;

	r = flags_parse(&version_help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (output && strcmp(output, "json") && strcmp(output, "yaml"))
		return cli_fail("--output must be 'yaml' or 'json'");
	if (!client_only && cli_connect(cli) == 0)
		server = server_version(cli);
	if (output) {
		const char *fmt =
		    !strcmp(output, "json")
			? "{\n  \"clientVersion\": {\n    "
			  "\"gitVersion\": \"v%s\"\n  }%s%s%s\n}\n"
			: "clientVersion:\n  gitVersion: v%s\n%s%s%s";

		if (!strcmp(output, "json"))
			printf(fmt, KUBEFS_VERSION,
			       server ? ",\n  \"serverVersion\": {\n    "
					"\"gitVersion\": \""
				      : "",
			       server ? server : "", server ? "\"\n  }" : "");
		else
			printf(fmt, KUBEFS_VERSION,
			       server ? "serverVersion:\n  gitVersion: " : "",
			       server ? server : "", server ? "\n" : "");
	} else {
		printf("Client Version: v%s\n", KUBEFS_VERSION);
		if (server)
			printf("Server Version: %s\n", server);
	}
	return client_only || server ? 0 : 1;
}

struct resource_line {
	char name[160], group[160], version[32], kind[160], subs[160];
	const char *short_names;
	bool namespaced;
};

static int cmp_lines(const void *a, const void *b)
{
	const struct resource_line *x = a, *y = b;
	int r = strcmp(x->group, y->group);

	return r ? r : strcmp(x->name, y->name);
}

/* Read and parse the mount's `resources` file. */
static int read_resources(struct cli *cli, struct resource_line **ret,
			  size_t *ret_n)
{
	char path[4096], line[1024];
	struct resource_line *v = calloc(RESOURCES_MAX, sizeof(*v));
	size_t n = 0;
	FILE *f;

	if (!v)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/resources", cli->mount);
	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		free(v);
		cli_fail("cannot read %s: %s", path, strerror(e));
		return -e;
	}
	while (n < RESOURCES_MAX && fgets(line, sizeof(line), f)) {
		char p[512], kind[160], scope[32], subs[160];
		struct resource_line *l = &v[n];
		const struct kind_info *k;
		char *g, *ver, *res;

		if (sscanf(line, "%511s %159s %31s %159s", p, kind, scope,
			   subs) != 4)
			continue;
		g = strtok(p, "/");
		ver = strtok(NULL, "/");
		res = strtok(NULL, "/");
		if (!g || !ver || !res)
			continue;
		k = kinds_by_path(g, ver, res);
		snprintf(l->name, sizeof(l->name), "%s", res);
		snprintf(l->group, sizeof(l->group), "%s",
			 strcmp(g, "core") ? g : "");
		snprintf(l->version, sizeof(l->version), "%s", ver);
		snprintf(l->kind, sizeof(l->kind), "%s", kind);
		snprintf(l->subs, sizeof(l->subs), "%s", subs);
		l->namespaced = !strcmp(scope, "namespaced");
		l->short_names = k ? k->short_names : "";
		n++;
	}
	fclose(f);
	qsort(v, n, sizeof(*v), cmp_lines);
	*ret = v;
	*ret_n = n;
	return 0;
}

int cmd_api_resources(struct cli *cli, int argc, char **argv)
{
	const char *namespaced = NULL, *group = NULL, *output = NULL;
	bool no_headers = false;
	const struct flag flags[] = {
	    {"api-group", 0, FLAG_STRING, &group, "''",
	     "Limit to resources in the specified API group."},
	    {"namespaced", 0, FLAG_STRING, &namespaced, "true",
	     "If false, non-namespaced resources will be returned, otherwise "
	     "returning namespaced resources by default."},
	    {"no-headers", 0, FLAG_BOOL, &no_headers, "false",
	     "When using the default or custom-column output format, don't "
	     "print headers (default print headers)."},
	    {"output", 'o', FLAG_STRING, &output, "''",
	     "Output format. One of: (wide, name)."},
	    {NULL},
	};
	struct resource_line *v = NULL;
	struct table t = {0};
	struct row r = {0};
	bool wide, name_only;
	size_t n = 0;
	int argn, ret;

	ret = flags_parse(&resources_help, flags, argc, argv, &argn);
	if (ret)
		return ret == FLAGS_HELP ? 0 : 1;
	if (output && strcmp(output, "wide") && strcmp(output, "name"))
		return cli_fail("--output %s is not available", output);
	if (namespaced && strcmp(namespaced, "true") &&
	    strcmp(namespaced, "false"))
		return cli_fail("invalid argument \"%s\" for \"--namespaced\" "
				"flag: strconv.ParseBool: parsing \"%s\": "
				"invalid syntax",
				namespaced, namespaced);
	wide = output && !strcmp(output, "wide");
	name_only = output && !strcmp(output, "name");
	if (cli_connect(cli) < 0 || read_resources(cli, &v, &n) < 0)
		return 1;
	if (!no_headers && !name_only)
		ret = row_addf(&r, "NAME") ?: row_addf(&r, "SHORTNAMES")
		    ?: row_addf(&r, "APIVERSION") ?: row_addf(&r, "NAMESPACED")
		    ?: row_addf(&r, "KIND")
		    ?: (wide ? row_addf(&r, "SUBRESOURCES") : 0)
		    ?: table_add(&t, &r);
	for (size_t i = 0; !ret && i < n; i++) {
		const struct resource_line *l = &v[i];

		if (namespaced && l->namespaced != !strcmp(namespaced, "true"))
			continue;
		if (group && strcmp(group, l->group))
			continue;
		if (name_only) {
			printf("%s%s%s\n", l->name, *l->group ? "." : "",
			       l->group);
			continue;
		}
		ret = row_addf(&r, "%s", l->name)
		    ?: row_addf(&r, "%s", l->short_names ? l->short_names : "")
		    ?: row_addf(&r, "%s%s%s", l->group, *l->group ? "/" : "",
				l->version)
		    ?: row_addf(&r, "%s", l->namespaced ? "true" : "false")
		    ?: row_addf(&r, "%s", l->kind)
		    ?: (wide ? row_addf(&r, "%s", l->subs) : 0)
		    ?: table_add(&t, &r);
	}
	row_release(&r);
	if (!name_only)
		table_print(stdout, &t, NULL);
	table_release(&t);
	free(v);
	return ret ? 1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cmd_api_versions(struct cli *cli, int argc, char **argv)
{
	const struct flag flags[] = {{NULL}};
	struct resource_line *v = NULL;
	const char **gv;
	char(*buf)[200];
	size_t n = 0, m = 0;
	int argn, r;

	r = flags_parse(&versions_help, flags, argc, argv, &argn);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (cli_connect(cli) < 0 || read_resources(cli, &v, &n) < 0)
		return 1;
	gv = calloc(n + 1, sizeof(*gv));
	buf = calloc(n + 1, sizeof(*buf));
	if (!gv || !buf) {
		free(v);
		free(gv);
		free(buf);
		return cli_fail("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		snprintf(buf[i], sizeof(buf[i]), "%s%s%s", v[i].group,
			 *v[i].group ? "/" : "", v[i].version);
		for (size_t j = 0; j < m; j++)
			dup |= !strcmp(gv[j], buf[i]);
		if (!dup)
			gv[m++] = buf[i];
	}
	qsort(gv, m, sizeof(*gv), cmp_str);
	for (size_t i = 0; i < m; i++)
		printf("%s\n", gv[i]);
	free(v);
	free(gv);
	free(buf);
	return 0;
}
