/*
 * imagestore.c — load archives into the blob store, keep the index,
 * unpack layers for overlayfs, remove what no image uses.
 *
 * A load extracts the archive into images/tmp/, checks every blob it
 * uses against its digest, moves the blobs into blobs/sha256/ and only
 * then points the index at the new manifests: a failed load leaves the
 * index as it was.
 */
#include "nodeagent/imagestore_i.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "nodeagent/fsutil.h"
#include "nodeagent/image.h"
#include "nodeagent/proc.h"
#include "nodeagent/sha256.h"

#define NAME_ANNOTATION "io.containerd.image.name"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST                                                         \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

struct imagestore {
	char *dir; /* ROOT/images */
	pthread_mutex_t lock;
};

void image_info_free(struct image_info *im)
{
	if (!im)
		return;
	free(im->name);
	json_decref(im->config);
	for (size_t i = 0; i < im->n_layers; i++)
		free(im->layers[i]);
	free(im->layers);
	free(im);
}

int imagestore_open(const char *root, struct imagestore **ret)
{
	struct imagestore *s;
	char path[PATH_MAX];
	static const char *const sub[] = {"blobs/sha256", "layers", "tmp"};
	int r;

	s = calloc(1, sizeof(*s));
	if (!s || asprintf(&s->dir, "%s/images", root) < 0) {
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(sub) / sizeof(*sub); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->dir, sub[i]);
		r = fsutil_mkdir_p(path, 0700);
		if (r < 0) {
			free(s->dir);
			free(s);
			return r;
		}
	}
	pthread_mutex_init(&s->lock, NULL);
	*ret = s;
	return 0;
}

void imagestore_free(struct imagestore *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}

/* The writer's lock: the mutex for our threads, flock for processes. */
static int lock_store(struct imagestore *s)
{
	char path[PATH_MAX];
	int fd;

	pthread_mutex_lock(&s->lock);
	snprintf(path, sizeof(path), "%s/lock", s->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int r = -errno;

		if (fd >= 0)
			close(fd);
		pthread_mutex_unlock(&s->lock);
		return r;
	}
	return fd;
}

static void unlock_store(struct imagestore *s, int fd)
{
	close(fd); /* drops the flock */
	pthread_mutex_unlock(&s->lock);
}

static void blob_path(const struct imagestore *s, const char *hex, char *buf,
		      size_t size)
{
	snprintf(buf, size, "%s/blobs/sha256/%s", s->dir, hex);
}

/* "sha256:HEX" → HEX, or NULL if it is not such a digest. */
static const char *digest_hex(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) || strlen(d + 7) != SHA256_HEX)
		return NULL;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return NULL;
	return d + 7;
}

static json_t *read_json(const char *path)
{
	return json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
}

static json_t *read_blob_json(const struct imagestore *s, const char *digest)
{
	const char *hex = digest_hex(digest);
	char path[PATH_MAX];

	if (!hex)
		return NULL;
	blob_path(s, hex, path, sizeof(path));
	return read_json(path);
}

/* The index, or a new empty one. */
static json_t *load_index(const struct imagestore *s)
{
	char path[PATH_MAX];
	json_t *idx;

	snprintf(path, sizeof(path), "%s/index.json", s->dir);
	idx = read_json(path);
	if (json_is_array(json_object_get(idx, "manifests")))
		return idx;
	json_decref(idx);
	return json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
			 MT_OCI_INDEX, "manifests");
}

static int save_index(const struct imagestore *s, const json_t *idx)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	snprintf(path, sizeof(path), "%s/index.json", s->dir);
	snprintf(tmp, sizeof(tmp), "%s/index.json.tmp", s->dir);
	if (json_dump_file(idx, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) < 0)
		return -EIO;
	if (rename(tmp, path) < 0)
		return -errno;
	return 0;
}

static const char *entry_name(const json_t *m)
{
	return json_string_value(json_object_get(
	    json_object_get(m, "annotations"), NAME_ANNOTATION));
}

/*
 * Move file src into the store as a blob; want (may be NULL) is the hex
 * digest it must have. ret_hex gets its digest, ret_size its size.
 */
static int import_blob(struct imagestore *s, const char *src, const char *want,
		       char ret_hex[SHA256_HEX + 1], json_int_t *ret_size,
		       struct kf_error *err)
{
	char hex[SHA256_HEX + 1], dst[PATH_MAX];
	struct stat st;
	int r;

	if (stat(src, &st) < 0 || !S_ISREG(st.st_mode))
		return kf_error_set(err, -EINVAL, "archive is missing blob %s",
				    want ? want : strrchr(src, '/') + 1);
	r = sha256_file(src, hex);
	if (r < 0)
		return kf_error_set(err, r, "reading %s: %s", src,
				    strerror(-r));
	if (want && strcmp(want, hex))
		return kf_error_set(err, -EINVAL,
				    "digest mismatch: expected sha256:%s, got "
				    "sha256:%s",
				    want, hex);
	blob_path(s, hex, dst, sizeof(dst));
	if (access(dst, F_OK) == 0)
		unlink(src);
	else if (rename(src, dst) < 0)
		return kf_error_set(err, -errno, "storing blob: %s",
				    strerror(errno));
	memcpy(ret_hex, hex, sizeof(hex));
	if (ret_size)
		*ret_size = st.st_size;
	return 0;
}

/* Point name at manifest (digest, size) in the index. */
static int index_put(json_t *idx, const char *name, const char *hex,
		     json_int_t size)
{
	json_t *ms = json_object_get(idx, "manifests"), *m;
	const char *colon = strrchr(name, ':'), *slash = strrchr(name, '/');
	char digest[80];
	size_t i;

	for (i = 0; i < json_array_size(ms);) {
		const char *n = entry_name(json_array_get(ms, i));

		if (n && !strcmp(n, name))
			json_array_remove(ms, i);
		else
			i++;
	}
	if (json_array_size(ms) >= IMAGESTORE_IMAGES_MAX)
		return -ENOSPC;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	m = json_pack(
	    "{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType", MT_OCI_MANIFEST,
	    "digest", digest, "size", size, "annotations", NAME_ANNOTATION,
	    name, "org.opencontainers.image.ref.name",
	    colon && (!slash || colon > slash) ? colon + 1 : "latest");
	if (!m)
		return -ENOMEM;
	return json_array_append_new(ms, m) < 0 ? -ENOMEM : 0;
}

/* A `docker save` archive extracted in dir: manifest.json. */
static int load_docker(struct imagestore *s, const char *dir,
		       const json_t *manifest, json_t *idx, json_t *names,
		       struct kf_error *err)
{
	char path[PATH_MAX], hex[SHA256_HEX + 1];
	size_t i, j;
	json_t *e, *l;
	int r;

	json_array_foreach (manifest, i, e) {
		const char *cfg =
		    json_string_value(json_object_get(e, "Config"));
		json_t *layers = json_object_get(e, "Layers");
		json_t *tags = json_object_get(e, "RepoTags");
		_cleanup_json_ json_t *m = NULL;
		_cleanup_free_ char *mtext = NULL;
		json_int_t size;
		struct sha256 sh;
		FILE *f;

		if (!cfg || !json_is_array(layers) || strstr(cfg, "..") ||
		    json_array_size(layers) > IMAGESTORE_LAYERS_MAX)
			return kf_error_set(err, -EINVAL,
					    "manifest.json: entry %zu has no "
					    "Config or Layers",
					    i);
		if (snprintf(path, sizeof(path), "%s/%s", dir, cfg) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		r = import_blob(s, path, NULL, hex, &size, err);
		if (r < 0)
			return r;
		m = json_pack("{s:i, s:s, s:{s:s, s:s+, s:I}, s:[]}",
			      "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
			      "config", "mediaType", MT_OCI_CONFIG, "digest",
			      "sha256:", hex, "size", size, "layers");
		if (!m)
			return -ENOMEM;
		json_array_foreach (layers, j, l) {
			const char *lp = json_string_value(l);
			unsigned char magic[2] = {0, 0};
			json_t *d;

			if (!lp || strstr(lp, ".."))
				return kf_error_set(err, -EINVAL,
						    "manifest.json: bad layer "
						    "path");
			if (snprintf(path, sizeof(path), "%s/%s", dir, lp) >=
			    (int)sizeof(path))
				return -ENAMETOOLONG;
			f = fopen(path, "rb");
			if (f) {
				if (fread(magic, 1, 2, f) != 2)
					magic[0] = 0;
				fclose(f);
			}
			r = import_blob(s, path, NULL, hex, &size, err);
			if (r < 0)
				return r;
			d = json_pack("{s:s, s:s+, s:I}", "mediaType",
				      magic[0] == 0x1f && magic[1] == 0x8b
					  ? MT_OCI_LAYER "+gzip"
					  : MT_OCI_LAYER,
				      "digest", "sha256:", hex, "size", size);
			if (!d || json_array_append_new(
				      json_object_get(m, "layers"), d) < 0)
				return -ENOMEM;
		}
		mtext = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
		if (!mtext)
			return -ENOMEM;
		sha256_init(&sh);
		sha256_update(&sh, mtext, strlen(mtext));
		sha256_final_hex(&sh, hex);
		blob_path(s, hex, path, sizeof(path));
		f = fopen(path, "wx");
		if (f) {
			fputs(mtext, f);
			if (fclose(f) != 0)
				return -EIO;
		}
		json_array_foreach (tags, j, l) {
			_cleanup_free_ char *name = NULL;

			if (!json_is_string(l) ||
			    image_normalize(json_string_value(l), &name) < 0)
				continue;
			r = index_put(idx, name, hex,
				      (json_int_t)strlen(mtext));
			if (r == 0)
				r = json_array_append_new(names,
							  json_string(name));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Import descriptor d's blob from an OCI layout in dir, and (for a
 * manifest or an index) every blob it references. */
static int import_tree(struct imagestore *s, const char *dir, const json_t *d,
		       int depth, struct kf_error *err)
{
	const char *hex =
	    digest_hex(json_string_value(json_object_get(d, "digest")));
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	char path[PATH_MAX], got[SHA256_HEX + 1];
	_cleanup_json_ json_t *obj = NULL;
	size_t i;
	json_t *c;
	int r;

	if (!hex || depth > 2)
		return kf_error_set(err, -EINVAL, "index.json: bad descriptor");
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	if (mt && (strstr(mt, "manifest") || strstr(mt, "index"))) {
		obj = read_json(path);
		json_array_foreach (json_object_get(obj, "manifests"), i, c) {
			r = import_tree(s, dir, c, depth + 1, err);
			if (r < 0)
				return r;
		}
		if (json_object_get(obj, "config")) {
			r = import_tree(s, dir, json_object_get(obj, "config"),
					depth + 1, err);
			if (r < 0)
				return r;
		}
		json_array_foreach (json_object_get(obj, "layers"), i, c) {
			r = import_tree(s, dir, c, depth + 1, err);
			if (r < 0)
				return r;
		}
	}
	if (access(path, F_OK) < 0) {
		/* a blob shared by two images was moved in already */
		blob_path(s, hex, path, sizeof(path));
		return access(path, F_OK) == 0
			   ? 0
			   : kf_error_set(err, -EINVAL,
					  "archive is missing blob sha256:%s",
					  hex);
	}
	return import_blob(s, path, hex, got, NULL, err);
}

/* An OCI image layout extracted in dir: index.json. */
static int load_oci(struct imagestore *s, const char *dir, const json_t *oidx,
		    json_t *idx, json_t *names, struct kf_error *err)
{
	size_t i;
	json_t *d;
	int r;

	json_array_foreach (json_object_get(oidx, "manifests"), i, d) {
		const json_t *an = json_object_get(d, "annotations");
		const char *n =
		    json_string_value(json_object_get(an, NAME_ANNOTATION));
		_cleanup_free_ char *name = NULL;

		if (!n)
			n = json_string_value(json_object_get(
			    an, "org.opencontainers.image.ref.name"));
		r = import_tree(s, dir, d, 0, err);
		if (r < 0)
			return r;
		if (!n || image_normalize(n, &name) < 0)
			continue; /* no name: nothing to run it by */
		r = index_put(
		    idx, name,
		    digest_hex(json_string_value(json_object_get(d, "digest"))),
		    json_integer_value(json_object_get(d, "size")));
		if (r == 0)
			r = json_array_append_new(names, json_string(name));
		if (r < 0)
			return r;
	}
	return 0;
}

int imagestore_load(struct imagestore *s, const char *archive,
		    struct kf_error *err, json_t **ret_names)
{
	_cleanup_json_ json_t *idx = NULL, *names = json_array();
	_cleanup_json_ json_t *manifest = NULL, *oidx = NULL;
	char dir[PATH_MAX], path[PATH_MAX];
	struct proc_result pr = {0};
	int fd, r;

	if (access(archive, R_OK) < 0)
		return kf_error_set(err, -errno, "open %s: %s", archive,
				    strerror(errno));
	fd = lock_store(s);
	if (fd < 0)
		return kf_error_set(err, fd, "locking the image store: %s",
				    strerror(-fd));
	snprintf(dir, sizeof(dir), "%s/tmp/load.XXXXXX", s->dir);
	if (!mkdtemp(dir)) {
		r = kf_error_set(err, -errno, "%s", strerror(errno));
		goto out_unlock;
	}
	{
		char *argv[] = {"tar", "-xf", (char *)archive,
				"-C",  dir,   "--no-same-owner",
				NULL};

		r = proc_run(argv, NULL, NULL, &pr);
	}
	if (r < 0 || pr.status != 0) {
		r = kf_error_set(err, -EINVAL, "%s is not an image archive: %s",
				 archive, r < 0 ? strerror(-r) : pr.err);
		goto out_rm;
	}
	idx = load_index(s);
	if (snprintf(path, sizeof(path), "%s/manifest.json", dir) <
	    (int)sizeof(path))
		manifest = read_json(path);
	if (snprintf(path, sizeof(path), "%s/index.json", dir) <
	    (int)sizeof(path))
		oidx = read_json(path);
	if (json_is_array(manifest))
		r = load_docker(s, dir, manifest, idx, names, err);
	else if (json_is_object(oidx))
		r = load_oci(s, dir, oidx, idx, names, err);
	else
		r = kf_error_set(err, -EINVAL,
				 "%s is not an image archive: it has neither "
				 "manifest.json nor index.json",
				 archive);
	if (r == 0 && !json_array_size(names))
		r = kf_error_set(err, -EINVAL, "%s holds no named image",
				 archive);
	if (r == 0)
		r = save_index(s, idx);
	if (r == 0 && ret_names)
		*ret_names = TAKE_PTR(names);
out_rm:
	fsutil_rm_rf(dir);
out_unlock:
	proc_result_release(&pr);
	unlock_store(s, fd);
	return r;
}

/* The bytes of the blobs of manifest m (itself excluded). */
static json_int_t manifest_size(const json_t *m)
{
	json_int_t n = json_integer_value(
	    json_object_get(json_object_get(m, "config"), "size"));
	size_t i;
	json_t *l;

	json_array_foreach (json_object_get(m, "layers"), i, l)
		n += json_integer_value(json_object_get(l, "size"));
	return n;
}

/* Pick this platform's manifest of a manifest list. New reference. */
static json_t *platform_manifest(const struct imagestore *s, json_t *m)
{
	size_t i;
	json_t *d;

	if (!json_object_get(m, "manifests"))
		return json_incref(m);
	json_array_foreach (json_object_get(m, "manifests"), i, d) {
		const json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch =
		    json_string_value(json_object_get(p, "architecture"));

		if ((!os || !strcmp(os, "linux")) &&
		    (!arch || !strcmp(arch, "amd64")))
			return read_blob_json(
			    s, json_string_value(json_object_get(d, "digest")));
	}
	return NULL;
}

int imagestore_list(struct imagestore *s, json_t **ret)
{
	_cleanup_json_ json_t *idx = NULL, *out = json_array();
	size_t i;
	json_t *e;

	if (!out)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	idx = load_index(s);
	pthread_mutex_unlock(&s->lock);
	json_array_foreach (json_object_get(idx, "manifests"), i, e) {
		const char *digest =
		    json_string_value(json_object_get(e, "digest"));
		_cleanup_json_ json_t *top = read_blob_json(s, digest);
		_cleanup_json_ json_t *m = platform_manifest(s, top);
		const char *id = json_string_value(
		    json_object_get(json_object_get(m, "config"), "digest"));

		char path[PATH_MAX];
		struct stat st;
		json_int_t loaded = 0;

		if (digest_hex(digest)) {
			blob_path(s, digest_hex(digest), path, sizeof(path));
			if (stat(path, &st) == 0)
				loaded = (json_int_t)st.st_mtim.tv_sec * 1000 +
					 st.st_mtim.tv_nsec / 1000000;
		}
		if (json_array_append_new(
			out, json_pack("{s:s, s:s, s:s, s:I, s:I}", "name",
				       entry_name(e) ? entry_name(e) : "",
				       "digest", digest ? digest : "", "id",
				       id ? id : "", "size", manifest_size(m),
				       "loaded", loaded)) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* Does the index entry e match ref (a name or a digest)? */
static bool entry_matches(const struct imagestore *s, const json_t *e,
			  const char *ref, const char *norm)
{
	const char *digest = json_string_value(json_object_get(e, "digest"));
	const char *name = entry_name(e);

	if (name && norm && !strcmp(name, norm))
		return true;
	if (!digest_hex(ref))
		return false;
	if (digest && !strcmp(digest, ref))
		return true;
	{
		_cleanup_json_ json_t *top = read_blob_json(s, digest);
		_cleanup_json_ json_t *m = platform_manifest(s, top);
		const char *id = json_string_value(
		    json_object_get(json_object_get(m, "config"), "digest"));

		return id && !strcmp(id, ref);
	}
}

/* Add the hex digests of entry e's blobs to set (an object). */
static void mark_blobs(const struct imagestore *s, const json_t *e, json_t *set)
{
	const char *digest = json_string_value(json_object_get(e, "digest"));
	_cleanup_json_ json_t *top = read_blob_json(s, digest);
	size_t i;
	json_t *d;

	if (digest_hex(digest))
		json_object_set_new(set, digest_hex(digest), json_true());
	json_array_foreach (json_object_get(top, "manifests"), i, d)
		mark_blobs(s, d, set); /* a list's manifests */
	{
		const char *c = json_string_value(
		    json_object_get(json_object_get(top, "config"), "digest"));

		if (digest_hex(c))
			json_object_set_new(set, digest_hex(c), json_true());
	}
	json_array_foreach (json_object_get(top, "layers"), i, d) {
		const char *l = json_string_value(json_object_get(d, "digest"));

		if (digest_hex(l))
			json_object_set_new(set, digest_hex(l), json_true());
	}
}

/* Is path mentioned by a mount (an overlay lower dir in use)? */
static bool mounted_somewhere(const char *path)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0)
		found = strstr(line, path) != NULL;
	fclose(f);
	return found;
}

/*
 * Remove what sub (layers, blobs/sha256) holds that keep does not name:
 * an unpacked layer unless a mount uses it, a blob unless its layer is
 * still unpacked (mounted).
 */
static void sweep(struct imagestore *s, const char *sub, const json_t *keep)
{
	bool layers = !strcmp(sub, "layers");
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", s->dir, sub);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || json_object_get(keep, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/layers/%s", s->dir,
			 de->d_name);
		if (layers && !mounted_somewhere(path)) {
			fsutil_rm_rf(path);
		} else if (!layers && access(path, F_OK) < 0) {
			blob_path(s, de->d_name, path, sizeof(path));
			unlink(path);
		}
	}
	closedir(d);
}

/* Remove blobs and layers no entry of idx uses. */
static void collect_garbage(struct imagestore *s, const json_t *idx)
{
	_cleanup_json_ json_t *keep = json_object();
	size_t i;
	json_t *e;

	if (!keep)
		return;
	json_array_foreach (json_object_get(idx, "manifests"), i, e)
		mark_blobs(s, e, keep);
	sweep(s, "layers", keep);
	sweep(s, "blobs/sha256", keep);
}

/*
 * Normalise ref (left NULL for a digest), lock the store and read the
 * index. Returns the lock's fd (unlock_store()), or an error with err.
 */
static int lookup_begin(struct imagestore *s, const char *ref,
			struct kf_error *err, char **ret_norm, json_t **ret_idx)
{
	int fd;

	if (!digest_hex(ref) && image_normalize(ref, ret_norm) < 0)
		return kf_error_set(err, -EINVAL, "invalid reference \"%s\"",
				    ref);
	fd = lock_store(s);
	if (fd < 0)
		return kf_error_set(err, fd, "locking the image store: %s",
				    strerror(-fd));
	*ret_idx = load_index(s);
	return fd;
}

int imagestore_remove(struct imagestore *s, const char *ref,
		      struct kf_error *err)
{
	_cleanup_json_ json_t *idx = NULL;
	_cleanup_free_ char *norm = NULL;
	json_t *ms;
	size_t i, removed = 0;
	int fd, r = 0;

	fd = lookup_begin(s, ref, err, &norm, &idx);
	if (fd < 0)
		return fd;
	ms = json_object_get(idx, "manifests");
	for (i = 0; i < json_array_size(ms);) {
		if (entry_matches(s, json_array_get(ms, i), ref, norm)) {
			json_array_remove(ms, i);
			removed++;
		} else {
			i++;
		}
	}
	if (!removed)
		r = kf_error_set(err, -ENOENT, "no such image: %s", ref);
	if (r == 0)
		r = save_index(s, idx);
	if (r == 0)
		collect_garbage(s, idx);
	unlock_store(s, fd);
	return r;
}

int imagestore_resolve(struct imagestore *s, const char *ref,
		       struct kf_error *err, struct image_info **ret)
{
	_cleanup_json_ json_t *idx = NULL, *top = NULL, *m = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_free_ char *norm = NULL;
	const json_t *entry = NULL, *layers;
	struct image_info *im = NULL;
	const char *cdig;
	size_t i;
	json_t *e;
	int fd, r;

	fd = lookup_begin(s, ref, err, &norm, &idx);
	if (fd < 0)
		return fd;
	json_array_foreach (json_object_get(idx, "manifests"), i, e)
		if (entry_matches(s, e, ref, norm))
			entry = e;
	r = -ENOENT;
	if (!entry)
		goto out_unlock;
	top = read_blob_json(
	    s, json_string_value(json_object_get(entry, "digest")));
	m = platform_manifest(s, top);
	cdig = json_string_value(
	    json_object_get(json_object_get(m, "config"), "digest"));
	cfg = read_blob_json(s, cdig);
	layers = json_object_get(m, "layers");
	r = kf_error_set(err, -EINVAL, "image %s is broken: %s", ref,
			 !m ? "no manifest for linux/amd64"
			    : "no config or layers");
	if (!m || !cfg || !json_is_array(layers) ||
	    json_array_size(layers) > IMAGESTORE_LAYERS_MAX)
		goto out_unlock;
	r = -ENOMEM;
	im = calloc(1, sizeof(*im));
	if (!im ||
	    !(im->layers = calloc(json_array_size(layers) + 1, sizeof(char *))))
		goto out_unlock;
	im->name = strdup(entry_name(entry) ? entry_name(entry) : ref);
	snprintf(im->digest, sizeof(im->digest), "%s",
		 json_string_value(json_object_get(entry, "digest")));
	snprintf(im->config_id, sizeof(im->config_id), "%s", cdig);
	im->config = json_incref(json_object_get(cfg, "config"));
	if (!im->config)
		im->config = json_object();
	json_array_foreach (layers, i, e) {
		const char *hex =
		    digest_hex(json_string_value(json_object_get(e, "digest")));

		r = hex ? imagestore_unpack_layer(s->dir, hex, err,
						  &im->layers[i])
			: kf_error_set(err, -EINVAL, "image %s: bad layer",
				       ref);
		if (r < 0)
			goto out_unlock;
		im->n_layers++;
	}
	r = im->name ? 0 : -ENOMEM;
	if (r == 0)
		*ret = TAKE_PTR(im);
out_unlock:
	unlock_store(s, fd);
	image_info_free(im);
	return r;
}

int imagestore_add(struct imagestore *s, const char *name, const char *manifest,
		   size_t manifest_len, const char *const *paths,
		   const char *const *hexes, size_t n, struct kf_error *err)
{
	_cleanup_json_ json_t *idx = NULL;
	char hex[SHA256_HEX + 1], got[SHA256_HEX + 1], path[PATH_MAX];
	struct sha256 sh;
	FILE *f;
	int fd, r = 0;

	fd = lock_store(s);
	if (fd < 0)
		return kf_error_set(err, fd, "locking the image store: %s",
				    strerror(-fd));
	for (size_t i = 0; i < n && r == 0; i++)
		r = import_blob(s, paths[i], hexes[i], got, NULL, err);
	if (r < 0)
		goto out_unlock;
	sha256_init(&sh);
	sha256_update(&sh, manifest, manifest_len);
	sha256_final_hex(&sh, hex);
	blob_path(s, hex, path, sizeof(path));
	f = fopen(path, "wxe");
	if (f) {
		if (fwrite(manifest, 1, manifest_len, f) != manifest_len)
			r = -EIO;
		if (fclose(f) != 0)
			r = -EIO;
	}
	idx = load_index(s);
	if (r == 0)
		r = index_put(idx, name, hex, (json_int_t)manifest_len);
	if (r == 0)
		r = save_index(s, idx);
	if (r < 0 && !err->msg[0])
		kf_error_set(err, r, "storing %s: %s", name, strerror(-r));
out_unlock:
	unlock_store(s, fd);
	return r;
}

const char *imagestore_tmp_dir(const struct imagestore *s, char *buf,
			       size_t size)
{
	snprintf(buf, size, "%s/tmp", s->dir);
	return buf;
}
