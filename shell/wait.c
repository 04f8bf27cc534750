/*
 * wait.c — kubefs wait: block until objects meet a condition
 * (--for=condition=Ready), are deleted (--for=delete), or a JSONPath
 * expression has a value (--for=jsonpath='{.status.phase}'=Running).
 * Objects are re-read on every change their kind's @watch stream reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/cleanup.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/jsonpath.h"
#include "shell/printers.h"
#include "shell/resource.h"

enum wait_for { FOR_CONDITION, FOR_DELETE, FOR_JSONPATH };

struct waiter {
	enum wait_for what;
	char cond[256];	 /* FOR_CONDITION: type */
	char value[512]; /* expected status / jsonpath value */
	bool has_value;	 /* FOR_JSONPATH: "=value" given */
	struct jsonpath *jp;
	long long timeout_ms;
};

static const struct command_help help = {
    .name = "wait",
    .desc = "Experimental: Wait for a specific condition on one or many "
	    "resources.\n\n The command takes multiple resources and waits "
	    "until the specified condition is seen in the Status field of "
	    "every given resource.\n\n Alternatively, the command can wait "
	    "for the given set of resources to be deleted by providing the "
	    "\"delete\" keyword as the value to the --for flag.\n\n A "
	    "successful message will be printed to stdout indicating when "
	    "the specified condition has been met. You can use -o option to "
	    "change to output destination.",
    .examples = "  # Wait for the pod \"busybox1\" to contain the status "
		"condition of type \"Ready\"\n"
		"  kubefs wait --for=condition=Ready pod/busybox1\n\n"
		"  # The default value of status condition is true; you can "
		"wait for other targets after an equal delimiter\n"
		"  kubefs wait --for=condition=Ready=false pod/busybox1\n\n"
		"  # Wait for the pod \"busybox1\" to contain the status phase "
		"to be \"Running\"\n"
		"  kubefs wait --for=jsonpath='{.status.phase}'=Running "
		"pod/busybox1\n\n"
		"  # Wait for the pod \"busybox1\" to be deleted, with a "
		"timeout of 60s\n"
		"  kubefs delete pod/busybox1 --wait=false\n"
		"  kubefs wait --for=delete pod/busybox1 --timeout=60s",
    .usage = "wait ([-f FILENAME] | resource.group/resource.name | "
	     "resource.group [(-l label | --all)]) "
	     "[--for=delete|--for condition=available|--for=jsonpath='{}'"
	     "[=value]] [flags] [options]",
};

static int parse_for(const char *s, struct waiter *w)
{
	struct kf_error err;

	if (!s || !*s)
		return cli_fail("--for must be set");
	if (!strcasecmp(s, "delete")) {
		w->what = FOR_DELETE;
		return 0;
	}
	if (!strncasecmp(s, "condition=", 10)) {
		const char *c = s + 10, *eq = strchr(c, '=');
		size_t n = eq ? (size_t)(eq - c) : strlen(c);

		if (!n || n >= sizeof(w->cond))
			return cli_fail("invalid condition: %s", s);
		w->what = FOR_CONDITION;
		snprintf(w->cond, sizeof(w->cond), "%.*s", (int)n, c);
		snprintf(w->value, sizeof(w->value), "%s",
			 eq ? eq + 1 : "true");
		return 0;
	}
	if (!strncasecmp(s, "jsonpath=", 9)) {
		const char *t = s + 9, *close;
		_cleanup_free_ char *expr = NULL;

		if (*t != '{' || !(close = strrchr(t, '}')))
			return cli_fail(
			    "jsonpath wait format must be "
			    "--for=jsonpath='{.status.readyReplicas}'"
			    "=3 or --for=jsonpath='{.status."
			    "readyReplicas}'");
		expr = strndup(t, (size_t)(close - t) + 1);
		if (!expr)
			return cli_fail("out of memory");
		kf_error_init(&err);
		if (jsonpath_parse(expr, &err, &w->jp) < 0)
			return cli_fail("%s", err.msg);
		w->what = FOR_JSONPATH;
		if (close[1] == '=') {
			w->has_value = true;
			snprintf(w->value, sizeof(w->value), "%s", close + 2);
		} else if (close[1]) {
			return cli_fail(
			    "jsonpath wait format must be "
			    "--for=jsonpath='{.status.readyReplicas}'"
			    "=3");
		}
		return 0;
	}
	return cli_fail("unrecognized condition: \"%s\"", s);
}

/* Does obj meet the condition? */
static bool met(const struct waiter *w, const json_t *obj)
{
	size_t i;
	json_t *c;

	if (w->what == FOR_CONDITION) {
		long long gen = jint(obj, "metadata.generation", 0);

		json_array_foreach (jget(obj, "status.conditions"), i, c) {
			long long og = jint(c, "observedGeneration", 0);

			if (strcasecmp(jstr(c, "type") ?: "", w->cond))
				continue;
			if (og && gen && og < gen)
				return false;
			return !strcasecmp(jstr(c, "status") ?: "", w->value);
		}
		return false;
	}
	if (w->what == FOR_JSONPATH) {
		_cleanup_free_ char *text = jsonpath_text(w->jp, obj);

		if (!text)
			return false;
		if (!w->has_value)
			return *text != '\0';
		return !strcmp(text, w->value);
	}
	return false;
}

/* Wait for one object; prints the outcome. */
static int wait_one(struct cli *cli, const struct waiter *w,
		    const struct kind_info *k, const char *ns, const char *name,
		    const char *uid)
{
	struct change_waiter cw;
	char what[600];
	int rc = 0;

	ref_slash_name(k, name, what, sizeof(what));
	change_waiter_init(&cw, cli->client, k, ns,
			   w->timeout_ms > 0 ? w->timeout_ms : 1);
	for (;;) {
		_cleanup_json_ json_t *obj = NULL;
		struct kf_error err;
		int r;

		kf_error_init(&err);
		r = client_get(cli->client, k, ns, name, &err, &obj);
		if (w->what == FOR_DELETE &&
		    (r == -ENOENT ||
		     (r == 0 && uid &&
		      strcmp(jstr(obj, "metadata.uid") ?: "", uid)))) {
			cli_progress_done(cli);
			printf("%s condition met\n", what);
			break;
		}
		if (r < 0) {
			cli_progress_done(cli);
			rc = cli_error(r, &err, NULL);
			break;
		}
		if (w->what != FOR_DELETE && met(w, obj)) {
			cli_progress_done(cli);
			printf("%s condition met\n", what);
			break;
		}
		if (w->timeout_ms == 0 ||
		    change_waiter_wait(&cw, 1000) == -ETIMEDOUT) {
			cli_progress_done(cli);
			fprintf(stderr,
				"error: timed out waiting for the condition on "
				"%s/%s\n",
				ref_resource(k), name);
			rc = 1;
			break;
		}
		if (cli->tty)
			cli_progress(cli, "waiting for %s", what);
	}
	change_waiter_release(&cw);
	fflush(stdout);
	return rc;
}

int cmd_wait(struct cli *cli, int argc, char **argv)
{
	const char *ns_flag = NULL, *labels = NULL, *for_ = NULL;
	struct waiter w = {.timeout_ms = 30000};
	bool all = false, all_ns = false;
	const struct flag flags[] = {
	    {"all", 0, FLAG_BOOL, &all, "false",
	     "Select all resources in the namespace of the specified resource "
	     "types"},
	    {"all-namespaces", 'A', FLAG_BOOL, &all_ns, "false",
	     "If present, list the requested object(s) across all "
	     "namespaces."},
	    {"for", 0, FLAG_STRING, &for_, "''",
	     "The condition to wait on: [delete|condition=condition-name"
	     "[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath "
	     "value]]. The default condition-value is true. Condition "
	     "values are compared after Unicode simple case folding."},
	    {"namespace", 'n', FLAG_STRING, &ns_flag, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"selector", 'l', FLAG_STRING, &labels, "''",
	     "Selector (label query) to filter on."},
	    {"timeout", 0, FLAG_DURATION, &w.timeout_ms, "30s",
	     "The length of time to wait before giving up. Zero means check "
	     "once and don't wait."},
	    {NULL},
	};
	struct refs refs = {0};
	const char *ns;
	size_t waited = 0;
	int n, r, rc = 0;

	r = flags_parse(&help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (parse_for(for_, &w)) {
		jsonpath_free(w.jp);
		return 1;
	}
	if (refs_parse("wait", n - 1, argv + 1, &refs) < 0) {
		jsonpath_free(w.jp);
		return 1;
	}
	ns = all_ns ? NULL : ref_namespace(ns_flag);
	if (!refs.by_name && !all && !labels) {
		rc = cli_fail("resource(s) were provided, but no name was "
			      "specified");
		goto out;
	}
	if (cli_connect(cli) < 0) {
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < refs.n; i++) {
		const struct ref *f = &refs.v[i];
		_cleanup_json_ json_t *items = NULL;
		struct kf_error err;
		size_t j;
		json_t *obj;

		if (f->name) {
			waited++;
			rc |= wait_one(cli, &w, f->kind, ns, f->name, NULL);
			continue;
		}
		kf_error_init(&err);
		r = client_list(cli->client, f->kind, ns, labels, NULL, &err,
				&items, NULL);
		if (r < 0) {
			rc |= cli_error(r, &err, NULL);
			continue;
		}
		json_array_foreach (items, j, obj) {
			waited++;
			rc |= wait_one(cli, &w, f->kind,
				       jstr(obj, "metadata.namespace"),
				       jstr(obj, "metadata.name") ?: "",
				       jstr(obj, "metadata.uid"));
		}
	}
	if (!waited && !rc)
		rc = cli_fail("no matching resources found");
out:
	refs_release(&refs);
	jsonpath_free(w.jp);
	return rc;
}
