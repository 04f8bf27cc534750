/*
 * runc_container.c — one container under runc: its image, an overlay
 * rootfs, the bundle's config.json, the shim that runs it, its end.
 */
#include "nodeagent/runc_i.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "nodeagent/fsutil.h"
#include "nodeagent/image.h"
#include "nodeagent/ocispec.h"
#include "nodeagent/proc.h"
#include "nodeagent/pullsecret.h"
#include "nodeagent/registry.h"

void runc_event(struct runc *rc, const json_t *pod, bool warning,
		const char *reason, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!rc->event)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc->event(rc->event_ud, pod, warning, reason, msg);
}

static const char *spec_str(const json_t *spec, const char *key)
{
	return json_string_value(json_object_get(spec, key));
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
}

void runc_ctr_log_path(const struct runc *rc, const struct runc_pod *p,
		       const struct runc_ctr *c, unsigned n, char *buf)
{
	snprintf(buf, 4096, "%s/%s_%s_%s/%s/%u.log", rc->log_dir, p->ns,
		 p->name, p->uid, c->st.name, n);
}

/* Wait in state CREATED with reason and message, retry after delay_s. */
static void wait_with(struct runc_ctr *c, const char *reason, const char *msg,
		      unsigned delay_s)
{
	c->st.state = RUNTIME_CREATED;
	set_str(&c->st.waiting_reason, reason);
	set_str(&c->st.message, msg);
	c->retry_ms = mono_ms() + (uint64_t)delay_s * 1000;
}

/* The next back-off step of c: 10 s doubling to 5 min. */
static unsigned next_backoff(struct runc_ctr *c)
{
	c->backoff_s = c->backoff_s ? c->backoff_s * 2 : RUNC_BACKOFF_INITIAL_S;
	if (c->backoff_s > RUNC_BACKOFF_MAX_S)
		c->backoff_s = RUNC_BACKOFF_MAX_S;
	return c->backoff_s;
}

/* Pull image from its registry, then resolve it. */
static int pull(struct runc *rc, const json_t *pod, const char *image,
		struct kf_error *err, struct image_info **ret)
{
	_cleanup_free_ char *norm = NULL;
	struct registry_cred *creds = NULL;
	char host[256], missing[512];
	uint64_t t0 = mono_ms();
	size_t n = 0;
	int r;

	if (!image || image_normalize(image, &norm) < 0)
		return kf_error_set(err, -EINVAL, "invalid reference \"%s\"",
				    image ? image : "");
	snprintf(host, sizeof(host), "%.*s", (int)strcspn(norm, "/"), norm);
	r = pullsecret_creds(&rc->vol, pod, host, &creds, &n, missing,
			     sizeof(missing));
	if (r < 0)
		return kf_error_set(err, r, "%s", strerror(-r));
	if (missing[0])
		runc_event(rc, pod, true, "FailedToRetrieveImagePullSecret",
			   "Unable to retrieve some image pull secrets (%s); "
			   "attempting to pull the image may not succeed.",
			   missing);
	runc_event(rc, pod, false, "Pulling", "Pulling image \"%s\"", image);
	kf_error_init(err);
	r = registry_pull(rc->images, norm, creds, n, err);
	registry_creds_free(creds, n);
	if (r < 0)
		return r;
	runc_event(rc, pod, false, "Pulled",
		   "Successfully pulled image \"%s\" in %.3fs", image,
		   (double)(mono_ms() - t0) / 1000);
	return imagestore_resolve(rc->images, norm, err, ret);
}

static int resolve_image(struct runc *rc, const json_t *pod, struct runc_ctr *c,
			 struct image_info **ret)
{
	const char *image = spec_str(c->spec, "image");
	const char *policy = spec_str(c->spec, "imagePullPolicy");
	char msg[1024];
	struct kf_error err;
	bool pulled = false;
	int r;

	kf_error_init(&err);
	r = imagestore_resolve(rc->images, image ? image : "", &err, ret);
	if (r == -ENOENT && (!policy || strcmp(policy, "Never"))) {
		r = pull(rc, pod, image, &err, ret);
		pulled = r == 0;
	}
	if (r == 0) {
		if (!pulled && (c->pull_failed || !c->st.restart_count))
			runc_event(rc, pod, false, "Pulled",
				   "Container image \"%s\" already present on "
				   "machine",
				   image);
		if (c->pull_failed)
			c->backoff_s = 0; /* the pull back-off is over */
		c->pull_failed = false;
		return 0;
	}
	if (policy && !strcmp(policy, "Never")) {
		snprintf(msg, sizeof(msg),
			 "Container image \"%s\" is not present with pull "
			 "policy of Never",
			 image);
		wait_with(c, "ErrImageNeverPull", msg, RUNC_BACKOFF_INITIAL_S);
		runc_event(rc, pod, true, "ErrImageNeverPull", "%s", msg);
		return r;
	}
	if (r == -ENOENT && !err.msg[0])
		snprintf(msg, sizeof(msg),
			 "failed to pull and unpack image \"%s\": not found",
			 image);
	else
		snprintf(msg, sizeof(msg),
			 "failed to pull and unpack image \"%.200s\": %.700s",
			 image, err.msg);
	runc_event(rc, pod, true, "Failed", "Failed to pull image \"%s\": %s",
		   image, msg);
	if (!c->pull_failed) {
		c->pull_failed = true;
		c->backoff_s = 0;
		wait_with(c, "ErrImagePull", msg, next_backoff(c));
	} else {
		snprintf(msg, sizeof(msg), "Back-off pulling image \"%s\"",
			 image);
		wait_with(c, "ImagePullBackOff", msg, next_backoff(c));
		runc_event(rc, pod, false, "BackOff", "%s", msg);
	}
	return r;
}

static int mount_rootfs(const struct image_info *im, const char *bundle)
{
	_cleanup_free_ char *opts = NULL;
	char rootfs[4096], upper[4096], work[4096];
	size_t len = 64;
	char *p;

	for (size_t i = 0; i < im->n_layers; i++)
		len += strlen(im->layers[i]) + 1;
	len += 2 * strlen(bundle) + 64;
	opts = malloc(len);
	if (!opts)
		return -ENOMEM;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(upper, sizeof(upper), "%s/upper", bundle);
	snprintf(work, sizeof(work), "%s/work", bundle);
	if ((mkdir(rootfs, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(upper, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(work, 0755) < 0 && errno != EEXIST))
		return -errno;
	p = opts + sprintf(opts, "lowerdir=");
	for (size_t i = im->n_layers; i-- > 0;) /* the top layer first */
		p += sprintf(p, "%s%s", im->layers[i], i ? ":" : "");
	sprintf(p, ",upperdir=%s,workdir=%s", upper, work);
	if (im->n_layers == 1) {
		/* overlayfs wants two lower dirs without an upper; we have an
		 * upper, so one lower dir is fine */
	}
	if (mount("overlay", rootfs, "overlay", 0, opts) < 0)
		return -errno;
	return 0;
}

static int write_spec(const char *bundle, const json_t *spec)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	return json_dump_file(spec, path, JSON_COMPACT) < 0 ? -EIO : 0;
}

static void runc_cmd(struct runc *rc, const char *a1, const char *a2,
		     const char *a3, const char *a4)
{
	char *argv[] = {rc->runc_bin, "--root",	  rc->runc_root, (char *)a1,
			(char *)a2,   (char *)a3, (char *)a4,	 NULL};
	struct proc_result pr = {0};

	if (proc_run(argv, NULL, NULL, &pr) == 0)
		proc_result_release(&pr);
}

void runc_ctr_destroy(struct runc *rc, struct runc_ctr *c)
{
	char path[4096];

	if (!c->id[0])
		return;
	runc_cmd(rc, "delete", "--force", c->id, NULL);
	snprintf(path, sizeof(path), "%s/rootfs", c->bundle);
	umount2(path, MNT_DETACH);
	fsutil_rm_rf(c->bundle);
	c->id[0] = '\0';
}

/* The start failed: terminated with StartError (exit 128). */
static void start_failed(struct runc *rc, const json_t *pod, struct runc_ctr *c,
			 const char *msg)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	runc_ctr_destroy(rc, c);
	c->st.state = RUNTIME_EXITED;
	c->st.exit_code = 128;
	c->st.started_at = c->st.finished_at = now;
	set_str(&c->st.reason, "StartError");
	set_str(&c->st.message, msg);
	set_str(&c->st.waiting_reason, NULL);
	runc_event(rc, pod, true, "Failed", "Error: %s", msg);
}

static int make_ids(struct runc *rc, struct runc_pod *p, struct runc_ctr *c,
		    const struct image_info *im)
{
	char hex[IMAGE_DIGEST_HEX + 1];
	const char *at;
	int n;

	image_fake_digest(p->uid, hex);
	snprintf(c->id, sizeof(c->id), "%.12s-%s-%u", hex, c->st.name,
		 c->st.restart_count);
	snprintf(c->bundle, sizeof(c->bundle), "%s/c/%s", p->dir, c->id);
	free(c->st.container_id);
	if (asprintf(&c->st.container_id, "runc://%s", c->id) < 0)
		c->st.container_id = NULL;
	set_str(&c->st.image, im->name);
	free(c->st.image_id);
	at = strrchr(im->name, ':');
	if (at && strchr(at, '/'))
		at = NULL;
	n = asprintf(&c->st.image_id, "%.*s@%s",
		     (int)(at ? (size_t)(at - im->name) : strlen(im->name)),
		     im->name, im->digest);
	(void)rc;
	return n < 0 || !c->st.container_id ? -ENOMEM : 0;
}

/*
 * The message of runc's log line (time="..." level=error msg="TEXT"),
 * unquoted in place; the text itself if it is not such a line.
 */
static const char *runc_message(char *text)
{
	char *m = strstr(text, "msg=\""), *w;

	if (!m)
		return text;
	m += 5;
	for (w = m; *m && *m != '"'; m++, w++) {
		if (*m == '\\' && m[1])
			m++;
		*w = *m;
	}
	*w = '\0';
	return text + (strstr(text, "msg=\"") - text) + 5;
}

int runc_ctr_start(struct runc *rc, struct runc_pod *p, const json_t *pod,
		   struct runc_ctr *c)
{
	struct image_info *im = NULL;
	_cleanup_json_ json_t *spec = NULL, *env = NULL, *mounts = NULL;
	_cleanup_json_ json_t *svc_env = NULL;
	char logp[4096], memcg[4500], cgpath[4400], dir[4096];
	struct ocispec_input in = {
	    .pod = pod,
	    .container = c->spec,
	    .netns = p->host_network ? NULL : p->netns,
	    .cgroups_path = cgpath,
	    .pod_ip = p->ip,
	    .host_ip = rc->host_ip,
	    .seccomp_dir = rc->seccomp_dir[0] ? rc->seccomp_dir : NULL,
	    .pids_limit = rc->pids_limit,
	    .allow_privileged = rc->allow_privileged,
	};
	char hosts[2400], hostname[2400], resolv[2400], rootfs[4096];
	struct proc_result pr = {0};
	struct rlimit nofile;
	struct kf_error err;
	int r;

	r = resolve_image(rc, pod, c, &im);
	if (r < 0)
		return r;
	r = make_ids(rc, p, c, im);
	if (r < 0)
		goto out;
	snprintf(cgpath, sizeof(cgpath), "%s/%s", p->cgroup, c->id);
	snprintf(hosts, sizeof(hosts), "%s/hosts", p->dir);
	snprintf(hostname, sizeof(hostname), "%s/hostname", p->dir);
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", p->dir);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", c->bundle);
	in.hosts = hosts;
	in.hostname_file = hostname;
	in.resolv_conf = resolv;
	in.rootfs = rootfs;
	in.image_config = im->config;
	/* no more than the agent may give (its own hard limit) */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0)
		in.nofile = nofile.rlim_max < OCISPEC_NOFILE ? nofile.rlim_max
							     : OCISPEC_NOFILE;
	r = fsutil_mkdir_p(c->bundle, 0700);
	if (r == 0)
		r = mount_rootfs(im, c->bundle);
	if (r < 0) {
		kf_error_init(&err);
		kf_error_set(&err, r, "failed to mount the rootfs: %s",
			     strerror(-r));
		start_failed(rc, pod, c, err.msg);
		goto out;
	}
	kf_error_init(&err);
	r = volume_service_env(&rc->vol, pod, &svc_env);
	if (r == 0)
		r = volume_env(&rc->vol, pod, c->spec, &err, &env);
	if (r == 0)
		r = json_array_extend(svc_env, env);
	if (r == 0)
		r = volume_mounts(pod, c->spec, p->dir, &err, &mounts);
	in.extra_env = svc_env;
	in.extra_mounts = mounts;
	if (r == 0)
		r = ocispec_build(&in, &err, &spec);
	if (r == 0)
		r = write_spec(c->bundle, spec);
	if (r < 0) {
		runc_ctr_destroy(rc, c);
		wait_with(c, "CreateContainerConfigError",
			  err.msg[0] ? err.msg : strerror(-r), next_backoff(c));
		runc_event(rc, pod, true, "Failed", "Error: %s", c->st.message);
		goto out;
	}
	runc_ctr_log_path(rc, p, c, c->st.restart_count, logp);
	snprintf(dir, sizeof(dir), "%s", logp);
	*strrchr(dir, '/') = '\0';
	fsutil_mkdir_p(dir, 0755);
	snprintf(memcg, sizeof(memcg), "/sys/fs/cgroup/memory%s", cgpath);
	{
		char *argv[] = {rc->self_exe,  "shim",	  rc->runc_bin,
				rc->runc_root, c->bundle, c->id,
				logp,	       c->bundle, memcg,
				NULL};

		r = proc_run(argv, NULL, NULL, &pr);
	}
	if (r < 0 || pr.status != 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg),
			 "failed to create containerd task: failed to create "
			 "shim task: OCI runtime create failed: %s: unknown",
			 r < 0 ? strerror(-r) : runc_message(pr.err));
		start_failed(rc, pod, c, msg);
		r = r < 0 ? r : -EIO;
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &c->st.started_at);
	c->st.state = RUNTIME_RUNNING;
	runc_ctr_probes_init(c);
	set_str(&c->st.waiting_reason, NULL);
	set_str(&c->st.message, NULL);
	set_str(&c->st.reason, NULL);
	runc_event(rc, pod, false, "Created", "Created container %s",
		   c->st.name);
	runc_event(rc, pod, false, "Started", "Started container %s",
		   c->st.name);
	/* the pod's lock is held: nobody sees it running before its
	 * postStart handler has returned */
	r = runc_ctr_post_start(rc, p, pod, c);
out:
	proc_result_release(&pr);
	image_info_free(im);
	return r;
}

bool runc_ctr_reap(struct runc *rc, struct runc_pod *p, struct runc_ctr *c)
{
	char path[4096];
	long long sec = 0;
	long nsec = 0;
	int code = 0, oom = 0;
	FILE *f;

	(void)p;
	if (c->st.state != RUNTIME_RUNNING || !c->id[0])
		return false;
	snprintf(path, sizeof(path), "%s/exit", c->bundle);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fscanf(f, "%d %d %lld %ld", &code, &oom, &sec, &nsec) != 4) {
		fclose(f);
		return false;
	}
	fclose(f);
	c->st.state = RUNTIME_EXITED;
	c->st.exit_code = code;
	c->st.finished_at.tv_sec = (time_t)sec;
	c->st.finished_at.tv_nsec = nsec;
	set_str(&c->st.reason, oom	   ? "OOMKilled"
			       : code == 0 ? "Completed"
					   : "Error");
	set_str(&c->st.message, NULL);
	runc_ctr_destroy(rc, c);
	return true;
}

void runc_ctr_kill(struct runc *rc, struct runc_ctr *c, const char *sig)
{
	if (c->st.state == RUNTIME_RUNNING && c->id[0])
		runc_cmd(rc, "kill", c->id, sig, NULL);
}

void runc_ctr_probes_init(struct runc_ctr *c)
{
	uint64_t now = mono_ms();

	probe_state_init(&c->startup, now);
	probe_state_init(&c->liveness, now);
	probe_state_init(&c->readiness, now);
	c->st.unstarted = json_object_get(c->spec, "startupProbe") != NULL;
	c->st.unready = json_object_get(c->spec, "readinessProbe") != NULL;
}

/* A probe failed: an Event in the kubelet's words. */
static void unhealthy(struct runc *rc, const json_t *pod, const char *kind,
		      const char *msg)
{
	runc_event(rc, pod, true, "Unhealthy", "%s probe failed: %s", kind,
		   msg);
}

void runc_ctr_probe(struct runc *rc, struct runc_pod *p, const json_t *pod,
		    struct runc_ctr *c)
{
	const json_t *startup = json_object_get(c->spec, "startupProbe");
	const json_t *live = json_object_get(c->spec, "livenessProbe");
	const json_t *ready = json_object_get(c->spec, "readinessProbe");
	struct probe_target t = {p->ip,		c->spec, rc->runc_bin,
				 rc->runc_root, c->id,	 false};
	uint64_t now = mono_ms();
	char msg[PROBE_MSG_MAX];
	const char *kill_why = NULL;

	if (c->st.state != RUNTIME_RUNNING || !c->id[0])
		return;
	if (startup && c->st.unstarted) {
		if (probe_tick(startup, &t, &c->startup, now, msg) < 0)
			unhealthy(rc, pod, "Startup", msg);
		if (c->startup.result == PROBE_SUCCESS) {
			c->st.unstarted = false;
			/* the other probes begin now */
			probe_state_init(&c->liveness, now);
			probe_state_init(&c->readiness, now);
		} else if (c->startup.result == PROBE_FAILURE) {
			kill_why = "startup";
		}
	}
	if (!c->st.unstarted && !kill_why && live) {
		if (probe_tick(live, &t, &c->liveness, now, msg) < 0)
			unhealthy(rc, pod, "Liveness", msg);
		if (c->liveness.result == PROBE_FAILURE)
			kill_why = "liveness";
	}
	if (!c->st.unstarted && !kill_why && ready) {
		if (probe_tick(ready, &t, &c->readiness, now, msg) < 0)
			unhealthy(rc, pod, "Readiness", msg);
		if (c->readiness.result != PROBE_PENDING)
			c->st.unready = c->readiness.result == PROBE_FAILURE;
	}
	if (kill_why) {
		runc_event(rc, pod, false, "Killing",
			   "Container %s failed %s probe, will be restarted",
			   c->st.name, kill_why);
		runc_ctr_kill(rc, c, "KILL");
		c->startup.result = c->liveness.result = PROBE_PENDING;
		c->startup.failures = c->liveness.failures = 0;
	}
}
