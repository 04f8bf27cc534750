/*
 * dirtime.c — directory times and who may read what.
 *
 * A directory's mtime and ctime change when an entry is created in it or
 * removed from it, as POSIX says (make, rsync and backup scripts rely on
 * it): an object directory changes when one of its objects is added or
 * deleted, whatever path the change came through (the notifier's hub
 * listener reports every store event); a namespaced resource directory,
 * whose entries are the namespaces, changes when a Namespace is added or
 * deleted. Other directories keep the server's start time.
 *
 * kfs_root_only() names what system:masters see with owner-only modes
 * (Secrets and what holds them, snapshot); who may open them is RBAC's
 * (fs/access.h), and other callers see their own rights.
 */
#include "fs/fs_i.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_DIRS_KEY "*namespaces" /* entries of namespaced resource dirs */

static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *dir_times; /* "group/resource[/ns]" -> ns since epoch */

static void dir_key(const struct kind_info *k, const char *ns, char *buf,
		    size_t size)
{
	if (k->namespaced && ns)
		snprintf(buf, size, "%s/%s/%s", k->path_group, k->resource, ns);
	else
		snprintf(buf, size, "%s/%s", k->path_group, k->resource);
}

static void stamp(const char *key, json_int_t now)
{
	if (!dir_times)
		dir_times = json_object();
	if (dir_times)
		json_object_set_new(dir_times, key, json_integer(now));
}

void kfs_dir_changed(const struct kind_info *k, const char *ns)
{
	bool is_ns =
	    !strcmp(k->api_version, "v1") && !strcmp(k->kind, "Namespace");
	char key[STORE_KEY_MAX + 1];
	struct timespec ts;
	json_int_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	dir_key(k, ns, key, sizeof(key));
	pthread_mutex_lock(&dir_lock);
	stamp(key, now);
	if (is_ns)
		stamp(NS_DIRS_KEY, now);
	pthread_mutex_unlock(&dir_lock);
}

void kfs_dir_time(struct kfs *fs, const struct node *n, struct stat *st)
{
	char key[STORE_KEY_MAX + 1];
	json_int_t t = 0;

	if (n->type == NODE_NSDIR ||
	    (n->type == NODE_RESOURCE && !n->kind->namespaced))
		dir_key(n->kind, n->ns, key, sizeof(key));
	else if (n->type == NODE_RESOURCE)
		snprintf(key, sizeof(key), "%s", NS_DIRS_KEY);
	else
		return;
	pthread_mutex_lock(&dir_lock);
	t = json_integer_value(json_object_get(dir_times, key));
	pthread_mutex_unlock(&dir_lock);
	if (t <= (json_int_t)fs->started * 1000000000)
		return;
	st->st_mtim.tv_sec = st->st_ctim.tv_sec = t / 1000000000;
	st->st_mtim.tv_nsec = st->st_ctim.tv_nsec = t % 1000000000;
}

void kfs_dir_times_free(void)
{
	pthread_mutex_lock(&dir_lock);
	json_decref(dir_times);
	dir_times = NULL;
	pthread_mutex_unlock(&dir_lock);
}

static bool is_secret(const struct kind_info *k)
{
	return k && !strcmp(k->api_version, "v1") && !strcmp(k->kind, "Secret");
}

bool kfs_root_only(const struct node *n)
{
	switch (n->type) {
	case NODE_ROOTFILE:
		return n->rootfile == RF_SNAPSHOT;
	case NODE_OBJECT:
	case NODE_SUB:
	case NODE_WATCH:
		return is_secret(n->kind);
	default:
		return false;
	}
}
