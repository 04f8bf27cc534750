/*
 * sandbox.c — network namespaces and the CNI plugins.
 */
#include "nodeagent/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "nodeagent/proc.h"

#define CNI_VERSION "1.0.0"

struct ns_job {
	const char *path;
	int r;
};

/* In a thread of its own: unshare its network namespace and pin it.
 * The thread ends, the namespace lives on in the bind mount. */
static void *ns_thread(void *arg)
{
	struct ns_job *j = arg;

	if (unshare(CLONE_NEWNET) < 0 ||
	    mount("/proc/thread-self/ns/net", j->path, NULL, MS_BIND, NULL) < 0)
		j->r = -errno;
	return NULL;
}

int netns_create(const char *path)
{
	struct ns_job j = {path, 0};
	pthread_t t;
	int fd, r;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	close(fd);
	r = pthread_create(&t, NULL, ns_thread, &j);
	if (r) {
		unlink(path);
		return -r;
	}
	pthread_join(t, NULL);
	if (j.r < 0)
		unlink(path);
	return j.r;
}

int netns_remove(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Run one plugin. 0 with *ret_out (owned), or -EIO with err. */
static int plugin(const struct cni_net *n, const char *type, const char *cmd,
		  const char *id, const char *netns, const char *ifname,
		  const json_t *conf, struct kf_error *err, json_t **ret_out)
{
	char path[4096], e_cmd[64], e_id[256], e_ns[4200], e_if[64],
	    e_path[4200];
	char *env[] = {e_cmd, e_id,   e_ns,
		       e_if,  e_path, "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		       NULL};
	_cleanup_free_ char *in = json_dumps(conf, JSON_COMPACT);
	struct proc_result pr = {0};
	json_t *out;
	int r;

	if (!in)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", n->bin_dir, type);
	snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", cmd);
	snprintf(e_id, sizeof(e_id), "CNI_CONTAINERID=%s", id);
	snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=%s", netns);
	snprintf(e_if, sizeof(e_if), "CNI_IFNAME=%s", ifname);
	snprintf(e_path, sizeof(e_path), "CNI_PATH=%s", n->bin_dir);
	{
		char *argv[] = {path, NULL};

		r = proc_run(argv, env, in, &pr);
	}
	if (r < 0)
		return kf_error_set(err, -EIO, "plugin type=\"%s\": %s", type,
				    strerror(-r));
	out = json_loads(pr.out, 0, NULL);
	if (pr.status != 0) {
		const char *msg =
		    json_string_value(json_object_get(out, "msg"));
		const char *det =
		    json_string_value(json_object_get(out, "details"));

		kf_error_set(
		    err, -EIO, "plugin type=\"%s\" failed (%s): %s%s%s", type,
		    !strcmp(cmd, "ADD") ? "add" : "delete", msg ? msg : pr.err,
		    det && *det ? ": " : "", det ? det : "");
		json_decref(out);
		proc_result_release(&pr);
		return -EIO;
	}
	proc_result_release(&pr);
	if (ret_out)
		*ret_out = out;
	else
		json_decref(out);
	return 0;
}

static json_t *loopback_conf(void)
{
	return json_pack("{s:s, s:s, s:s}", "cniVersion", CNI_VERSION, "name",
			 "lo", "type", "loopback");
}

static json_t *bridge_conf(const struct cni_net *n)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b,"
			 " s:{s:s, s:[[{s:s}]], s:[{s:s}], s:s}}",
			 "cniVersion", CNI_VERSION, "name", n->name, "type",
			 "bridge", "bridge", n->bridge, "isGateway", 1,
			 "ipMasq", 0, "hairpinMode", 1, "ipam", "type",
			 "host-local", "ranges", "subnet", n->subnet, "routes",
			 "dst", "0.0.0.0/0", "dataDir", n->data_dir);
}

static json_t *portmap_conf(const struct cni_net *n, const json_t *pm,
			    const json_t *prev)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:{s:b}, s:{s:O}}", "cniVersion",
			      CNI_VERSION, "name", n->name, "type", "portmap",
			      "capabilities", "portMappings", 1,
			      "runtimeConfig", "portMappings", pm);

	if (c && prev)
		json_object_set(c, "prevResult", (json_t *)prev);
	return c;
}

int cni_add(const struct cni_net *n, const char *id, const char *netns,
	    const json_t *port_mappings, struct kf_error *err,
	    char ret_ip[IPV4_STRLEN])
{
	_cleanup_json_ json_t *lo = loopback_conf(), *br = bridge_conf(n);
	_cleanup_json_ json_t *res = NULL, *pm = NULL;
	const char *addr;
	int r;

	if (!lo || !br)
		return -ENOMEM;
	r = plugin(n, "loopback", "ADD", id, netns, "lo", lo, err, NULL);
	if (r == 0)
		r = plugin(n, "bridge", "ADD", id, netns, "eth0", br, err,
			   &res);
	if (r < 0)
		goto out_del;
	addr = json_string_value(json_object_get(
	    json_array_get(json_object_get(res, "ips"), 0), "address"));
	if (!addr || strcspn(addr, "/") >= IPV4_STRLEN) {
		r = kf_error_set(err, -EIO,
				 "plugin type=\"bridge\" returned no address");
		goto out_del;
	}
	if (json_array_size(port_mappings)) {
		pm = portmap_conf(n, port_mappings, res);
		r = pm ? plugin(n, "portmap", "ADD", id, netns, "eth0", pm, err,
				NULL)
		       : -ENOMEM;
		if (r < 0)
			goto out_del;
	}
	snprintf(ret_ip, IPV4_STRLEN, "%.*s", (int)strcspn(addr, "/"), addr);
	return 0;
out_del:
	cni_del(n, id, netns, port_mappings);
	return r;
}

void cni_del(const struct cni_net *n, const char *id, const char *netns,
	     const json_t *port_mappings)
{
	_cleanup_json_ json_t *lo = loopback_conf(), *br = bridge_conf(n);
	_cleanup_json_ json_t *pm = NULL;

	if (json_array_size(port_mappings)) {
		pm = portmap_conf(n, port_mappings, NULL);
		if (pm)
			plugin(n, "portmap", "DEL", id, netns, "eth0", pm, NULL,
			       NULL);
	}
	if (br)
		plugin(n, "bridge", "DEL", id, netns, "eth0", br, NULL, NULL);
	if (lo)
		plugin(n, "loopback", "DEL", id, netns, "lo", lo, NULL, NULL);
}
