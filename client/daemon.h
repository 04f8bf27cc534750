/*
 * daemon.h — the start-up and run loop every kubefs control-plane daemon
 * shares (kubefs-sched, kubefs-ctrl), as client-go's leaderelection and
 * the components' app/server.go wire them:
 *
 *	kdaemon_init(&d, klog_vlog, NULL);
 *	kdaemon_handle_signals(&d);        SIGTERM/SIGINT -> stop
 *	... create the work, kdaemon_set_work(&d, &work) ...
 *	kdaemon_wait_synced(&d, wait, ud); informers' caches, or stop
 *	kdaemon_run(&d, c, &lease);        run work.run (once leading)
 *
 * The work is a blocking run(ud) that returns once stop(ud) has been
 * called. stop(ud) is called when SIGTERM or SIGINT arrives and when
 * leadership ends; it may be called before run(), from any thread, more
 * than once.
 *
 * Leader election: with a lease, kdaemon_run() makes sure its namespace
 * exists, campaigns as "HOSTNAME_PID" and runs the work while leading.
 * A signal releases the Lease; losing it returns -ENOLCK (the daemon
 * exits 1 to be restarted, as kube-scheduler and
 * kube-controller-manager do).
 *
 * This module does not log: it reports through the log callback given
 * to kdaemon_init() (klog_vlog for the daemons).
 */
#ifndef KUBEFS_CLIENT_DAEMON_H
#define KUBEFS_CLIENT_DAEMON_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "client/client.h"

struct leader;

struct kdaemon_work {
	int (*run)(void *ud);	/* blocks until stop(ud); 0 or -errno */
	void (*stop)(void *ud); /* any thread, any time, repeatable */
	void *ud;
};

/* The Lease a daemon campaigns for (borrowed strings). */
struct kdaemon_lease {
	const char *ns;	  /* "kube-system" */
	const char *name; /* "kube-scheduler" */
};

struct kdaemon {
	void (*log)(void *ud, const char *fmt, va_list ap); /* may be NULL */
	void *log_ud;
	/* private */
	pthread_mutex_t lock;
	bool stop;
	const struct kdaemon_work *work;
	struct leader *leader;
};

/* The impersonation kubefs-fs reads from a caller's exec'd environment
 * (docs/security.md). */
#define KDAEMON_ENV_AS "KUBEFS_AS"
#define KDAEMON_ENV_AS_GROUPS "KUBEFS_AS_GROUPS"

/* The identities of the daemons, as Kubernetes' components have them. */
#define KDAEMON_USER_SCHEDULER "system:kube-scheduler"
#define KDAEMON_USER_CONTROLLERS "system:kube-controller-manager"
#define KDAEMON_USER_PROXY "system:kube-proxy"
#define KDAEMON_NODE_USER_PREFIX "system:node:"
#define KDAEMON_NODES_GROUP "system:nodes"
/* Kubernetes' group for reading /metrics: kubefs's client reads a list's
 * resourceVersion there (docs/client.md), so every daemon is in it */
#define KDAEMON_MONITORING_GROUP "system:monitoring"

/*
 * Make every request of this process user's (in groups, comma-separated;
 * NULL for none), as each Kubernetes component calls the API server with
 * its own credentials: a daemon running as root (which may impersonate
 * anyone) sets KUBEFS_AS and KUBEFS_AS_GROUPS and executes itself again
 * (its binary, with argv; the pid stays), since kubefs-fs reads them from the
 * environment the process was executed with. Call first thing in main().
 * Returns 0 without doing anything when not running as root (the daemon
 * is its user's) or when KUBEFS_AS is set already (the re-executed
 * daemon, or an operator's choice: KUBEFS_AS= keeps root's identity);
 * else it does not return, or returns -errno when execution failed.
 */
int kdaemon_act_as(char **argv, const char *user, const char *groups);

/*
 * The cluster a daemon named prog talks to: *mount as given by --cluster,
 * else $KUBEFS_MOUNT. Returns 0, or -EINVAL after printing
 * "PROG: --cluster is required" when neither names one.
 */
int kdaemon_cluster(const char *prog, const char **mount);

void kdaemon_init(struct kdaemon *d,
		  void (*log)(void *ud, const char *fmt, va_list ap),
		  void *log_ud);

/*
 * Block SIGTERM and SIGINT in the calling thread (every thread created
 * later inherits the mask), ignore SIGPIPE, and start a thread that
 * waits for either signal and then stops the daemon. Call before any
 * other thread starts. 0 or -errno.
 */
int kdaemon_handle_signals(struct kdaemon *d);

/* Set the work (borrowed until kdaemon_run() returns; NULL clears it).
 * When a stop was already requested, work->stop() is called at once. */
void kdaemon_set_work(struct kdaemon *d, const struct kdaemon_work *work);

/* Request a stop, as a signal does. Any thread. */
void kdaemon_stop(struct kdaemon *d);

bool kdaemon_stopping(struct kdaemon *d);

/*
 * Poll wait(ud, 1000) — a cache-sync wait returning 0 when synced,
 * -ETIMEDOUT when not yet — until it returns 0 or a stop is requested.
 * 0 (synced, or stopping: check kdaemon_stopping()) or wait's error.
 */
int kdaemon_wait_synced(struct kdaemon *d, int (*wait)(void *ud, int ms),
			void *ud);

/*
 * Run the work set with kdaemon_set_work(): directly when lease is NULL,
 * else while holding the Lease through c. Returns work.run()'s result
 * without election; with it 0 after a stop, -ENOLCK when leadership was
 * lost, or -errno when the election could not start.
 */
int kdaemon_run(struct kdaemon *d, struct client *c,
		const struct kdaemon_lease *lease);

#endif
