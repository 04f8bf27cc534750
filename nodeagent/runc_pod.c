/*
 * runc_pod.c — a runc pod's files (/etc/hosts, resolv.conf, hostname),
 * its cgroups by QoS class, and its record on disk (pod.json) from
 * which a restarted agent takes it back.
 */
#include "nodeagent/runc_i.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/quantity.h"
#include "nodeagent/dnsconfig.h"
#include "nodeagent/fsutil.h"
#include "nodeagent/image.h"

const char *runc_pod_str(const json_t *pod, const char *obj, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(pod, obj), key));
}

void runc_ctr_release(struct runc_ctr *c)
{
	runtime_container_status_release(&c->st);
	json_decref(c->spec);
}

void runc_pod_free(struct runc_pod *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_init; i++)
		runc_ctr_release(&p->init[i]);
	for (size_t i = 0; i < p->n_ctrs; i++)
		runc_ctr_release(&p->ctrs[i]);
	free(p->init);
	free(p->ctrs);
	json_decref(p->port_mappings);
	json_decref(p->ref);
	json_decref(p->images);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ---- the pod's files ---- */

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -EIO;
}

/* The host's resolv.conf, NULL if unreadable. */
static char *read_host_resolv(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen("/etc/resolv.conf", "re");

	if (!f)
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* /etc/hosts, /etc/hostname, /etc/resolv.conf as the kubelet writes them */
int runc_pod_write_files(const struct runc *rc, const struct runc_pod *p,
			 const json_t *pod)
{
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL;
	int r;

	if (asprintf(&hosts,
		     "# Kubernetes-managed hosts file.\n"
		     "127.0.0.1\tlocalhost\n"
		     "::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "fe00::0\tip6-localnet\n"
		     "fe00::0\tip6-mcastprefix\n"
		     "fe00::1\tip6-allnodes\n"
		     "fe00::2\tip6-allrouters\n"
		     "%s\t%s\n",
		     p->ip[0] ? p->ip : "127.0.1.1", p->name) < 0)
		return -ENOMEM;
	host_resolv = read_host_resolv();
	r = dnsconfig_render(pod, rc->cluster_dns, host_resolv, &resolv);
	if (r == 0)
		r = write_file(p->dir, "hosts", hosts);
	if (r == 0)
		r = write_file(p->dir, "resolv.conf", resolv);
	if (r == 0) {
		char hn[300];

		snprintf(hn, sizeof(hn), "%s\n", p->name);
		r = write_file(p->dir, "hostname", hn);
	}
	return r;
}

/* ---- cgroups ---- */

/* The pod's cgroup by QoS class, as the kubelet lays them out. */
void runc_pod_cgroup(const struct runc *rc, const json_t *pod,
		     struct runc_pod *p)
{
	const char *qos = runc_pod_str(pod, "status", "qosClass");

	if (qos && !strcmp(qos, "Guaranteed"))
		snprintf(p->cgroup, sizeof(p->cgroup), "%s/pod%s",
			 rc->cgroup_parent, p->uid);
	else
		snprintf(p->cgroup, sizeof(p->cgroup), "%s/%s/pod%s",
			 rc->cgroup_parent,
			 qos && !strcmp(qos, "BestEffort") ? "besteffort"
							   : "burstable",
			 p->uid);
}

/* When every container has a memory limit, the pod's cgroup gets their
 * sum (the kubelet's pod-level limit). */
void runc_pod_memory_limit(const json_t *pod, const struct runc_pod *p)
{
	long long sum = 0;
	char path[4300], val[32];
	size_t i;
	json_t *c;

	json_array_foreach (
	    json_object_get(json_object_get(pod, "spec"), "containers"), i, c) {
		struct quantity q;
		const json_t *v = json_object_get(
		    json_object_get(json_object_get(c, "resources"), "limits"),
		    "memory");

		if (!v || quantity_from_json(v, &q) < 0)
			return;
		sum += quantity_value(&q);
	}
	if (sum <= 0)
		return;
	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s", p->cgroup);
	if (fsutil_mkdir_p(path, 0755) < 0)
		return;
	snprintf(val, sizeof(val), "%lld", sum);
	write_file(path, "memory.limit_in_bytes", val); /* best effort */
}

/* Remove the pod's cgroup, and its parents once empty, everywhere. */
void runc_pod_remove_cgroups(const struct runc *rc, const struct runc_pod *p)
{
	/* the length of "/kubefs-H", the top of the node's cgroups */
	size_t top = strlen(rc->cgroup_parent) - strlen("/kubepods");
	char path[4400];
	struct dirent *de;
	DIR *d = opendir("/sys/fs/cgroup");

	while (d && (de = readdir(d))) {
		size_t base;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", de->d_name);
		base = strlen(path);
		snprintf(path + base, sizeof(path) - base, "%s", p->cgroup);
		/* up to and with /kubefs-H, while they are empty */
		for (;;) {
			char *slash;

			if (rmdir(path) < 0 && errno != ENOENT)
				break; /* not empty: others still use it */
			slash = strrchr(path, '/');
			if (!slash || (size_t)(slash - path) <= base)
				break;
			*slash = '\0';
			if (strlen(path) - base < top)
				break;
		}
	}
	if (d)
		closedir(d);
}

/* ---- the pod record on disk (re-adoption) ---- */

static json_t *ctr_record(const struct runc_ctr *c)
{
	return json_pack("{s:s, s:b, s:s, s:s, s:i, s:I, s:I, s:s?, s:s?}",
			 "name", c->st.name, "init", c->init, "id", c->id,
			 "bundle", c->bundle, "restartCount",
			 (int)c->st.restart_count, "startedSec",
			 (json_int_t)c->st.started_at.tv_sec, "startedNsec",
			 (json_int_t)c->st.started_at.tv_nsec, "image",
			 c->st.image, "imageID", c->st.image_id);
}

/* ROOT/pods/UID/pod.json: what a restarted agent needs to find the
 * pod's host objects and running containers again. */
void runc_pod_save(const struct runc_pod *p)
{
	_cleanup_json_ json_t *rec = NULL, *cs = json_array();
	char path[4096], tmp[4096];

	for (size_t i = 0; cs && i < p->n_init; i++)
		json_array_append_new(cs, ctr_record(&p->init[i]));
	for (size_t i = 0; cs && i < p->n_ctrs; i++)
		json_array_append_new(cs, ctr_record(&p->ctrs[i]));
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:O?, s:O}",
			"uid", p->uid, "namespace", p->ns, "name", p->name,
			"ip", p->ip, "cgroup", p->cgroup, "hostNetwork",
			p->host_network, "createdSec",
			(json_int_t)p->created.tv_sec, "createdNsec",
			(json_int_t)p->created.tv_nsec, "portMappings",
			p->port_mappings, "containers", cs);
	if (!rec)
		return;
	snprintf(path, sizeof(path), "%s/pod.json", p->dir);
	snprintf(tmp, sizeof(tmp), "%s/pod.json.tmp", p->dir);
	if (json_dump_file(rec, tmp, JSON_COMPACT) == 0)
		rename(tmp, path);
}

int runc_pod_init_ctrs(const json_t *specs, bool init, struct runc_ctr **ret,
		       size_t *ret_n)
{
	size_t n = json_array_size(specs), i;
	struct runc_ctr *cs;
	json_t *s;

	*ret = NULL;
	*ret_n = 0;
	if (!n)
		return 0;
	cs = calloc(n, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	json_array_foreach (specs, i, s) {
		const char *name =
		    json_string_value(json_object_get(s, "name"));

		cs[i].spec = json_incref(s);
		cs[i].init = init;
		cs[i].sidecar = init && runtime_is_sidecar(s);
		cs[i].st.state = RUNTIME_CREATED;
		cs[i].st.name = strdup(name ? name : "");
		cs[i].st.image =
		    strdup(json_string_value(json_object_get(s, "image"))
			       ? json_string_value(json_object_get(s, "image"))
			       : "");
		if (!cs[i].st.name || !cs[i].st.image) {
			for (size_t j = 0; j <= i; j++)
				runc_ctr_release(&cs[j]);
			free(cs);
			return -ENOMEM;
		}
	}
	*ret = cs;
	*ret_n = n;
	return 0;
}

struct runc_ctr *runc_pod_find_ctr(struct runc_pod *p, const char *name,
				   bool init)
{
	struct runc_ctr *cs = init ? p->init : p->ctrs;
	size_t n = init ? p->n_init : p->n_ctrs;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(cs[i].st.name, name))
			return &cs[i];
	return NULL;
}

/* *dst = a copy of rec's string key (kept when rec has none). */
static void rec_str(const json_t *rec, const char *key, char **dst)
{
	const char *v = json_string_value(json_object_get(rec, key));
	char *d = v ? strdup(v) : NULL;

	if (!d)
		return;
	free(*dst);
	*dst = d;
}

/* Take back what a record says ran (containers still running stay
 * RUNNING; ended ones are reaped at the next sync). */
static void runc_pod_adopt_record(struct runc_pod *p, const json_t *rec)
{
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(rec, "containers"), i, r) {
		const char *name =
		    json_string_value(json_object_get(r, "name"));
		const char *id = json_string_value(json_object_get(r, "id"));
		struct runc_ctr *c =
		    name
			? runc_pod_find_ctr(
			      p, name, json_is_true(json_object_get(r, "init")))
			: NULL;

		if (!c || !id || !*id)
			continue;
		snprintf(c->id, sizeof(c->id), "%s", id);
		snprintf(c->bundle, sizeof(c->bundle), "%s",
			 json_string_value(json_object_get(r, "bundle")));
		c->st.restart_count = (unsigned)json_integer_value(
		    json_object_get(r, "restartCount"));
		c->st.started_at.tv_sec = (time_t)json_integer_value(
		    json_object_get(r, "startedSec"));
		c->st.started_at.tv_nsec =
		    (long)json_integer_value(json_object_get(r, "startedNsec"));
		c->st.state = RUNTIME_RUNNING;
		rec_str(r, "image", &c->st.image);
		rec_str(r, "imageID", &c->st.image_id);
		free(c->st.container_id);
		if (asprintf(&c->st.container_id, "runc://%s", c->id) < 0)
			c->st.container_id = NULL;
	}
}

/* ---- re-adoption and creation ---- */

/* A pod as its record describes it; the specs come with start_pod. */
int runc_pod_from_record(struct runc *rc, const json_t *rec,
			 struct runc_pod **ret)
{
	const json_t *cs = json_object_get(rec, "containers");
	struct runc_pod *p = calloc(1, sizeof(*p));
	size_t i, ni = 0, nc = 0;
	json_t *c;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
#define REC(k) (json_string_value(json_object_get(rec, k)) ?: "")
	snprintf(p->uid, sizeof(p->uid), "%s", REC("uid"));
	snprintf(p->ns, sizeof(p->ns), "%s", REC("namespace"));
	snprintf(p->name, sizeof(p->name), "%s", REC("name"));
	snprintf(p->ip, sizeof(p->ip), "%s", REC("ip"));
	snprintf(p->cgroup, sizeof(p->cgroup), "%s", REC("cgroup"));
#undef REC
	snprintf(p->dir, sizeof(p->dir), "%s/pods/%s", rc->root, p->uid);
	snprintf(p->netns, sizeof(p->netns), "%s/netns", p->dir);
	p->host_network = json_is_true(json_object_get(rec, "hostNetwork"));
	p->net_up = !p->host_network;
	p->port_mappings = json_incref(json_object_get(rec, "portMappings"));
	p->created.tv_sec =
	    (time_t)json_integer_value(json_object_get(rec, "createdSec"));
	p->created.tv_nsec =
	    (long)json_integer_value(json_object_get(rec, "createdNsec"));
	p->init = calloc(json_array_size(cs) + 1, sizeof(*p->init));
	p->ctrs = calloc(json_array_size(cs) + 1, sizeof(*p->ctrs));
	if (!p->init || !p->ctrs) {
		runc_pod_free(p);
		return -ENOMEM;
	}
	json_array_foreach (cs, i, c) {
		bool init = json_is_true(json_object_get(c, "init"));
		struct runc_ctr *x = init ? &p->init[ni++] : &p->ctrs[nc++];
		const char *name =
		    json_string_value(json_object_get(c, "name"));

		x->init = init;
		x->st.state = RUNTIME_CREATED;
		x->st.name = strdup(name ? name : "");
	}
	p->n_init = ni;
	p->n_ctrs = nc;
	runc_pod_adopt_record(p, rec);
	*ret = p;
	return 0;
}

/* The pod's specs, for a pod taken back from its record. */
void runc_pod_attach_specs(struct runc_pod *p, const json_t *pod)
{
	const json_t *spec = json_object_get(pod, "spec");
	const char *lists[] = {"initContainers", "containers"};

	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *s;

		json_array_foreach (json_object_get(spec, lists[l]), i, s) {
			const char *name =
			    json_string_value(json_object_get(s, "name"));
			struct runc_ctr *c =
			    name ? runc_pod_find_ctr(p, name, l == 0) : NULL;

			if (!c || c->spec)
				continue;
			c->spec = json_incref(s);
			c->sidecar = l == 0 && runtime_is_sidecar(s);
			if (!c->st.image)
				c->st.image =
				    strdup(json_string_value(
					       json_object_get(s, "image"))
					       ?: "");
		}
	}
}

static void add_images(json_t *set, const struct runc_ctr *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *img =
		    json_string_value(json_object_get(cs[i].spec, "image"));
		_cleanup_free_ char *norm = NULL;

		if (img && image_normalize(img, &norm) == 0)
			json_object_set_new(set, norm, json_true());
		if (cs[i].st.image && *cs[i].st.image)
			json_object_set_new(set, cs[i].st.image, json_true());
	}
}

json_t *runc_pod_images(const struct runc_pod *p)
{
	_cleanup_json_ json_t *set = json_object();
	json_t *out = json_array();
	const char *k;
	json_t *v;

	if (!set || !out) {
		json_decref(out);
		return NULL;
	}
	add_images(set, p->init, p->n_init);
	add_images(set, p->ctrs, p->n_ctrs);
	json_object_foreach (set, k, v)
		json_array_append_new(out, json_string(k));
	return out;
}

/* Pods of an earlier run of the agent: ROOT/pods/UID/pod.json. */
void runc_load_pods(struct runc *rc)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/pods", rc->root);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		_cleanup_json_ json_t *rec = NULL;
		struct runc_pod *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/pods/%s/pod.json", rc->root,
			 de->d_name);
		rec = json_load_file(path, 0, NULL);
		if (!json_is_object(rec) ||
		    runc_pod_from_record(rc, rec, &p) < 0)
			continue;
		p->images = runc_pod_images(p); /* what its record says */
		if (strmap_put(&rc->pods, p->uid, p) < 0)
			runc_pod_free(p);
	}
	if (d)
		closedir(d);
}
