/*
 * auth.c — kubefs auth can-i and kubefs auth whoami: questions the
 * server answers for its caller (after impersonation), through the
 * mount's `whoami` file and its `can-i?QUERY` files.
 *
 *   can-i?verb=V&group=G&resource=R&subresource=S&name=N&namespace=NS
 *   can-i?verb=V&path=%2Flogs
 *
 * The file reads "yes" or "no[ - reason]", as kubectl prints the
 * SelfSubjectAccessReview's answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/kinds.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/resource.h"

#define ANSWER_MAX 4096

static const struct command_help auth_help = {
    .name = "auth",
    .desc = "Inspect authorization.",
    .examples = "  # Check to see if I can create pods in any namespace\n"
		"  kubefs auth can-i create pods --all-namespaces\n\n"
		"  # Check to see if I can list deployments in my current "
		"namespace\n"
		"  kubefs auth can-i list deployments.apps\n\n"
		"  # Check to see if I can read pod logs\n"
		"  kubefs auth can-i get pods --subresource=log\n\n"
		"  # Check to see if I can access the URL /logs/\n"
		"  kubefs auth can-i get /logs/\n\n"
		"  # Get your subject attributes\n"
		"  kubefs auth whoami",
    .usage = "auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL] | "
	     "auth whoami [options]",
};

/* s with every byte outside [A-Za-z0-9._:-] as %XX, into buf. */
static const char *escape(const char *s, char *buf, size_t size)
{
	size_t j = 0;

	for (; *s && j + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("._:-", c))
			buf[j++] = (char)c;
		else
			j += (size_t)snprintf(buf + j, size - j, "%%%02X", c);
	}
	buf[j] = '\0';
	return buf;
}

/* The whole content of file path (at most ANSWER_MAX bytes), owned. */
static char *slurp(const char *path, int *ret_errno)
{
	char *buf = calloc(1, ANSWER_MAX + 1);
	size_t n = 0;
	FILE *f;

	if (!buf)
		return NULL;
	f = fopen(path, "re");
	if (!f) {
		*ret_errno = errno;
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, ANSWER_MAX, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int can_i(struct cli *cli, int argc, char **argv, const char *ns,
		 bool all_ns, const char *sub)
{
	char q[3][768], path[4096];
	_cleanup_free_ char *answer = NULL;
	const struct kind_info *k = NULL;
	const char *name = "", *res;
	char type[256];
	int e = 0;

	if (argc < 3)
		return cli_fail("you must specify two arguments: verb resource "
				"or verb resource/resourceName.\nSee 'kubefs "
				"auth can-i -h' for help and examples");
	if (argv[2][0] == '/') {
		snprintf(path, sizeof(path), "%s/can-i?verb=%s&path=%s",
			 cli->mount, escape(argv[1], q[0], sizeof(q[0])),
			 escape(argv[2], q[1], sizeof(q[1])));
	} else {
		const char *slash = strchr(argv[2], '/');

		snprintf(type, sizeof(type), "%.*s",
			 slash ? (int)(slash - argv[2]) : (int)strlen(argv[2]),
			 argv[2]);
		if (slash)
			name = slash + 1;
		else if (argc > 3)
			name = argv[3];
		k = kinds_by_name(type);
		if (!k)
			fprintf(stderr,
				"Warning: the server doesn't have a resource "
				"type '%s'\n\n",
				type);
		res = k ? k->resource : type;
		snprintf(path, sizeof(path),
			 "%s/can-i?verb=%s&group=%s&resource=%s&subresource=%s"
			 "&name=%s&namespace=%s",
			 cli->mount, escape(argv[1], q[0], sizeof(q[0])),
			 k ? k->group : "", escape(res, q[1], sizeof(q[1])),
			 sub ? sub : "", escape(name, q[2], sizeof(q[2])),
			 all_ns || (k && !k->namespaced) ? ""
							 : ref_namespace(ns));
	}
	answer = slurp(path, &e);
	if (!answer)
		return cli_fail("cannot ask the server: %s", strerror(e));
	fputs(answer, stdout);
	return strncmp(answer, "yes", 3) ? 1 : 0;
}

static int whoami(struct cli *cli)
{
	char path[4096];
	_cleanup_free_ char *answer = NULL;
	_cleanup_json_ json_t *review = NULL;
	const json_t *info, *g;
	size_t i;
	int e = 0;

	snprintf(path, sizeof(path), "%s/whoami", cli->mount);
	answer = slurp(path, &e);
	if (!answer)
		return cli_fail("cannot ask the server: %s", strerror(e));
	review = json_loads(answer, 0, NULL);
	info = json_object_get(json_object_get(review, "status"), "userInfo");
	if (!info)
		return cli_fail(
		    "the server's whoami is not a SelfSubjectReview");
	printf("ATTRIBUTE   VALUE\nUsername    %s\nGroups      [",
	       json_string_value(json_object_get(info, "username")));
	json_array_foreach (json_object_get(info, "groups"), i, g)
		printf("%s%s", i ? " " : "", json_string_value(g));
	printf("]\n");
	return 0;
}

int cmd_auth(struct cli *cli, int argc, char **argv)
{
	const char *ns = NULL, *sub = NULL;
	bool all_ns = false;
	const struct flag flags[] = {
	    {"namespace", 'n', FLAG_STRING, &ns, "''",
	     "If present, the namespace scope for this CLI request"},
	    {"all-namespaces", 'A', FLAG_BOOL, &all_ns, "false",
	     "If true, check the specified action in all namespaces."},
	    {"subresource", 0, FLAG_STRING, &sub, "''",
	     "SubResource such as pod/log or deployment/scale"},
	    {NULL},
	};
	int n, r;

	r = flags_parse(&auth_help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (n < 2)
		return cli_fail(
		    "you must specify a subcommand: can-i or whoami");
	if (!strcmp(argv[1], "whoami"))
		return whoami(cli);
	if (!strcmp(argv[1], "can-i"))
		return can_i(cli, n - 1, argv + 1, ns, all_ns, sub);
	return cli_fail("unknown command \"%s\" for \"kubefs auth\"", argv[1]);
}
