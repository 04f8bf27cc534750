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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "fs/watch.h"

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
	pid_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	size_t queued;
	bool stop;
	json_t *saw;	  /* key -> expiry (seconds) */
	json_t *deleting; /* path -> ino while an unlink is in flight */
	json_t *creating; /* path -> 1 while an open(O_CREAT) is in flight */
	int root_fd;	  /* the mount root, opened before serving */
};

bool notifier_is_caller(struct notifier *nt, fuse_req_t req)
{
	return nt && nt->tid && fuse_req_ctx(req)->pid == nt->tid;
}

void notifier_kernel_saw(struct notifier *nt, const char *key)
{
	if (!nt)
		return;
	pthread_mutex_lock(&nt->lock);
	json_object_set_new(nt->saw, key,
			    json_integer(time(NULL) + SAW_SECONDS));
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

/* Was this change made through its own path? Consumes the mark. */
static bool consume_saw(struct notifier *nt, const char *key)
{
	json_t *v;
	bool r = false;

	pthread_mutex_lock(&nt->lock);
	v = json_object_get(nt->saw, key);
	if (v) {
		r = json_integer_value(v) >= time(NULL);
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
		j->ino = kfs_object_ino(fs, key);
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

static void run_event(struct notifier *nt, struct job *j)
{
	struct kfs *fs = nt->fs;
	bool saw = consume_saw(nt, j->key);
	int fd;

	if (kfs_node_get(fs, j->ino))
		fuse_lowlevel_notify_inval_inode(fs->se, j->ino, 0, 0);
	if (saw)
		return;
	if (nt->root_fd < 0) {
		/* opened lazily: the mount must be serving */
		nt->root_fd =
		    open(fs->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (nt->root_fd < 0)
			return;
	}
	switch (j->ev) {
	case STORE_EV_ADDED:
		pthread_mutex_lock(&nt->lock);
		json_object_set_new(nt->creating, j->path, json_true());
		pthread_mutex_unlock(&nt->lock);
		fd = openat(nt->root_fd, j->path,
			    O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC |
				O_NOFOLLOW,
			    0644);
		if (fd >= 0)
			close(fd);
		pthread_mutex_lock(&nt->lock);
		json_object_del(nt->creating, j->path);
		pthread_mutex_unlock(&nt->lock);
		break;
	case STORE_EV_MODIFIED:
		fd = openat(nt->root_fd, j->path,
			    O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0)
			close(fd);
		break;
	case STORE_EV_DELETED:
		pthread_mutex_lock(&nt->lock);
		json_object_set_new(nt->deleting, j->path,
				    json_integer((json_int_t)j->ino));
		pthread_mutex_unlock(&nt->lock);
		unlinkat(nt->root_fd, j->path, 0);
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

	nt->tid = (pid_t)syscall(SYS_gettid);
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
	nt->root_fd = -1;
	r = -pthread_create(&nt->thread, NULL, notifier_main, nt);
	if (r < 0)
		goto fail;
	while (!__atomic_load_n(&nt->tid, __ATOMIC_ACQUIRE))
		usleep(100);
	r = watch_hub_add_listener(fs->hub, on_event, nt);
	if (r < 0) {
		notifier_stop(nt);
		return r;
	}
	*ret = nt;
	return 0;
fail:
	if (nt->root_fd >= 0)
		close(nt->root_fd);
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
	if (nt->root_fd >= 0)
		close(nt->root_fd);
	json_decref(nt->saw);
	json_decref(nt->deleting);
	json_decref(nt->creating);
	free(nt);
}
