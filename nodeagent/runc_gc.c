/*
 * runc_gc.c — image GC for the runc runtime: measure the images' file
 * system, list the store, mark what the pods use, remove what
 * imagegc_plan() picks.
 */
#include "nodeagent/runc_i.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "api/cleanup.h"

/* The names the pods use, as a set; their last-use times set to now. */
static json_t *in_use(struct runc *rc, int64_t now_ms)
{
	json_t *set = json_object();
	size_t i = 0, j;
	void *v;
	json_t *name;

	if (!set)
		return NULL;
	pthread_mutex_lock(&rc->lock);
	while (strmap_next(&rc->pods, &i, NULL, &v)) {
		const struct runc_pod *p = v;

		json_array_foreach (p->images, j, name) {
			json_object_set(set, json_string_value(name),
					json_true());
			json_object_set_new(rc->image_used,
					    json_string_value(name),
					    json_integer(now_ms));
		}
	}
	pthread_mutex_unlock(&rc->lock);
	return set;
}

int runc_gc_images(struct runtime *rt, const struct imagegc_policy *p,
		   char *msg, size_t size)
{
	struct runc *rc = runc_of(rt);
	_cleanup_json_ json_t *list = NULL, *used = NULL;
	_cleanup_free_ struct imagegc_image *imgs = NULL;
	uint64_t to_free, freed;
	char dir[PATH_MAX];
	struct statvfs vfs;
	struct timespec ts;
	int64_t now_ms;
	size_t n, i;
	json_t *e;
	int r;

	if (p->high >= 100)
		return 0;
	snprintf(dir, sizeof(dir), "%s/images", rc->root);
	if (statvfs(dir, &vfs) < 0)
		return -errno;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	used = in_use(rc, now_ms);
	r = imagestore_list(rc->images, &list);
	if (r < 0)
		return r;
	n = json_array_size(list);
	imgs = calloc(n ? n : 1, sizeof(*imgs));
	if (!used || !imgs)
		return -ENOMEM;
	json_array_foreach (list, i, e) {
		const char *name =
		    json_string_value(json_object_get(e, "name"));

		imgs[i] = (struct imagegc_image){
		    .name = name,
		    .size = (uint64_t)json_integer_value(
			json_object_get(e, "size")),
		    .loaded_ms =
			json_integer_value(json_object_get(e, "loaded")),
		    .in_use = json_object_get(used, name) != NULL,
		};
		pthread_mutex_lock(&rc->lock);
		imgs[i].last_used_ms =
		    json_integer_value(json_object_get(rc->image_used, name));
		pthread_mutex_unlock(&rc->lock);
	}
	to_free = imagegc_plan(p, (uint64_t)vfs.f_blocks * vfs.f_frsize,
			       (uint64_t)vfs.f_bavail * vfs.f_frsize, now_ms,
			       imgs, n, &freed);
	for (i = 0; i < n; i++) {
		struct kf_error err;

		if (!imgs[i].victim)
			continue;
		kf_error_init(&err);
		imagestore_remove(rc->images, imgs[i].name, &err);
		pthread_mutex_lock(&rc->lock);
		json_object_del(rc->image_used, imgs[i].name);
		pthread_mutex_unlock(&rc->lock);
	}
	if (freed >= to_free)
		return 0;
	snprintf(msg, size,
		 "Failed to garbage collect required amount of images. "
		 "Attempted to free %llu bytes, but only found %llu bytes "
		 "eligible to free.",
		 (unsigned long long)to_free, (unsigned long long)freed);
	return 1;
}
