/*
 * ocispec.c — config.json for one container: process, root, mounts,
 * namespaces, resources and the security settings of its
 * securityContext.
 */
#include "nodeagent/ocispec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/quantity.h"

#define CPU_PERIOD_US 100000
#define MIN_SHARES 2

/* containerd's default capability set */
static const char *const default_caps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",	       "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",	       "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",	   "CAP_AUDIT_WRITE",
};

/* every capability, for privileged containers and "ALL" */
static const char *const all_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

#define N(a) (sizeof(a) / sizeof(*(a)))

static const char *const masked_paths[] = {
    "/proc/acpi",	 "/proc/asound",	"/proc/kcore",
    "/proc/keys",	 "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug",	"/proc/scsi",
    "/sys/firmware",
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static const json_t *jpath(const json_t *o, const char *a, const char *b)
{
	o = json_object_get(o, a);
	return b ? json_object_get(o, b) : o;
}

static const char *jstr(const json_t *o, const char *a, const char *b)
{
	return json_string_value(jpath(o, a, b));
}

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int ocispec_args(const json_t *container, const json_t *image_config,
		 struct kf_error *err, json_t **ret)
{
	const json_t *cmd = json_object_get(container, "command");
	const json_t *args = json_object_get(container, "args");
	const json_t *ep = json_object_get(image_config, "Entrypoint");
	const json_t *icmd = json_object_get(image_config, "Cmd");
	json_t *out = json_array();
	size_t i;
	json_t *v;

	if (!out)
		return -ENOMEM;
	/* command replaces Entrypoint and Cmd; args replace Cmd */
	json_array_foreach (json_array_size(cmd) ? cmd : ep, i, v)
		json_array_append(out, v);
	if (json_array_size(args))
		json_array_foreach (args, i, v)
			json_array_append(out, v);
	else if (!json_array_size(cmd))
		json_array_foreach (icmd, i, v)
			json_array_append(out, v);
	if (!json_array_size(out)) {
		json_decref(out);
		return kf_error_set(err, -EINVAL, "no command specified");
	}
	*ret = out;
	return 0;
}

/* "KEY=..." → does env already set KEY? Its index, or -1. */
static ssize_t env_index(const json_t *env, const char *kv)
{
	size_t klen = strcspn(kv, "="), i;
	json_t *v;

	json_array_foreach (env, i, v) {
		const char *s = json_string_value(v);

		if (s && !strncmp(s, kv, klen) && s[klen] == '=')
			return (ssize_t)i;
	}
	return -1;
}

static void env_set(json_t *env, const char *kv)
{
	ssize_t i = env_index(env, kv);

	if (i >= 0)
		json_array_set_new(env, (size_t)i, json_string(kv));
	else
		json_array_append_new(env, json_string(kv));
}

/* The downward API's fieldRef values a container's env may name. */
static const char *field_value(const struct ocispec_input *in, const char *path)
{
	const json_t *pod = in->pod;

	if (!path)
		return NULL;
	if (!strcmp(path, "metadata.name"))
		return jstr(pod, "metadata", "name");
	if (!strcmp(path, "metadata.namespace"))
		return jstr(pod, "metadata", "namespace");
	if (!strcmp(path, "metadata.uid"))
		return jstr(pod, "metadata", "uid");
	if (!strcmp(path, "spec.nodeName"))
		return jstr(pod, "spec", "nodeName");
	if (!strcmp(path, "spec.serviceAccountName"))
		return jstr(pod, "spec", "serviceAccountName");
	if (!strcmp(path, "status.podIP"))
		return in->pod_ip;
	if (!strcmp(path, "status.hostIP"))
		return in->host_ip;
	return NULL;
}

static int make_env(const struct ocispec_input *in, struct kf_error *err,
		    json_t **ret)
{
	_cleanup_json_ json_t *env = json_array();
	const char *host = jstr(in->pod, "metadata", "name");
	char buf[8192];
	size_t i;
	json_t *v;

	if (!env)
		return -ENOMEM;
	json_array_foreach (json_object_get(in->image_config, "Env"), i, v)
		if (json_is_string(v))
			env_set(env, json_string_value(v));
	snprintf(buf, sizeof(buf), "HOSTNAME=%s", host ? host : "");
	env_set(env, buf);
	json_array_foreach (in->extra_env, i, v)
		if (json_is_string(v))
			env_set(env, json_string_value(v));
	json_array_foreach (json_object_get(in->container, "env"), i, v) {
		const char *name = jstr(v, "name", NULL);
		const char *val = jstr(v, "value", NULL);
		const json_t *from = json_object_get(v, "valueFrom");

		if (!name)
			continue;
		if (from && json_object_get(from, "fieldRef")) {
			const char *fp = jstr(from, "fieldRef", "fieldPath");

			val = field_value(in, fp);
			if (!val)
				return kf_error_set(err, -EINVAL,
						    "unsupported fieldPath: %s",
						    fp ? fp : "");
		} else if (from) {
			continue; /* resolved by the caller into extra_env */
		}
		snprintf(buf, sizeof(buf), "%s=%s", name, val ? val : "");
		env_set(env, buf);
	}
	*ret = TAKE_PTR(env);
	return 0;
}

/* securityContext field f: the container's, else the pod's. */
static const json_t *sc(const struct ocispec_input *in, const char *f)
{
	const json_t *v = jpath(in->container, "securityContext", f);

	return v ? v
	       : jpath(in->pod, "spec", "securityContext")
		   ? jpath(jpath(in->pod, "spec", "securityContext"), f, NULL)
		   : NULL;
}

static int make_user(const struct ocispec_input *in, struct kf_error *err,
		     json_t **ret)
{
	const json_t *uid_j = sc(in, "runAsUser"),
		     *gid_j = sc(in, "runAsGroup");
	const char *iu =
	    json_string_value(json_object_get(in->image_config, "User"));
	const json_t *psc = jpath(in->pod, "spec", "securityContext");
	long long uid = 0, gid = 0;
	json_t *user, *groups;
	size_t i;
	json_t *g;

	if (iu && *iu) {
		char *end;

		uid = strtoll(iu, &end, 10);
		if (end == iu || (*end && *end != ':'))
			return kf_error_set(err, -EINVAL,
					    "image user \"%s\" is not numeric",
					    iu);
		if (*end == ':')
			gid = strtoll(end + 1, NULL, 10);
	}
	if (json_is_integer(uid_j))
		uid = json_integer_value(uid_j);
	if (json_is_integer(gid_j))
		gid = json_integer_value(gid_j);
	if (json_is_true(sc(in, "runAsNonRoot")) && uid == 0)
		return kf_error_set(err, -EINVAL,
				    "container has runAsNonRoot and image "
				    "will run as root (pod: \"%s_%s(%s)\", "
				    "container: %s)",
				    jstr(in->pod, "metadata", "name"),
				    jstr(in->pod, "metadata", "namespace"),
				    jstr(in->pod, "metadata", "uid"),
				    jstr(in->container, "name", NULL));
	groups = json_array();
	json_array_foreach (json_object_get(psc, "supplementalGroups"), i, g)
		json_array_append(groups, g);
	if (json_is_integer(json_object_get(psc, "fsGroup")))
		json_array_append(groups, json_object_get(psc, "fsGroup"));
	user = json_pack("{s:I, s:I, s:o}", "uid", (json_int_t)uid, "gid",
			 (json_int_t)gid, "additionalGids", groups);
	if (!user)
		return -ENOMEM;
	*ret = user;
	return 0;
}

static bool cap_known(const char *c)
{
	for (size_t i = 0; i < N(all_caps); i++)
		if (!strcmp(all_caps[i], c))
			return true;
	return false;
}

/* "NET_ADMIN" or "CAP_NET_ADMIN" → "CAP_NET_ADMIN" in buf. */
static const char *cap_name(const char *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", strncmp(c, "CAP_", 4) ? "CAP_" : "", c);
	for (char *p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return buf;
}

static int make_caps(const struct ocispec_input *in, bool privileged,
		     struct kf_error *err, json_t **ret)
{
	const json_t *caps =
	    jpath(in->container, "securityContext", NULL)
		? json_object_get(
		      json_object_get(in->container, "securityContext"),
		      "capabilities")
		: NULL;
	_cleanup_json_ json_t *set =
	    privileged ? strings(all_caps, N(all_caps))
		       : strings(default_caps, N(default_caps));
	char buf[64];
	size_t i, j;
	json_t *c;

	if (!set)
		return -ENOMEM;
	json_array_foreach (json_object_get(caps, "drop"), i, c) {
		const char *n = json_string_value(c);

		if (!n)
			continue;
		if (!strcmp(n, "ALL")) {
			json_array_clear(set);
			continue;
		}
		cap_name(n, buf, sizeof(buf));
		for (j = 0; j < json_array_size(set);)
			if (!strcmp(json_string_value(json_array_get(set, j)),
				    buf))
				json_array_remove(set, j);
			else
				j++;
	}
	json_array_foreach (json_object_get(caps, "add"), i, c) {
		const char *n = json_string_value(c);

		if (!n)
			continue;
		if (!strcmp(n, "ALL")) {
			json_decref(set);
			set = strings(all_caps, N(all_caps));
			continue;
		}
		cap_name(n, buf, sizeof(buf));
		if (!cap_known(buf))
			return kf_error_set(err, -EINVAL,
					    "unknown capability \"%s\"", n);
		if (env_index(set, buf) < 0) /* plain membership */
			json_array_append_new(set, json_string(buf));
	}
	*ret = json_pack("{s:O, s:O, s:O, s:o}", "bounding", set, "effective",
			 set, "permitted", set, "ambient", json_array());
	return *ret ? 0 : -ENOMEM;
}

static int64_t resource(const json_t *c, const char *kind, const char *name,
			bool milli)
{
	struct quantity q;
	const json_t *v = json_object_get(jpath(c, "resources", kind), name);

	if (!v || quantity_from_json(v, &q) < 0)
		return -1;
	return milli ? quantity_milli(&q) : quantity_value(&q);
}

static json_t *make_resources(const struct ocispec_input *in)
{
	const char *qos = jstr(in->pod, "status", "qosClass");
	int64_t mem = resource(in->container, "limits", "memory", false);
	int64_t cpu_lim = resource(in->container, "limits", "cpu", true);
	int64_t cpu_req = resource(in->container, "requests", "cpu", true);
	json_t *r =
	    json_pack("{s:{s:I}, s:{}}", "pids", "limit",
		      (json_int_t)(in->pids_limit ? in->pids_limit
						  : OCISPEC_DEFAULT_PIDS_LIMIT),
		      "cpu");
	json_t *cpu = json_object_get(r, "cpu");
	int64_t shares;

	if (!r)
		return NULL;
	if (cpu_req < 0)
		cpu_req = cpu_lim; /* a limit alone is also the request */
	shares = cpu_req > 0 ? cpu_req * 1024 / 1000 : MIN_SHARES;
	if (qos && !strcmp(qos, "BestEffort"))
		shares = MIN_SHARES;
	json_object_set_new(
	    cpu, "shares",
	    json_integer(shares < MIN_SHARES ? MIN_SHARES : shares));
	if (cpu_lim > 0) {
		int64_t quota = cpu_lim * CPU_PERIOD_US / 1000;

		json_object_set_new(cpu, "quota",
				    json_integer(quota < 1000 ? 1000 : quota));
		json_object_set_new(cpu, "period", json_integer(CPU_PERIOD_US));
	}
	if (mem > 0)
		json_object_set_new(r, "memory",
				    json_pack("{s:I, s:I}", "limit",
					      (json_int_t)mem, "swap",
					      (json_int_t)mem));
	return r;
}

static json_t *make_mounts(const struct ocispec_input *in)
{
	json_t *m = json_pack(
	    "[{s:s, s:s, s:s, s:[s,s,s]},"
	    " {s:s, s:s, s:s, s:[s,s,s,s]},"
	    " {s:s, s:s, s:s, s:[s,s,s,s,s,s]},"
	    " {s:s, s:s, s:s, s:[s,s,s,s,s]},"
	    " {s:s, s:s, s:s, s:[s,s,s]},"
	    " {s:s, s:s, s:s, s:[s,s,s,s]},"
	    " {s:s, s:s, s:s, s:[s,s,s,s,s]}]",
	    "destination", "/proc", "type", "proc", "source", "proc", "options",
	    "nosuid", "noexec", "nodev", /* */
	    "destination", "/dev", "type", "tmpfs", "source", "tmpfs",
	    "options", "nosuid", "strictatime", "mode=755", "size=65536k",
	    "destination", "/dev/pts", "type", "devpts", "source", "devpts",
	    "options", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
	    "mode=0620", "gid=5", /* */
	    "destination", "/dev/shm", "type", "tmpfs", "source", "shm",
	    "options", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
	    "destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue",
	    "options", "nosuid", "noexec", "nodev", /* */
	    "destination", "/sys", "type", "sysfs", "source", "sysfs",
	    "options", "nosuid", "noexec", "nodev", "ro", /* */
	    "destination", "/sys/fs/cgroup", "type", "cgroup", "source",
	    "cgroup", "options", "nosuid", "noexec", "nodev", "relatime", "ro");
	const char *files[][2] = {{"/etc/hosts", in->hosts},
				  {"/etc/hostname", in->hostname_file},
				  {"/etc/resolv.conf", in->resolv_conf}};
	size_t i;
	json_t *v;

	if (!m)
		return NULL;
	for (i = 0; i < N(files); i++)
		if (files[i][1])
			json_array_append_new(
			    m, json_pack("{s:s, s:s, s:s, s:[s,s]}",
					 "destination", files[i][0], "type",
					 "bind", "source", files[i][1],
					 "options", "rbind", "rprivate"));
	json_array_foreach (in->extra_mounts, i, v)
		json_array_append(m, v);
	return m;
}

static int make_seccomp(const struct ocispec_input *in, bool privileged,
			struct kf_error *err, json_t **ret)
{
	const json_t *prof = sc(in, "seccompProfile");
	const char *type = jstr(prof, "type", NULL);
	const char *local = jstr(prof, "localhostProfile", NULL);
	char path[4096];

	*ret = NULL;
	if (privileged || (type && !strcmp(type, "Unconfined")))
		return 0;
	if (type && !strcmp(type, "Localhost")) {
		json_t *p;

		if (!local || strstr(local, "..") || !in->seccomp_dir)
			return kf_error_set(err, -EINVAL,
					    "localhost seccomp profile \"%s\" "
					    "is not usable",
					    local ? local : "");
		snprintf(path, sizeof(path), "%s/%s", in->seccomp_dir, local);
		p = json_load_file(path, 0, NULL);
		if (!json_is_object(p)) {
			json_decref(p);
			return kf_error_set(
			    err, -EINVAL,
			    "failed to load seccomp profile \"%s\"", path);
		}
		*ret = p;
		return 0;
	}
	*ret = ocispec_seccomp_default();
	return *ret ? 0 : -ENOMEM;
}

int ocispec_build(const struct ocispec_input *in, struct kf_error *err,
		  json_t **ret)
{
	_cleanup_json_ json_t *args = NULL, *env = NULL, *user = NULL;
	_cleanup_json_ json_t *caps = NULL, *seccomp = NULL, *spec = NULL;
	const char *wd = jstr(in->container, "workingDir", NULL);
	const char *iwd =
	    json_string_value(json_object_get(in->image_config, "WorkingDir"));
	bool privileged = json_is_true(sc(in, "privileged"));
	const json_t *ape = sc(in, "allowPrivilegeEscalation");
	json_int_t nofile =
	    in->nofile ? (json_int_t)in->nofile : OCISPEC_NOFILE;
	json_t *linux_;
	int r;

	if (!in->pod || !in->container || !in->rootfs || !in->cgroups_path)
		return -EINVAL;
	if (privileged && !in->allow_privileged)
		return kf_error_set(err, -EPERM,
				    "privileged containers are not allowed "
				    "on this node (kubefs-node "
				    "--allow-privileged)");
	r = ocispec_args(in->container, in->image_config, err, &args);
	if (r == 0)
		r = make_env(in, err, &env);
	if (r == 0)
		r = make_user(in, err, &user);
	if (r == 0)
		r = make_caps(in, privileged, err, &caps);
	if (r == 0)
		r = make_seccomp(in, privileged, err, &seccomp);
	if (r < 0)
		return r;
	spec = json_pack(
	    "{s:s, s:{s:b, s:O, s:O, s:O, s:s, s:O, s:b, s:[{s:s, s:I, s:I}]},"
	    " s:{s:s, s:b}, s:s, s:o}",
	    "ociVersion", "1.0.2", "process", "terminal", 0, "user", user,
	    "args", args, "env", env, "cwd",
	    wd && *wd	  ? wd
	    : iwd && *iwd ? iwd
			  : "/",
	    "capabilities", caps, "noNewPrivileges",
	    privileged ? 0 : !json_is_true(ape), "rlimits", "type",
	    "RLIMIT_NOFILE", "hard", nofile, "soft", nofile, "root", "path",
	    in->rootfs, "readonly",
	    json_is_true(sc(in, "readOnlyRootFilesystem")), "hostname",
	    jstr(in->pod, "metadata", "name"), "mounts", make_mounts(in));
	if (!spec)
		return -ENOMEM;
	linux_ = json_pack("{s:[{s:s}, {s:s}, {s:s}, {s:s}], s:s, s:o}",
			   "namespaces", "type", "pid", "type", "ipc", "type",
			   "uts", "type", "mount", "cgroupsPath",
			   in->cgroups_path, "resources", make_resources(in));
	if (!linux_ || json_object_set_new(spec, "linux", linux_) < 0)
		return -ENOMEM;
	if (in->netns) /* else the host's network (hostNetwork) */
		json_array_append_new(json_object_get(linux_, "namespaces"),
				      json_pack("{s:s, s:s}", "type", "network",
						"path", in->netns));
	if (!privileged) {
		json_object_set_new(linux_, "maskedPaths",
				    strings(masked_paths, N(masked_paths)));
		json_object_set_new(linux_, "readonlyPaths",
				    strings(readonly_paths, N(readonly_paths)));
	}
	if (seccomp)
		json_object_set(linux_, "seccomp", seccomp);
	*ret = TAKE_PTR(spec);
	return 0;
}
