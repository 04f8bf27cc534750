/*
 * logs.c — kubefs logs: a container's log read from POD@log /
 * POD@log.CONTAINER, which the API server fetches from the pod's node
 * agent. -f reads NAME@log?follow=true, which streams until the
 * container's run ends or the pod goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

/* -f looks again this often while nothing serves the log. */
#define FOLLOW_RETRY_MS 1000

struct logs_opts {
	const char *ns, *container;
	bool follow, previous, timestamps;
	long long tail, since_ms;
};

static const struct command_help help = {
    .name = "logs",
    .desc = "Print the logs for a container in a pod. If the pod has only "
	    "one container, the container name is optional.\n\n The logs "
	    "are served by the node agent running the pod, through the "
	    "pod's NAME@log file; a pod that is not running on a node has "
	    "none yet, and the command says so.",
    .examples = "  # Return snapshot logs from pod nginx with only one "
		"container\n"
		"  kubefs logs nginx\n\n"
		"  # Return snapshot logs from container ruby of pod web-1\n"
		"  kubefs logs web-1 -c ruby\n\n"
		"  # Begin streaming the logs of the ruby container in pod "
		"web-1\n"
		"  kubefs logs -f -c ruby web-1\n\n"
		"  # Display only the most recent 20 lines of output in pod "
		"nginx\n"
		"  kubefs logs --tail=20 nginx",
    .usage = "logs [-f] [-c CONTAINER] (POD | pod/POD) [flags] [options]",
};

/* The container to read: -c, the default-container annotation, or the
 * first one. NULL (message printed) when -c names no container. */
static const char *pick_container(const json_t *pod, const char *want,
				  bool *ret_only)
{
	json_t *cs = jget(pod, "spec.containers");
	json_t *inits = jget(pod, "spec.initContainers");
	size_t i;
	json_t *c;

	*ret_only = json_array_size(cs) == 1 && !json_array_size(inits);
	if (want) {
		json_array_foreach (cs, i, c)
			if (!strcmp(jstr(c, "name") ?: "", want))
				return want;
		json_array_foreach (inits, i, c)
			if (!strcmp(jstr(c, "name") ?: "", want))
				return want;
		cli_fail("container %s is not valid for pod %s", want,
			 jstr(pod, "metadata.name") ?: "");
		return NULL;
	}
	return cli_pod_default_container(pod, false);
}

const char *cli_pod_default_container(const json_t *pod, bool quiet)
{
	json_t *cs = jget(pod, "spec.containers");
	const char *def = json_string_value(
	    json_object_get(jget(pod, "metadata.annotations"),
			    "kubectl.kubernetes.io/default-container"));
	size_t i;
	json_t *c;

	if (def)
		return def;
	if (json_array_size(cs) > 1 && !quiet) {
		fprintf(stderr, "Defaulted container \"%s\" out of: ",
			jstr(json_array_get(cs, 0), "name") ?: "");
		json_array_foreach (cs, i, c)
			fprintf(stderr, "%s%s", i ? ", " : "",
				jstr(c, "name") ?: "");
		fprintf(stderr, "\n");
	}
	return jstr(json_array_get(cs, 0), "name");
}

int cli_pod_arg(struct cli *cli, const char *arg, const char *ns_flag,
		const char *what, const char *why, const char **ret_ns,
		json_t **ret_pod)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	const char *name = arg;
	struct kf_error err;
	int r;

	if (!strncmp(name, "pod/", 4) || !strncmp(name, "pods/", 5) ||
	    !strncmp(name, "po/", 3))
		name = strchr(name, '/') + 1;
	else if (strchr(name, '/'))
		return cli_fail("cannot %s %s: only pods %s here", what, name,
				why);
	if (!pk)
		return cli_fail("the server doesn't have a resource type "
				"\"pods\"");
	*ret_ns = ref_namespace(ns_flag);
	if (cli_connect(cli) < 0)
		return 1;
	kf_error_init(&err);
	r = client_get(cli->client, pk, *ret_ns, name, &err, ret_pod);
	return r < 0 ? cli_error(r, &err, NULL) : 0;
}

/* The status of container name in pod, or NULL. Borrowed. */
static json_t *container_status(const json_t *pod, const char *name)
{
	size_t i;
	json_t *s;

	json_array_foreach (jget(pod, "status.containerStatuses"), i, s)
		if (!strcmp(jstr(s, "name") ?: "", name))
			return s;
	json_array_foreach (jget(pod, "status.initContainerStatuses"), i, s)
		if (!strcmp(jstr(s, "name") ?: "", name))
			return s;
	return NULL;
}

/* Why there are no logs to show, in Kubernetes' words when it has some. */
static int explain_empty(const json_t *pod, const char *container, bool missing)
{
	const char *name = jstr(pod, "metadata.name") ?: "";
	const char *node = jstr(pod, "spec.nodeName");
	json_t *st = container_status(pod, container);
	const char *wait = jstr(st, "state.waiting.reason");

	if (!node || !*node) {
		fprintf(stderr,
			"Error from server (BadRequest): container \"%s\" in "
			"pod \"%s\" is waiting to start: the pod is not "
			"scheduled to a node yet\n",
			container, name);
		return 1;
	}
	if (wait) {
		fprintf(stderr,
			"Error from server (BadRequest): container \"%s\" in "
			"pod \"%s\" is waiting to start: %s\n",
			container, name, wait);
		return 1;
	}
	if (missing) {
		fprintf(stderr,
			"error: no logs are available for container \"%s\" in "
			"pod \"%s\": the node agent of node \"%s\" has not "
			"served them (is kubefs-node running there?)\n",
			container, name, node);
		return 1;
	}
	fprintf(stderr,
		"(no logs yet: container \"%s\" in pod \"%s\" on node \"%s\" "
		"has written nothing)\n",
		container, name, node);
	return 0;
}

/* Print the last n lines of text (all of it when n < 0). */
static void print_tail(const char *text, size_t len, long long n)
{
	size_t start = len;

	if (n < 0) {
		fwrite(text, 1, len, stdout);
		return;
	}
	if (n == 0)
		return;
	if (start && text[start - 1] == '\n')
		start--;
	while (start > 0 && n > 0) {
		start--;
		if (text[start] == '\n' && --n == 0) {
			start++;
			break;
		}
	}
	fwrite(text + start, 1, len - start, stdout);
}

/* Has the container stopped for good (or the pod gone)? */
static bool finished(struct cli *cli, const char *ns, const char *name,
		     const char *uid, const char *container)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *pod = NULL;
	const char *phase;

	if (client_get(cli->client, pk, ns, name, NULL, &pod) < 0)
		return true;
	if (uid && strcmp(jstr(pod, "metadata.uid") ?: "", uid))
		return true;
	phase = jstr(pod, "status.phase") ?: "";
	if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
		return true;
	return jget(container_status(pod, container), "state.terminated") &&
	       !strcmp(jstr(pod, "spec.restartPolicy") ?: "Always", "Never");
}

/* Append fmt (with one long long) to *s. */
static int appendf(char **s, const char *fmt, long long v)
{
	_cleanup_free_ char *tail = NULL;
	char *n = NULL;

	if (asprintf(&tail, fmt, v) < 0 || asprintf(&n, "%s%s", *s, tail) < 0)
		return -ENOMEM;
	free(*s);
	*s = n;
	return 0;
}

/* Copy the followed log at path to stdout: the bytes, -errno. */
static ssize_t stream_log(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		total += n;
	}
	return n < 0 && errno != EINTR ? -errno : total;
}

/*
 * Read NAME@log[.CONTAINER]?PARAMS (previous, timestamps, tailLines,
 * sinceSeconds, follow) to stdout. Following, the agent sends the log
 * so far and then each line the container writes, and the stream ends
 * with the container's run; while there is nothing to follow yet (no
 * agent serves the pod), say so once and look again every
 * FOLLOW_RETRY_MS until the pod is done.
 */
static int follow(struct cli *cli, const char *ns, const json_t *pod,
		  const char *container, bool only, const struct logs_opts *o)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	const char *name = jstr(pod, "metadata.name");
	_cleanup_free_ char *sub = NULL, *path = NULL, *full = NULL;
	bool explained = false;
	ssize_t n;
	int r;

	if (asprintf(&sub, "@log%s%s", only ? "" : ".", only ? "" : container) <
		0 ||
	    client_path(cli->client, pk, ns, name, sub, &path) < 0 ||
	    asprintf(&full, "%s?follow=%s&previous=%s&timestamps=%s", path,
		     o->follow ? "true" : "false",
		     o->previous ? "true" : "false",
		     o->timestamps ? "true" : "false") < 0)
		return cli_fail("cannot read the log of container %s",
				container);
	if (o->tail >= 0 && appendf(&full, "&tailLines=%lld", o->tail) < 0)
		return cli_fail("out of memory");
	if (o->since_ms > 0 && appendf(&full, "&sinceSeconds=%lld",
				       (o->since_ms + 999) / 1000) < 0)
		return cli_fail("out of memory");
	for (;;) {
		n = stream_log(full);
		if (n == -ENOENT && o->previous) {
			fprintf(stderr,
				"Error from server (BadRequest): previous "
				"terminated container \"%s\" in pod \"%s\" not "
				"found\n",
				container, name);
			return 1;
		}
		if (n == -ENOENT)
			return explain_empty(pod, container, true);
		if (n < 0)
			return cli_fail("reading the log: %s",
					strerror((int)-n));
		if (n > 0)
			return 0;
		if (!explained || !o->follow) {
			r = explain_empty(pod, container, false);
			if (r)
				return r;
			explained = true;
			if (!o->follow)
				return 0;
		}
		if (finished(cli, ns, name, jstr(pod, "metadata.uid"),
			     container))
			return 0;
		cli_sleep_ms(FOLLOW_RETRY_MS);
	}
}

int cmd_logs(struct cli *cli, int argc, char **argv)
{
	struct logs_opts o = {.tail = -1};
	const struct flag flags[] = {
	    {"container", 'c', FLAG_STRING, &o.container, "''",
	     "Print the logs of this container"},
	    {"follow", 'f', FLAG_BOOL, &o.follow, "false",
	     "Specify if the logs should be streamed."},
	    {"namespace", 'n', FLAG_STRING, &o.ns, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"previous", 'p', FLAG_BOOL, &o.previous, "false",
	     "If true, print the logs for the previous instance of the "
	     "container in a pod if it exists."},
	    {"since", 0, FLAG_DURATION, &o.since_ms, "0s",
	     "Only return logs newer than a relative duration like 5s, 2m, "
	     "or 3h. Defaults to all logs."},
	    {"timestamps", 0, FLAG_BOOL, &o.timestamps, "false",
	     "Include timestamps on each line in the log output"},
	    {"tail", 0, FLAG_INT, &o.tail, "-1",
	     "Lines of recent log file to display. Defaults to -1, showing "
	     "all log lines."},
	    {NULL},
	};
	_cleanup_json_ json_t *pod = NULL;
	char *text = NULL, *name;
	const char *container, *ns;
	struct kf_error err;
	size_t len = 0;
	bool only;
	int n, r;

	r = flags_parse(&help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (n < 2 || n > 3) {
		fprintf(stderr, "error: expected POD or pod/POD (and "
				"optionally a container name)\n");
		flags_see_help(&help);
		return 1;
	}
	if (n == 3 && !o.container)
		o.container = argv[2];
	r = cli_pod_arg(cli, argv[1], o.ns, "get the logs of", "have logs", &ns,
			&pod);
	if (r)
		return r;
	name = (char *)jstr(pod, "metadata.name");
	container = pick_container(pod, o.container, &only);
	if (!container)
		return 1;
	if (o.container)
		only = false;
	if (o.follow || o.previous || o.timestamps || o.since_ms > 0)
		return follow(cli, ns, pod, container, only, &o);
	kf_error_init(&err);
	r = client_logs(cli->client, ns, name, only ? NULL : container, &err,
			&text, &len);
	if (r == -ENOENT)
		return explain_empty(pod, container, true);
	if (r < 0)
		return cli_error(r, &err, NULL);
	if (!len) {
		free(text);
		return explain_empty(pod, container, false);
	}
	print_tail(text, len, o.tail);
	fflush(stdout);
	free(text);
	return 0;
}
