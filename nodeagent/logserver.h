/*
 * logserver.h — the node agent's HTTP endpoint, as the kubelet's port
 * 10250 serves the API server: container logs.
 *
 *   GET /containerLogs/NAMESPACE/POD/CONTAINER[?previous=true]
 *       [&tailLines=N][&timestamps=true][&sinceSeconds=N][&follow=true]
 *   POST /exec/NAMESPACE/POD/CONTAINER?command=C&command=ARG...
 *       [&stdin=true][&tty=true[&width=W&height=H]]
 *       (Upgrade: kubefs-exec)
 *   GET /healthz
 *
 * Logs come from the CRI log files of the container's current run (or
 * the previous one), their lines unwrapped as kubectl shows them. 404
 * with Kubernetes' sentence for an unknown pod or container. follow=true
 * answers without a length and keeps streaming complete lines as the
 * run writes them, until it ends (the pod gone, a newer run, or the
 * run terminated), the client hangs up or the server stops. exec
 * answers 101 and then speaks the framed protocol of docs/nodeagent.md
 * (runc exec into the container, stdin/stdout/stderr, the exit code).
 * Every request but /healthz needs the bearer token (ops->token). Plain
 * HTTP: it listens on the node's address (or
 * --address), and serves read-only logs.
 */
#ifndef KUBEFS_NODEAGENT_LOGSERVER_H
#define KUBEFS_NODEAGENT_LOGSERVER_H

#include <stddef.h>

#define LOGSERVER_BODY_MAX (16u << 20) /* bytes of log in one answer */
#define LOGSERVER_TOKEN_MAX 128	       /* bytes of a token, with its NUL */

struct logserver;

/*
 * Which pod uid a namespace/name is (the agent's informer), 0 or
 * -ENOENT. uid holds 64 bytes.
 */
typedef int (*logserver_uid_fn)(void *ud, const char *ns, const char *name,
				char uid[64]);

/*
 * Is run (the restart count) of container ctr of pod ns/name still
 * running: 1, 0 once it has ended. The agent's informer answers.
 */
typedef int (*logserver_running_fn)(void *ud, const char *ns, const char *name,
				    const char *ctr, long run);

/* Where to exec into container ctr of pod ns/name. */
struct logserver_exec {
	char runc[4096];      /* the runc binary */
	char runc_root[4096]; /* its --root */
	char id[256];	      /* the container's runc id */
};

/*
 * Fill ret for a running container: 0; -ENOENT: no such pod or
 * container; -EAGAIN: it is not running.
 */
typedef int (*logserver_exec_fn)(void *ud, const char *ns, const char *name,
				 const char *ctr, struct logserver_exec *ret);

struct logserver_ops {
	logserver_uid_fn uid_of;
	logserver_running_fn running;
	logserver_exec_fn exec_target;
	/* every request but /healthz carries "Authorization: Bearer
	 * TOKEN"; else 401 Unauthorized (docs/security.md) */
	const char *token;
};

/*
 * Listen on address:port and serve in a thread of its own; log_dir is
 * the node's container log dir. -errno from socket/bind/listen.
 */
int logserver_start(const char *address, unsigned port, const char *log_dir,
		    const struct logserver_ops *ops, void *ud,
		    struct logserver **ret);

/* Stop serving (followers end too) and release. NULL is a no-op. */
void logserver_stop(struct logserver *s);

/*
 * The text of CRI log data (NUL-terminated): each "TIME STREAM TAG TEXT"
 * line as TEXT (with TIME in front when timestamps), a newline after
 * full (F) lines; the last tail lines only when tail >= 0. *ret
 * malloc'd.
 */
int logserver_cri_text(const char *data, long tail, int timestamps, char **ret,
		       size_t *ret_len);

#endif
