/*
 * Unit tests for nodeagent/imagestore.c against archives built here
 * with tar(1): a `docker save` archive of two layers (the second with a
 * whiteout and an opaque directory), an OCI layout (gzip layer), one
 * whose blob does not match its digest, and removal with its garbage.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "nodeagent/imagestore.h"
#include "nodeagent/sha256.h"

static char dir[256];

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kubefs-imgtest.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* layer 1: a/, a/f, b; layer 2: a/ opaque with a/g, b deleted */
	sh("cd %s && mkdir -p l1/a l2/a && echo f > l1/a/f && echo b > l1/b"
	   " && echo g > l2/a/g && touch l2/a/.wh..wh..opq l2/.wh.b"
	   " && tar -C l1 -cf layer1.tar . && tar -C l2 -cf layer2.tar .",
	   dir);
	/* docker save: manifest.json, config, layers by path */
	sh("cd %s && mkdir -p d/L1 d/L2 && cp layer1.tar d/L1/layer.tar && "
	   "cp layer2.tar d/L2/layer.tar && printf '%%s' "
	   "'{\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"A=1\"]}}' > "
	   "d/cfg.json && printf '%%s' '[{\"Config\":\"cfg.json\","
	   "\"RepoTags\":[\"example.com/app:1\",\"app2\"],\"Layers\":"
	   "[\"L1/layer.tar\",\"L2/layer.tar\"]}]' > d/manifest.json && "
	   "tar -C d -cf docker.tar .",
	   dir);
	/* an OCI layout with a gzip layer */
	sh("cd %s && mkdir -p o/blobs/sha256 && gzip -c layer1.tar > l.gz && "
	   "L=$(sha256sum l.gz | cut -d' ' -f1) && mv l.gz o/blobs/sha256/$L"
	   " && printf '%%s' '{\"config\":{}}' > c.json && C=$(sha256sum "
	   "c.json | cut -d' ' -f1) && mv c.json o/blobs/sha256/$C && printf"
	   " '{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
	   "vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%%s\",\"size"
	   "\":13},\"layers\":[{\"mediaType\":\"application/vnd.oci.image."
	   "layer.v1.tar+gzip\",\"digest\":\"sha256:%%s\",\"size\":1}]}' $C"
	   " $L > m.json && M=$(sha256sum m.json | cut -d' ' -f1) && mv "
	   "m.json o/blobs/sha256/$M && printf '{\"schemaVersion\":2,"
	   "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image."
	   "manifest.v1+json\",\"digest\":\"sha256:%%s\",\"size\":1,"
	   "\"annotations\":{\"io.containerd.image.name\":\"oci/x:2\"}}]}' "
	   "$M > o/index.json && tar -C o -cf oci.tar . && "
	   "echo tampered >> o/blobs/sha256/$L && tar -C o -cf bad.tar .",
	   dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	return 0;
}

static void test_load_resolve(void **state)
{
	struct imagestore *s = NULL;
	_cleanup_json_ json_t *names = NULL, *list = NULL;
	struct image_info *im = NULL;
	struct kf_error err;
	char path[512], root[300], val[8];
	struct stat st;

	(void)state;
	snprintf(root, sizeof(root), "%s/root", dir);
	assert_int_equal(imagestore_open(root, &s), 0);
	snprintf(path, sizeof(path), "%s/docker.tar", dir);
	kf_error_init(&err);
	assert_int_equal(imagestore_load(s, path, &err, &names), 0);
	assert_int_equal(json_array_size(names), 2);
	assert_string_equal(json_string_value(json_array_get(names, 0)),
			    "example.com/app:1");
	assert_string_equal(json_string_value(json_array_get(names, 1)),
			    "docker.io/library/app2:latest");
	assert_int_equal(imagestore_list(s, &list), 0);
	assert_int_equal(json_array_size(list), 2);

	assert_int_equal(imagestore_resolve(s, "app2", &err, &im), 0);
	assert_string_equal(im->name, "docker.io/library/app2:latest");
	assert_int_equal(im->n_layers, 2);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(im->config, "Cmd"), 0)),
			    "sh");
	snprintf(path, sizeof(path), "%s/a/f", im->layers[0]);
	assert_int_equal(access(path, F_OK), 0);
	if (geteuid() == 0) {
		/* overlayfs whiteouts: b is a 0:0 device, a/ opaque */
		snprintf(path, sizeof(path), "%s/b", im->layers[1]);
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
		assert_int_equal(st.st_rdev, makedev(0, 0));
		snprintf(path, sizeof(path), "%s/a", im->layers[1]);
		assert_int_equal(
		    getxattr(path, "trusted.overlay.opaque", val, sizeof(val)),
		    1);
		snprintf(path, sizeof(path), "%s/.wh.b", im->layers[1]);
		assert_int_not_equal(access(path, F_OK), 0);
	}
	image_info_free(im);
	im = NULL;
	assert_int_equal(imagestore_resolve(s, "nope", &err, &im), -ENOENT);
	imagestore_free(s);
}

static void test_oci_and_digests(void **state)
{
	struct imagestore *s = NULL;
	_cleanup_json_ json_t *names = NULL;
	struct image_info *im = NULL;
	struct kf_error err;
	char path[512], root[300];

	(void)state;
	snprintf(root, sizeof(root), "%s/root2", dir);
	assert_int_equal(imagestore_open(root, &s), 0);
	snprintf(path, sizeof(path), "%s/bad.tar", dir);
	kf_error_init(&err);
	assert_int_equal(imagestore_load(s, path, &err, &names), -EINVAL);
	assert_non_null(strstr(err.msg, "digest mismatch: expected sha256:"));
	snprintf(path, sizeof(path), "%s/oci.tar", dir);
	kf_error_init(&err);
	assert_int_equal(imagestore_load(s, path, &err, &names), 0);
	assert_string_equal(json_string_value(json_array_get(names, 0)),
			    "docker.io/oci/x:2");
	assert_int_equal(imagestore_resolve(s, "oci/x:2", &err, &im), 0);
	assert_int_equal(im->n_layers, 1);
	snprintf(path, sizeof(path), "%s/a/f", im->layers[0]);
	assert_int_equal(access(path, F_OK), 0); /* gunzipped */
	image_info_free(im);
	snprintf(path, sizeof(path), "%s/layer1.tar", dir);
	kf_error_init(&err);
	assert_int_equal(imagestore_load(s, path, &err, NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "is not an image archive"));
	imagestore_free(s);
}

static size_t count(const char *path)
{
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(path);

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_remove(void **state)
{
	struct imagestore *s = NULL;
	struct image_info *im = NULL;
	struct kf_error err;
	char path[512], root[300];

	(void)state;
	snprintf(root, sizeof(root), "%s/root3", dir);
	assert_int_equal(imagestore_open(root, &s), 0);
	snprintf(path, sizeof(path), "%s/docker.tar", dir);
	assert_int_equal(imagestore_load(s, path, &err, NULL), 0);
	assert_int_equal(imagestore_resolve(s, "app2", &err, &im), 0);
	image_info_free(im);
	snprintf(path, sizeof(path), "%s/images/blobs/sha256", root);
	assert_int_equal(count(path), 4); /* config, 2 layers, manifest */
	/* one of two names: the blobs stay */
	assert_int_equal(imagestore_remove(s, "app2", &err), 0);
	assert_int_equal(count(path), 4);
	kf_error_init(&err);
	assert_int_equal(imagestore_remove(s, "app2", &err), -ENOENT);
	assert_string_equal(err.msg, "no such image: app2");
	assert_int_equal(imagestore_remove(s, "example.com/app:1", &err), 0);
	assert_int_equal(count(path), 0);
	snprintf(path, sizeof(path), "%s/images/layers", root);
	assert_int_equal(count(path), 0);
	imagestore_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_resolve),
	    cmocka_unit_test(test_oci_and_digests),
	    cmocka_unit_test(test_remove),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
