/*
 * runc_hook.c — a container's lifecycle handlers: postStart (exec in the
 * container, httpGet, sleep), waited for before the container counts as
 * running, and preStop's exec.
 */
#include "nodeagent/runc_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/quote.h"
#include "nodeagent/proc.h"

/*
 * `timeout SECS runc --root R exec ID CMD...` for the exec handler's
 * command words; NULL when it has none or a word is not a string (or
 * out of memory). secs is the caller's buffer. Free with free().
 */
static char **hook_argv(struct runc *rc, struct runc_ctr *c, const json_t *cmd,
			long timeout_s, char secs[32])
{
	size_t n = json_array_size(cmd), i;
	char **argv;

	if (!n)
		return NULL;
	argv = calloc(n + 8, sizeof(*argv));
	if (!argv)
		return NULL;
	snprintf(secs, 32, "%ld", timeout_s);
	argv[0] = "timeout";
	argv[1] = secs;
	argv[2] = rc->runc_bin;
	argv[3] = "--root";
	argv[4] = rc->runc_root;
	argv[5] = "exec";
	argv[6] = c->id;
	for (i = 0; i < n; i++) {
		argv[7 + i] = (char *)json_string_value(json_array_get(cmd, i));
		if (!argv[7 + i]) {
			free(argv);
			return NULL;
		}
	}
	return argv;
}

void runc_ctr_prestop(struct runc *rc, struct runc_ctr *c, long grace_s)
{
	const json_t *cmd = json_object_get(
	    json_object_get(
		json_object_get(json_object_get(c->spec, "lifecycle"),
				"preStop"),
		"exec"),
	    "command");
	_cleanup_free_ char **argv = NULL;
	struct proc_result pr = {0};
	char secs[32];

	if (c->st.state != RUNTIME_RUNNING || !c->id[0] || grace_s <= 0)
		return;
	argv = hook_argv(rc, c, cmd, grace_s, secs);
	if (argv && proc_run(argv, NULL, NULL, &pr) == 0)
		proc_result_release(&pr);
}

/* The words of cmd joined by sep into buf (size). */
static void join_words(const json_t *cmd, const char *sep, char *buf,
		       size_t size)
{
	size_t i, o = 0;
	json_t *w;

	buf[0] = '\0';
	json_array_foreach (cmd, i, w)
		if (o < size)
			o += (size_t)snprintf(buf + o, size - o, "%s%s",
					      i ? sep : "",
					      json_string_value(w) ?: "");
}

/* Run the postStart exec handler ex; -1 with the kubelet's words in msg. */
static int post_start_exec(struct runc *rc, struct runc_pod *p,
			   struct runc_ctr *c, const json_t *ex, char *msg,
			   size_t size)
{
	const json_t *cmd = json_object_get(ex, "command");
	_cleanup_free_ char **argv = NULL;
	struct proc_result pr = {0};
	char words[512], list[512], secs[32], output[1100];
	int r;

	join_words(cmd, " ", words, sizeof(words));
	snprintf(list, sizeof(list), "[%s]", words);
	argv = hook_argv(rc, c, cmd, RUNC_HOOK_TIMEOUT_S, secs);
	r = argv ? proc_run(argv, NULL, NULL, &pr) : -EINVAL;
	if (r == 0 && pr.status == 0) {
		proc_result_release(&pr);
		return 0;
	}
	if (r == 0) {
		/* the command's output, both streams, as Go's %q */
		char both[512];

		snprintf(both, sizeof(both), "%.250s%.250s", pr.out, pr.err);
		go_quote(both, strlen(both), output, sizeof(output));
	}
	if (r < 0)
		snprintf(
		    msg, size,
		    "Exec lifecycle hook (%s) for Container \"%.253s\" in Pod "
		    "\"%.253s_%.63s(%.63s)\" failed - error: %s, message: \"\"",
		    list, c->st.name, p->name, p->ns, p->uid,
		    r == -EINVAL ? "no command" : strerror(-r));
	else
		snprintf(msg, size,
			 "Exec lifecycle hook (%s) for Container \"%.253s\" in "
			 "Pod \"%.253s_%.63s(%.63s)\" failed - error: command "
			 "'%s' exited with %d: %.200s, message: %s",
			 list, c->st.name, p->name, p->ns, p->uid, words,
			 pr.status, pr.err, output);
	proc_result_release(&pr);
	return -1;
}

/*
 * Run c's postStart handler (exec in the container, httpGet — any answer
 * passes, as the kubelet's — or sleep) and wait for it, at most
 * RUNC_HOOK_TIMEOUT_S. 0 when it passed or there is none; -1 with the
 * kubelet's words in msg.
 */
static int post_start(struct runc *rc, struct runc_pod *p, struct runc_ctr *c,
		      char *msg, size_t size)
{
	const json_t *h =
	    json_object_get(json_object_get(c->spec, "lifecycle"), "postStart");
	const json_t *get = json_object_get(h, "httpGet");
	const json_t *sl = json_object_get(h, "sleep");
	struct probe_target t = {p->ip,		c->spec, rc->runc_bin,
				 rc->runc_root, c->id,	 true};
	_cleanup_json_ json_t *probe = NULL;
	char pm[PROBE_MSG_MAX];

	if (json_object_get(h, "exec"))
		return post_start_exec(rc, p, c, json_object_get(h, "exec"),
				       msg, size);
	if (sl) {
		json_int_t s =
		    json_integer_value(json_object_get(sl, "seconds"));

		if (s > RUNC_HOOK_TIMEOUT_S)
			s = RUNC_HOOK_TIMEOUT_S;
		if (s > 0)
			sleep((unsigned)s);
		return 0;
	}
	if (!get)
		return 0;
	probe = json_pack("{s:O, s:i}", "httpGet", get, "timeoutSeconds",
			  RUNC_HOOK_TIMEOUT_S);
	if (probe && probe_run(probe, &t, pm) == 0)
		return 0;
	snprintf(msg, size,
		 "HTTP lifecycle hook (%.256s) for Container \"%.253s\" in Pod "
		 "\"%.253s_%.63s(%.63s)\" failed - error: %s",
		 json_string_value(json_object_get(get, "path")) ?: "",
		 c->st.name, p->name, p->ns, p->uid,
		 probe ? pm : "out of memory");
	return -1;
}

int runc_ctr_post_start(struct runc *rc, struct runc_pod *p, const json_t *pod,
			struct runc_ctr *c)
{
	char msg[4096];
	uint64_t deadline = mono_ms() + RUNC_KILL_WAIT_MS;

	if (post_start(rc, p, c, msg, sizeof(msg)) == 0)
		return 0;
	/* the message may hold secrets: not in the Event (as the kubelet) */
	runc_event(rc, pod, true, "FailedPostStartHook",
		   "PostStartHook failed");
	runc_event(rc, pod, false, "Killing", "FailedPostStartHook");
	runc_ctr_kill(rc, c, "KILL");
	while (!runc_ctr_reap(rc, p, c) && mono_ms() < deadline)
		usleep(20 * 1000);
	free(c->st.message);
	c->st.message = strdup(msg);
	return -ECANCELED;
}
