/*
 * logserver_i.h — what the node agent's HTTP endpoint's files share:
 * logserver.c (the server, logs) and execserver.c (exec).
 */
#ifndef KUBEFS_NODEAGENT_LOGSERVER_I_H
#define KUBEFS_NODEAGENT_LOGSERVER_I_H

#include <pthread.h>
#include <stddef.h>

#include "nodeagent/logserver.h"

struct logserver {
	int fd;
	int stop_pipe[2]; /* readable once the server stops */
	pthread_t thread;
	char log_dir[4096];
	logserver_uid_fn uid_of;
	logserver_running_fn running;
	logserver_exec_fn exec_target;
	void *ud;
	char token[LOGSERVER_TOKEN_MAX]; /* the bearer every request needs */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	unsigned followers; /* threads still streaming (logs, exec) */
};

/* Send all of p; -EPIPE when the peer has gone. */
int ls_send_all(int fd, const char *p, size_t n);

/* A whole text/plain answer with Connection: close. */
void ls_respond_text(int fd, int code, const char *reason, const char *text);

/* %XX decoding, in place. */
void ls_unescape(char *s);

/*
 * Run fn(arg) in a detached thread counted in s->followers (stop waits
 * for them); fn ends by calling ls_done(s). -errno if none started.
 */
int ls_spawn(struct logserver *s, void *(*fn)(void *), void *arg);
void ls_done(struct logserver *s);

/* POST /exec/NS/POD/CONTAINER?QUERY (execserver.c); takes fd. */
void ls_serve_exec(struct logserver *s, int fd, char *path, char *q);

#endif
