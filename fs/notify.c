/*
 * notify.c — inotify coherence and kernel cache invalidation.
 *
 * The kernel raises inotify events only for system calls made on the
 * mount. A change made any other way — a drop-box manifest, a
 * subresource, a controller deleting a pod, another kubefs-fs on the same
 * store — must still show up in the object's directory as if the object
 * file had been written there (SPEC §4). The notifier does exactly that:
 * one thread of kubefs-fs makes the system call on its own mount
 *   ADDED     open(O_CREAT) + close   -> IN_CREATE, IN_CLOSE_WRITE
 *   MODIFIED  open(O_WRONLY) + close  -> IN_CLOSE_WRITE
 *   DELETED   unlink                  -> IN_DELETE
 * and the FUSE handlers, recognising the notifier's thread id, make those
 * calls change nothing. Changes made through the very path (a user's
 * write or rm of NAME) are marked beforehand so the event is not raised
 * twice. The same thread sends the kernel cache invalidations.
 */
#include "fs/fs_i.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "apiserver/watch.h"

#define SAW_SECONDS 2	  /* how long a "kernel saw it" mark lives */
#define QUEUE_MAX 1000000 /* jobs; past it events are dropped */

enum job_type {
	JOB_EVENT,
	JOB_INVAL_ENTRY,
};

struct job {
	enum job_type type;
	enum store_event_type ev;
	fuse_ino_t dir; /* JOB_INVAL_ENTRY */
	fuse_ino_t ino; /* JOB_EVENT: the object's inode, if known */
	char *path;	/* JOB_EVENT: relative path; INVAL: name */
	char *key;
	struct job *next;
};

struct notifier {
	struct kfs *fs;
	pthread_t thread;
	pid_t tid;   /* the child making the system calls */
	int jobs_fd; /* to the child: struct call records */
	int acks_fd; /* from the child: one byte per call */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	size_t queued;
	bool stop;
	json_t *saw;	  /* key -> [expiry (seconds), deleted] */
	json_t *deleting; /* path -> ino while an unlink is in flight */
	json_t *creating; /* path -> 1 while an open(O_CREAT) is in flight */
};

bool notifier_is_caller(struct notifier *nt, fuse_req_t req)
{
	return nt && nt->tid && fuse_req_ctx(req)->pid == nt->tid;
}

void notifier_kernel_saw(struct notifier *nt, const char *key, bool deleted)
{
	if (!nt)
		return;
	pthread_mutex_lock(&nt->lock);
	json_object_set_new(
	    nt->saw, key,
	    json_pack("[Ib]", (json_int_t)time(NULL) + SAW_SECONDS, deleted));
	pthread_mutex_unlock(&nt->lock);
}

void notifier_unmark(struct notifier *nt, const char *key)
{
	if (!nt)
		return;
	pthread_mutex_lock(&nt->lock);
	json_object_del(nt->saw, key);
	pthread_mutex_unlock(&nt->lock);
}

bool notifier_pending_delete(struct notifier *nt, const char *path,
			     fuse_ino_t *ret_ino)
{
	json_t *v;
	bool r = false;

	if (!nt)
		return false;
	pthread_mutex_lock(&nt->lock);
	v = json_object_get(nt->deleting, path);
	if (v) {
		*ret_ino = (fuse_ino_t)json_integer_value(v);
		r = true;
	}
	pthread_mutex_unlock(&nt->lock);
	return r;
}

bool notifier_pending_create(struct notifier *nt, const char *path)
{
	bool r;

	if (!nt)
		return false;
	pthread_mutex_lock(&nt->lock);
	r = json_object_get(nt->creating, path) != NULL;
	pthread_mutex_unlock(&nt->lock);
	return r;
}

static void enqueue(struct notifier *nt, struct job *j)
{
	pthread_mutex_lock(&nt->lock);
	if (nt->queued >= QUEUE_MAX || nt->stop) {
		pthread_mutex_unlock(&nt->lock);
		free(j->path);
		free(j->key);
		free(j);
		return;
	}
	if (nt->tail)
		nt->tail->next = j;
	else
		nt->head = j;
	nt->tail = j;
	nt->queued++;
	pthread_cond_signal(&nt->cond);
	pthread_mutex_unlock(&nt->lock);
}

void notifier_inval_entry(struct notifier *nt, fuse_ino_t dir, const char *name)
{
	struct job *j;

	if (!nt)
		return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->type = JOB_INVAL_ENTRY;
	j->dir = dir;
	j->path = strdup(name);
	enqueue(nt, j);
}

/* Did the kernel see this change made through its own path (an event ev
 * of the kind it saw)? Consumes the mark. */
static bool consume_saw(struct notifier *nt, const char *key,
			enum store_event_type ev)
{
	json_t *v;
	bool r = false;

	pthread_mutex_lock(&nt->lock);
	v = json_object_get(nt->saw, key);
	if (v) {
		r = json_integer_value(json_array_get(v, 0)) >= time(NULL) &&
		    json_is_true(json_array_get(v, 1)) ==
			(ev == STORE_EV_DELETED);
		json_object_del(nt->saw, key);
	}
	pthread_mutex_unlock(&nt->lock);
	return r;
}

/* Hub listener: runs on the hub thread, must not block. */
static void on_event(void *ud, const struct watch_event_info *ev)
{
	struct notifier *nt = ud;
	struct kfs *fs = nt->fs;
	char key[STORE_KEY_MAX + 1];
	const struct kind_info *k = ev->kind;
	struct job *j;

	if (!k || server_key(k, ev->ns, ev->name, key, sizeof(key)) < 0)
		return;
	if (ev->type != STORE_EV_MODIFIED)
		kfs_dir_changed(k, ev->ns);
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->type = JOB_EVENT;
	j->ev = ev->type;
	j->key = strdup(key);
	if (k->namespaced
		? asprintf(&j->path, "%s/%s/%s/%s/%s", k->path_group,
			   k->version, k->resource, ev->ns, ev->name) < 0
		: asprintf(&j->path, "%s/%s/%s/%s", k->path_group, k->version,
			   k->resource, ev->name) < 0)
		j->path = NULL;
	if (ev->type == STORE_EV_DELETED) {
		/* its rendering would only wait for the LRU's end: a cluster
		 * that keeps making new names (pods, events) filled the
		 * whole cache with the dead */
		render_cache_forget(fs->render, key);
		j->ino = kfs_object_ino(fs, key);
		/* else kfs_caches_sync() still needs it, and drops it */
		if (kfs_caches_passed(fs, ev->rv))
			kfs_object_ino_drop(fs, key);
	} else {
		j->ino = kfs_object_ino(fs, key);
	}
	if (!j->key || !j->path) {
		free(j->key);
		free(j->path);
		free(j);
		return;
	}
	enqueue(nt, j);
}

/*
 * The system calls are made by a child process, not a thread: a process
 * whose own thread waits on its own FUSE mount can never exit if it
 * crashes (the kernel waits for an answer only that process can give).
 * The child holds no /dev/fuse descriptor, so when the server dies the
 * mount is aborted and the child's call returns.
 */
enum call_op { CALL_CREATE = 'C', CALL_OPEN = 'O', CALL_UNLINK = 'U' };

struct call {
	char op;
	char path[4095];
};

static void child_main(int jobs, int acks, const char *mountpoint)
{
	struct call c;
	int root = -1, fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	while (read(jobs, &c, sizeof(c)) == (ssize_t)sizeof(c)) {
		c.path[sizeof(c.path) - 1] = '\0';
		if (root < 0)
			root =
			    open(mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
		switch (c.op) {
		case CALL_CREATE:
			fd = openat(root, c.path,
				    O_WRONLY | O_CREAT | O_NONBLOCK |
					O_CLOEXEC | O_NOFOLLOW,
				    0644);
			if (fd >= 0)
				close(fd);
			break;
		case CALL_OPEN:
			fd = openat(root, c.path,
				    O_WRONLY | O_NONBLOCK | O_CLOEXEC |
					O_NOFOLLOW);
			if (fd >= 0)
				close(fd);
			break;
		case CALL_UNLINK:
			unlinkat(root, c.path, 0);
			break;
		}
		if (write(acks, "k", 1) != 1)
			break;
	}
	_exit(0);
}

/* Have the child make one call and wait until it is done. */
static void call(struct notifier *nt, enum call_op op, const char *path)
{
	struct call c;
	char ack;

	if (nt->jobs_fd < 0 || strlen(path) >= sizeof(c.path))
		return;
	memset(&c, 0, sizeof(c));
	c.op = (char)op;
	strcpy(c.path, path);
	if (write(nt->jobs_fd, &c, sizeof(c)) != (ssize_t)sizeof(c) ||
	    read(nt->acks_fd, &ack, 1) != 1) {
		/* the child is gone: stop notifying rather than hang */
		close(nt->jobs_fd);
		nt->jobs_fd = -1;
	}
}

static void run_event(struct notifier *nt, struct job *j)
{
	struct kfs *fs = nt->fs;
	bool saw = consume_saw(nt, j->key, j->ev);

	if (kfs_node_get(fs, j->ino))
		fuse_lowlevel_notify_inval_inode(fs->se, j->ino, 0, 0);
	if (saw)
		return;
	switch (j->ev) {
	case STORE_EV_ADDED:
		pthread_mutex_lock(&nt->lock);
		json_object_set_new(nt->creating, j->path, json_true());
		pthread_mutex_unlock(&nt->lock);
		call(nt, CALL_CREATE, j->path);
		pthread_mutex_lock(&nt->lock);
		json_object_del(nt->creating, j->path);
		pthread_mutex_unlock(&nt->lock);
		break;
	case STORE_EV_MODIFIED:
		call(nt, CALL_OPEN, j->path);
		break;
	case STORE_EV_DELETED:
		pthread_mutex_lock(&nt->lock);
		json_object_set_new(nt->deleting, j->path,
				    json_integer((json_int_t)j->ino));
		pthread_mutex_unlock(&nt->lock);
		call(nt, CALL_UNLINK, j->path);
		pthread_mutex_lock(&nt->lock);
		json_object_del(nt->deleting, j->path);
		pthread_mutex_unlock(&nt->lock);
		break;
	}
}

static void *notifier_main(void *arg)
{
	struct notifier *nt = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&nt->lock);
		while (!nt->head && !nt->stop)
			pthread_cond_wait(&nt->cond, &nt->lock);
		if (nt->stop) {
			pthread_mutex_unlock(&nt->lock);
			break;
		}
		j = nt->head;
		nt->head = j->next;
		if (!nt->head)
			nt->tail = NULL;
		nt->queued--;
		pthread_mutex_unlock(&nt->lock);

		if (j->type == JOB_INVAL_ENTRY)
			fuse_lowlevel_notify_inval_entry(
			    nt->fs->se, j->dir, j->path, strlen(j->path));
		else
			run_event(nt, j);
		free(j->path);
		free(j->key);
		free(j);
	}
	return NULL;
}

int notifier_start(struct kfs *fs, struct notifier **ret)
{
	struct notifier *nt = calloc(1, sizeof(*nt));
	int r;

	if (!nt)
		return -ENOMEM;
	nt->fs = fs;
	nt->saw = json_object();
	nt->deleting = json_object();
	nt->creating = json_object();
	pthread_mutex_init(&nt->lock, NULL);
	pthread_cond_init(&nt->cond, NULL);
	{
		int jobs[2], acks[2];
		pid_t pid;

		if (pipe2(jobs, O_CLOEXEC) < 0) {
			r = -errno;
			goto fail;
		}
		if (pipe2(acks, O_CLOEXEC) < 0) {
			r = -errno;
			close(jobs[0]);
			close(jobs[1]);
			goto fail;
		}
		pid = fork();
		if (pid == 0) {
			/* no descriptor of the FUSE connection in the child */
			close(fuse_session_fd(fs->se));
			close(jobs[1]);
			close(acks[0]);
			child_main(jobs[0], acks[1], fs->mountpoint);
		}
		close(jobs[0]);
		close(acks[1]);
		if (pid < 0) {
			r = -errno;
			close(jobs[1]);
			close(acks[0]);
			goto fail;
		}
		nt->tid = pid;
		nt->jobs_fd = jobs[1];
		nt->acks_fd = acks[0];
	}
	r = -pthread_create(&nt->thread, NULL, notifier_main, nt);
	if (r < 0) {
		close(nt->jobs_fd);
		close(nt->acks_fd);
		kill(nt->tid, SIGKILL);
		waitpid(nt->tid, NULL, 0);
		goto fail;
	}
	r = watch_hub_add_listener(fs->hub, on_event, nt);
	if (r < 0) {
		notifier_stop(nt);
		return r;
	}
	*ret = nt;
	return 0;
fail:
	json_decref(nt->saw);
	json_decref(nt->deleting);
	json_decref(nt->creating);
	free(nt);
	return r;
}

void notifier_stop(struct notifier *nt)
{
	struct job *j, *next;

	if (!nt)
		return;
	pthread_mutex_lock(&nt->lock);
	nt->stop = true;
	pthread_cond_signal(&nt->cond);
	pthread_mutex_unlock(&nt->lock);
	pthread_join(nt->thread, NULL);
	for (j = nt->head; j; j = next) {
		next = j->next;
		free(j->path);
		free(j->key);
		free(j);
	}
	if (nt->jobs_fd >= 0)
		close(nt->jobs_fd); /* the child reads EOF and exits */
	close(nt->acks_fd);
	kill(nt->tid, SIGKILL);
	waitpid(nt->tid, NULL, 0);
	json_decref(nt->saw);
	json_decref(nt->deleting);
	json_decref(nt->creating);
	free(nt);
}
