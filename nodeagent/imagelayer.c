/*
 * imagelayer.c — a layer blob unpacked for overlayfs: tar(1) extracts
 * it with owners, modes and xattrs, then the OCI whiteouts become
 * overlayfs ones.
 */
#include "nodeagent/imagestore_i.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "nodeagent/fsutil.h"
#include "nodeagent/proc.h"

static json_t *whiteouts; /* paths found by the walk (under unpack_lock) */
static pthread_mutex_t unpack_lock = PTHREAD_MUTEX_INITIALIZER;

static int find_whiteout(const char *p, const struct stat *st, int flag,
			 struct FTW *f)
{
	(void)st;
	(void)flag;
	if (!strncmp(p + f->base, ".wh.", 4))
		json_array_append_new(whiteouts, json_string(p));
	return 0;
}

/*
 * Turn the tar's whiteouts into overlayfs's: ".wh..wh..opq" makes its
 * directory opaque, ".wh.NAME" becomes a 0:0 character device NAME.
 */
static int convert_whiteouts(const char *dir)
{
	_cleanup_json_ json_t *list = json_array();
	size_t i;
	json_t *e;

	if (!list)
		return -ENOMEM;
	pthread_mutex_lock(&unpack_lock);
	whiteouts = list;
	nftw(dir, find_whiteout, 16, FTW_PHYS);
	whiteouts = NULL;
	pthread_mutex_unlock(&unpack_lock);
	json_array_foreach (list, i, e) {
		char path[PATH_MAX], target[PATH_MAX];
		const char *p = json_string_value(e);
		const char *base = strrchr(p, '/') + 1;

		snprintf(path, sizeof(path), "%s", p);
		if (unlink(path) < 0)
			return -errno;
		if (!strcmp(base, ".wh..wh..opq")) {
			path[base - p - 1] = '\0';
			if (setxattr(path, "trusted.overlay.opaque", "y", 1,
				     0) < 0)
				return -errno;
			continue;
		}
		snprintf(target, sizeof(target), "%.*s%s", (int)(base - p), p,
			 base + 4);
		fsutil_rm_rf(target);
		if (mknod(target, S_IFCHR | 0, makedev(0, 0)) < 0)
			return -errno;
	}
	return 0;
}

int imagestore_unpack_layer(const char *images, const char *hex,
			    struct kf_error *err, char **ret_dir)
{
	char dir[PATH_MAX], tmp[PATH_MAX], blob[PATH_MAX];
	struct proc_result pr = {0};
	int r;

	snprintf(dir, sizeof(dir), "%s/layers/%s", images, hex);
	if (access(dir, F_OK) == 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/tmp/layer-%s", images, hex);
	fsutil_rm_rf(tmp);
	if (mkdir(tmp, 0755) < 0)
		return kf_error_set(err, -errno, "%s", strerror(errno));
	snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", images, hex);
	{
		char *argv[] = {"tar",
				"-xf",
				blob,
				"-C",
				tmp,
				"--numeric-owner",
				"--same-owner",
				"--same-permissions",
				"--xattrs",
				NULL};

		r = proc_run(argv, NULL, NULL, &pr);
	}
	if (r < 0 || pr.status != 0) {
		kf_error_set(err, -EINVAL,
			     "failed to extract layer sha256:%s: %s", hex,
			     r < 0 ? strerror(-r) : pr.err);
		proc_result_release(&pr);
		fsutil_rm_rf(tmp);
		return -EINVAL;
	}
	proc_result_release(&pr);
	r = convert_whiteouts(tmp);
	if (r < 0 || rename(tmp, dir) < 0) {
		r = r < 0 ? r : -errno;
		fsutil_rm_rf(tmp);
		return kf_error_set(err, r,
				    "failed to unpack layer sha256:%s: %s", hex,
				    strerror(-r));
	}
out:
	*ret_dir = strdup(dir);
	return *ret_dir ? 0 : -ENOMEM;
}
