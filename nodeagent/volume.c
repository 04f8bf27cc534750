/*
 * volume.c — emptyDir, configMap, secret, downwardAPI, projected and
 * hostPath volumes; env from ConfigMaps and Secrets.
 */
#include "nodeagent/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/jsonfield.h"
#include "api/quantity.h"
#include "nodeagent/fsutil.h"

#define DEFAULT_MODE 0644

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *pod_ns(const json_t *pod)
{
	const char *ns = jstr(json_object_get(pod, "metadata"), "namespace");

	return ns ? ns : "default";
}

int volume_b64_decode(const char *in, char **ret, size_t *ret_len)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), o = 0;
	unsigned v = 0, bits = 0;
	char *out = malloc(n * 3 / 4 + 4);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *p;

		if (in[i] == '=' || in[i] == '\n' || in[i] == '\r')
			continue;
		p = strchr(tbl, in[i]);
		if (!p || !in[i]) {
			free(out);
			return -EINVAL;
		}
		v = v << 6 | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(v >> bits & 0xff);
		}
	}
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	return 0;
}

/* The object, or an error in the kubelet's words. */
static int get_obj(const struct volume_ctx *v, const char *kind, const char *ns,
		   const char *name, bool optional, struct kf_error *err,
		   json_t **ret)
{
	int r = v->get ? v->get(v->get_ud, kind, ns, name, ret) : -ENOENT;

	*ret = r == 0 ? *ret : NULL;
	if (r == -ENOENT && optional)
		return 0;
	if (r == -ENOENT)
		return kf_error_set(
		    err, r, "%s \"%s\" not found",
		    !strcmp(kind, "secrets") ? "secret" : "configmap", name);
	if (r < 0)
		return kf_error_set(err, r, "cannot read %s %s/%s: %s", kind,
				    ns, name, strerror(-r));
	return 0;
}

/* The value of key in a ConfigMap (data, binaryData) or Secret (data,
 * base64). *ret malloc'd. -ENOENT if absent. */
static int obj_value(const json_t *obj, bool secret, const char *key,
		     char **ret, size_t *ret_len)
{
	const char *s = jstr(json_object_get(obj, "data"), key);

	if (!s && !secret)
		s = jstr(json_object_get(obj, "binaryData"), key);
	if (!s && secret)
		s = jstr(json_object_get(obj, "stringData"), key);
	if (!s)
		return -ENOENT;
	if (secret || !jstr(json_object_get(obj, "data"), key))
		return volume_b64_decode(s, ret, ret_len);
	*ret = strdup(s);
	*ret_len = strlen(s);
	return *ret ? 0 : -ENOMEM;
}

static int write_file(const char *path, const char *data, size_t len,
		      mode_t mode)
{
	char dir[4096];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	fsutil_mkdir_p(dir, 0755);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	fchmod(fd, mode);
	close(fd);
	return 0;
}

static mode_t mode_of(const json_t *o, const char *key, mode_t def)
{
	const json_t *m = json_object_get(o, key);

	return json_is_integer(m) ? (mode_t)json_integer_value(m) & 07777 : def;
}

/* A configMap or secret source: its keys (or items) as files in dir. */
static int write_keys(const struct volume_ctx *v, const json_t *pod,
		      const json_t *src, bool secret, const char *dir,
		      mode_t def_mode, struct kf_error *err)
{
	const char *name = jstr(src, secret ? "secretName" : "name");
	bool optional = json_is_true(json_object_get(src, "optional"));
	_cleanup_json_ json_t *obj = NULL;
	const json_t *items = json_object_get(src, "items");
	char path[4096];
	size_t i;
	json_t *it;
	int r;

	if (!name)
		name = jstr(src, "name");
	r = get_obj(v, secret ? "secrets" : "configmaps", pod_ns(pod), name,
		    optional, err, &obj);
	if (r < 0 || !obj)
		return r;
	def_mode = mode_of(src, "defaultMode", def_mode);
	if (json_array_size(items)) {
		json_array_foreach (items, i, it) {
			const char *key = jstr(it, "key");
			const char *p = jstr(it, "path");
			_cleanup_free_ char *val = NULL;
			size_t len;

			if (!key || !p || strstr(p, "..") || *p == '/')
				return kf_error_set(err, -EINVAL,
						    "invalid item path");
			if (obj_value(obj, secret, key, &val, &len) < 0) {
				if (optional)
					continue;
				return kf_error_set(
				    err, -ENOENT,
				    "couldn't find key %s in %s %s/%s", key,
				    secret ? "Secret" : "ConfigMap",
				    pod_ns(pod), name);
			}
			snprintf(path, sizeof(path), "%s/%s", dir, p);
			r = write_file(path, val, len,
				       mode_of(it, "mode", def_mode));
			if (r < 0)
				return kf_error_set(err, r, "%s: %s", path,
						    strerror(-r));
		}
		return 0;
	}
	for (int pass = 0; pass < 3; pass++) {
		const char *field = pass == 0	? "data"
				    : pass == 1 ? "binaryData"
						: "stringData";
		const char *key;
		json_t *val;

		json_object_foreach (json_object_get(obj, field), key, val) {
			_cleanup_free_ char *data = NULL;
			size_t len;

			if (strchr(key, '/') || !strcmp(key, "..") ||
			    obj_value(obj, secret, key, &data, &len) < 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, key);
			r = write_file(path, data, len, def_mode);
			if (r < 0)
				return kf_error_set(err, r, "%s: %s", path,
						    strerror(-r));
		}
	}
	return 0;
}

/* "k=\"v\"\n" lines of a labels/annotations map, as the kubelet. */
static char *map_text(const json_t *m)
{
	const char *k;
	json_t *v;
	char *out = strdup(""), *n;

	json_object_foreach ((json_t *)m, k, v) {
		if (!out || asprintf(&n, "%s%s=\"%s\"\n", out, k,
				     json_string_value(v) ? json_string_value(v)
							  : "") < 0) {
			free(out);
			return NULL;
		}
		free(out);
		out = n;
	}
	return out;
}

static int write_downward(const json_t *pod, const json_t *src, const char *dir,
			  struct kf_error *err)
{
	const json_t *meta = json_object_get(pod, "metadata");
	mode_t def = mode_of(src, "defaultMode", DEFAULT_MODE);
	char path[4096];
	size_t i;
	json_t *it;

	json_array_foreach (json_object_get(src, "items"), i, it) {
		const char *fp =
		    jstr(json_object_get(it, "fieldRef"), "fieldPath");
		const char *p = jstr(it, "path");
		_cleanup_free_ char *text = NULL;
		int r;

		if (!fp || !p || strstr(p, "..") || *p == '/')
			continue;
		if (!strcmp(fp, "metadata.labels"))
			text = map_text(json_object_get(meta, "labels"));
		else if (!strcmp(fp, "metadata.annotations"))
			text = map_text(json_object_get(meta, "annotations"));
		else if (!strncmp(fp, "metadata.", 9) && jstr(meta, fp + 9))
			text = strdup(jstr(meta, fp + 9));
		else
			return kf_error_set(err, -EINVAL,
					    "unsupported fieldPath: %s", fp);
		if (!text)
			return -ENOMEM;
		snprintf(path, sizeof(path), "%s/%s", dir, p);
		r = write_file(path, text, strlen(text),
			       mode_of(it, "mode", def));
		if (r < 0)
			return kf_error_set(err, r, "%s: %s", path,
					    strerror(-r));
	}
	return 0;
}

/* A tmpfs of size bytes (0: the default) on dir. */
static int tmpfs(const char *dir, long long size, struct kf_error *err)
{
	char opts[64] = "mode=0755";

	if (size > 0)
		snprintf(opts, sizeof(opts), "mode=0755,size=%lld", size);
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return kf_error_set(err, -errno, "mount tmpfs on %s: %s", dir,
				    strerror(errno));
	return 0;
}

static int setup_one(const struct volume_ctx *v, const json_t *pod,
		     const json_t *vol, const char *dir, struct kf_error *err)
{
	const json_t *src;
	size_t i;
	json_t *s;
	int r = 0;

	if ((src = json_object_get(vol, "hostPath"))) {
		if (!v->allow_host_path)
			return kf_error_set(err, -EPERM,
					    "hostPath volumes are not allowed "
					    "on this node (kubefs-node "
					    "--allow-host-path)");
		return 0;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return kf_error_set(err, -errno, "mkdir %s: %s", dir,
				    strerror(errno));
	if ((src = json_object_get(vol, "emptyDir"))) {
		struct quantity q;
		const json_t *lim = json_object_get(src, "sizeLimit");
		const char *medium = jstr(src, "medium");

		if (medium && !strcmp(medium, "Memory"))
			r = tmpfs(dir,
				  lim && quantity_from_json(lim, &q) == 0
				      ? quantity_value(&q)
				      : 0,
				  err);
		return r;
	}
	if ((src = json_object_get(vol, "configMap")))
		return write_keys(v, pod, src, false, dir, DEFAULT_MODE, err);
	if ((src = json_object_get(vol, "secret"))) {
		r = tmpfs(dir, 0, err);
		return r ? r
			 : write_keys(v, pod, src, true, dir, DEFAULT_MODE,
				      err);
	}
	if ((src = json_object_get(vol, "downwardAPI")))
		return write_downward(pod, src, dir, err);
	if ((src = json_object_get(vol, "projected"))) {
		mode_t def = mode_of(src, "defaultMode", DEFAULT_MODE);

		r = tmpfs(dir, 0, err);
		json_array_foreach (json_object_get(src, "sources"), i, s) {
			if (r < 0)
				break;
			if (json_object_get(s, "configMap"))
				r = write_keys(v, pod,
					       json_object_get(s, "configMap"),
					       false, dir, def, err);
			else if (json_object_get(s, "secret"))
				r = write_keys(v, pod,
					       json_object_get(s, "secret"),
					       true, dir, def, err);
			else if (json_object_get(s, "downwardAPI"))
				r = write_downward(
				    pod, json_object_get(s, "downwardAPI"), dir,
				    err);
		}
		return r;
	}
	return kf_error_set(err, -EINVAL,
			    "volume \"%s\": this kind of volume is not "
			    "supported on this node",
			    jstr(vol, "name"));
}

int volume_setup(const struct volume_ctx *v, const json_t *pod, const char *dir,
		 struct kf_error *err)
{
	char base[4096], path[4400];
	size_t i;
	json_t *vol;
	int r;

	snprintf(base, sizeof(base), "%s/volumes", dir);
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		return kf_error_set(err, -errno, "mkdir %s: %s", base,
				    strerror(errno));
	json_array_foreach (
	    json_object_get(json_object_get(pod, "spec"), "volumes"), i, vol) {
		const char *name = jstr(vol, "name");

		if (!name || strchr(name, '/') || !strcmp(name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, name);
		r = setup_one(v, pod, vol, path, err);
		if (r < 0) {
			char msg[KF_ERROR_MSG_MAX];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return kf_error_set(err, r,
					    "MountVolume.SetUp failed for "
					    "volume \"%s\" : %s",
					    name, msg);
		}
	}
	return 0;
}

void volume_teardown(const char *dir)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/volumes", dir);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char sub[4400];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		umount2(sub, MNT_DETACH); /* the tmpfs ones; others: EINVAL */
	}
	if (d)
		closedir(d);
}

int volume_mounts(const json_t *pod, const json_t *container, const char *dir,
		  struct kf_error *err, json_t **ret)
{
	_cleanup_json_ json_t *out = json_array();
	const json_t *vols =
	    json_object_get(json_object_get(pod, "spec"), "volumes");
	size_t i;
	json_t *m;

	if (!out)
		return -ENOMEM;
	json_array_foreach (json_object_get(container, "volumeMounts"), i, m) {
		const char *name = jstr(m, "name");
		const char *dest = jstr(m, "mountPath");
		const char *sub = jstr(m, "subPath");
		const json_t *vol = jfield_named(vols, name);
		const char *host;
		char src[4096];

		if (!vol || !dest)
			return kf_error_set(err, -EINVAL,
					    "volume \"%s\" not found",
					    name ? name : "");
		host = jstr(json_object_get(vol, "hostPath"), "path");
		if (host)
			snprintf(src, sizeof(src), "%s", host);
		else
			snprintf(src, sizeof(src), "%s/volumes/%s", dir, name);
		if (sub && *sub) {
			if (strstr(sub, "..") || *sub == '/')
				return kf_error_set(err, -EINVAL,
						    "invalid subPath \"%s\"",
						    sub);
			strncat(src, "/", sizeof(src) - strlen(src) - 1);
			strncat(src, sub, sizeof(src) - strlen(src) - 1);
		}
		if (json_array_append_new(
			out,
			json_pack("{s:s, s:s, s:s, s:[s,s,s]}", "destination",
				  dest, "type", "bind", "source", src,
				  "options", "rbind", "rprivate",
				  json_is_true(json_object_get(m, "readOnly"))
				      ? "ro"
				      : "rw")) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* Add "PREFIX+K=V" for every key of obj to env. */
static int env_all(const json_t *obj, bool secret, const char *prefix,
		   json_t *env)
{
	for (int pass = 0; pass < 2; pass++) {
		const char *key;
		json_t *val;

		json_object_foreach (
		    json_object_get(obj, pass ? "binaryData" : "data"), key,
		    val) {
			_cleanup_free_ char *data = NULL, *kv = NULL;
			size_t len;

			if (obj_value(obj, secret, key, &data, &len) < 0 ||
			    asprintf(&kv, "%s%s=%s", prefix ? prefix : "", key,
				     data) < 0)
				continue;
			json_array_append_new(env, json_string(kv));
		}
	}
	return 0;
}

int volume_env(const struct volume_ctx *v, const json_t *pod,
	       const json_t *container, struct kf_error *err, json_t **ret)
{
	_cleanup_json_ json_t *env = json_array();
	size_t i;
	json_t *e;
	int r;

	if (!env)
		return -ENOMEM;
	json_array_foreach (json_object_get(container, "envFrom"), i, e) {
		const json_t *cm = json_object_get(e, "configMapRef");
		const json_t *sec = json_object_get(e, "secretRef");
		const json_t *ref = cm ? cm : sec;
		_cleanup_json_ json_t *obj = NULL;

		if (!ref)
			continue;
		r = get_obj(v, cm ? "configmaps" : "secrets", pod_ns(pod),
			    jstr(ref, "name"),
			    json_is_true(json_object_get(ref, "optional")), err,
			    &obj);
		if (r < 0)
			return r;
		if (obj)
			env_all(obj, !cm, jstr(e, "prefix"), env);
	}
	json_array_foreach (json_object_get(container, "env"), i, e) {
		const json_t *from = json_object_get(e, "valueFrom");
		const json_t *cm = json_object_get(from, "configMapKeyRef");
		const json_t *sec = json_object_get(from, "secretKeyRef");
		const json_t *ref = cm ? cm : sec;
		bool optional = json_is_true(json_object_get(ref, "optional"));
		_cleanup_json_ json_t *obj = NULL;
		_cleanup_free_ char *val = NULL, *kv = NULL;
		const char *key = jstr(ref, "key");
		size_t len;

		if (!ref || !jstr(e, "name"))
			continue;
		r = get_obj(v, cm ? "configmaps" : "secrets", pod_ns(pod),
			    jstr(ref, "name"), optional, err, &obj);
		if (r < 0)
			return r;
		if (!obj)
			continue;
		if (!key || obj_value(obj, !cm, key, &val, &len) < 0) {
			if (optional)
				continue;
			return kf_error_set(
			    err, -ENOENT, "couldn't find key %s in %s %s/%s",
			    key ? key : "", cm ? "ConfigMap" : "Secret",
			    pod_ns(pod), jstr(ref, "name"));
		}
		if (asprintf(&kv, "%s=%s", jstr(e, "name"), val) < 0)
			return -ENOMEM;
		json_array_append_new(env, json_string(kv));
	}
	*ret = TAKE_PTR(env);
	return 0;
}

/* s as an env name: upper case, '-' as '_'. */
static void env_name(const char *s, char *buf, size_t size)
{
	snprintf(buf, size, "%s", s);
	for (char *c = buf; *c; c++)
		*c = *c == '-'			? '_'
		     : (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A')
						: *c;
}

static void add_env(json_t *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_env(json_t *env, const char *fmt, ...)
{
	char kv[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kv, sizeof(kv), fmt, ap);
	va_end(ap);
	json_array_append_new(env, json_string(kv));
}

/* The env of one Service into env. */
static void service_env(const json_t *svc, json_t *env)
{
	const json_t *spec = json_object_get(svc, "spec");
	const char *ip = jstr(spec, "clusterIP");
	const char *name = jstr(json_object_get(svc, "metadata"), "name");
	char n[300];
	size_t i;
	json_t *p;

	if (!ip || !*ip || !strcmp(ip, "None") || !name ||
	    !json_array_size(json_object_get(spec, "ports")))
		return;
	env_name(name, n, sizeof(n));
	add_env(env, "%s_SERVICE_HOST=%s", n, ip);
	json_array_foreach (json_object_get(spec, "ports"), i, p) {
		long long port = json_integer_value(json_object_get(p, "port"));
		const char *pn = jstr(p, "name");
		const char *proto = jstr(p, "protocol");
		char up[16], lo[16], pname[300];

		env_name(proto ? proto : "TCP", up, sizeof(up));
		snprintf(lo, sizeof(lo), "%s", up);
		for (char *c = lo; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		if (i == 0) {
			add_env(env, "%s_SERVICE_PORT=%lld", n, port);
			add_env(env, "%s_PORT=%s://%s:%lld", n, lo, ip, port);
		}
		if (pn && *pn) {
			env_name(pn, pname, sizeof(pname));
			add_env(env, "%s_SERVICE_PORT_%s=%lld", n, pname, port);
		}
		add_env(env, "%s_PORT_%lld_%s=%s://%s:%lld", n, port, up, lo,
			ip, port);
		add_env(env, "%s_PORT_%lld_%s_PROTO=%s", n, port, up, lo);
		add_env(env, "%s_PORT_%lld_%s_PORT=%lld", n, port, up, port);
		add_env(env, "%s_PORT_%lld_%s_ADDR=%s", n, port, up, ip);
	}
}

int volume_service_env(const struct volume_ctx *v, const json_t *pod,
		       json_t **ret)
{
	const json_t *links =
	    json_object_get(json_object_get(pod, "spec"), "enableServiceLinks");
	_cleanup_json_ json_t *env = json_array(), *items = NULL;
	_cleanup_json_ json_t *master = NULL;
	size_t i;
	json_t *svc;

	if (!env)
		return -ENOMEM;
	/* the API server's own Service always, the namespace's when on */
	if (v->get && v->get(v->get_ud, "services", "default", "kubernetes",
			     &master) == 0)
		service_env(master, env);
	if (v->list && !json_is_false(links) &&
	    v->list(v->get_ud, "services", pod_ns(pod), &items) == 0)
		json_array_foreach (items, i, svc) {
			const char *n =
			    jstr(json_object_get(svc, "metadata"), "name");

			if (n && !strcmp(n, "kubernetes") &&
			    !strcmp(pod_ns(pod), "default"))
				continue;
			service_env(svc, env);
		}
	*ret = TAKE_PTR(env);
	return 0;
}
