/*
 * dns.c — cluster DNS records for dnsmasq, and dnsmasq's life.
 *
 * After every proxy sync the records are rendered from the informers'
 * caches; a file is replaced (temporary file + rename) only when its
 * bytes change. A new hosts file is announced with SIGHUP (dnsmasq
 * re-reads addn-hosts); a new dnsmasq.conf (SRV records live there, and
 * dnsmasq reads them only at start) restarts dnsmasq.
 */
#include "proxy/dns.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/netaddr.h"
#include "api/pidfile.h"
#include "proxy/rules.h"

struct dns {
	struct client *c;
	struct dns_config cfg;
	struct informer *svcs, *slices;
	char *hosts, *conf; /* what the files hold now */
	pid_t pid;
};

static void dlog(struct dns *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void dlog(struct dns *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->cfg.log)
		return;
	va_start(ap, fmt);
	d->cfg.log(d->cfg.log_ud, fmt, ap);
	va_end(ap);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collected lines, sorted and deduplicated on output. */
struct lines {
	char **v;
	size_t n, cap;
	int err;
};

static void add_line(struct lines *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_line(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (l->err)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **m = realloc(l->v, cap * sizeof(*m));

		if (!m) {
			l->err = -ENOMEM;
			return;
		}
		l->v = m;
		l->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		l->err = -ENOMEM;
	else
		l->v[l->n++] = s;
	va_end(ap);
}

static char *join(struct lines *l)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (l->n)
		qsort(l->v, l->n, sizeof(char *), cmp_lines);
	for (size_t i = 0; i < l->n; i++)
		if (m && (i == 0 || strcmp(l->v[i], l->v[i - 1])))
			fprintf(m, "%s\n", l->v[i]);
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	if (!m || fclose(m) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Does the slice belong to Service ns/name? */
static bool slice_of(const json_t *slice, const char *ns, const char *name)
{
	const json_t *meta = json_object_get(slice, "metadata");
	const char *sns = json_string_value(json_object_get(meta, "namespace"));
	const char *svc = json_string_value(json_object_get(
	    json_object_get(meta, "labels"), SERVICE_NAME_LABEL));

	return sns && svc && !strcmp(sns, ns) && !strcmp(svc, name);
}

/* Headless: one A per ready endpoint address, and HOST.NAME... */
static void headless(struct lines *h, const char *fqdn, const json_t *slices,
		     const char *ns, const char *name)
{
	const json_t *slice, *ep, *a;
	size_t i, j, k;

	json_array_foreach ((json_t *)slices, i, slice) {
		if (!slice_of(slice, ns, name))
			continue;
		json_array_foreach (json_object_get(slice, "endpoints"), j,
				    ep) {
			const json_t *ready = json_object_get(
			    json_object_get(ep, "conditions"), "ready");
			const char *host =
			    json_string_value(json_object_get(ep, "hostname"));

			if (json_is_false(ready))
				continue;
			json_array_foreach (json_object_get(ep, "addresses"), k,
					    a) {
				const char *ip = json_string_value(a);

				if (!is_ip(ip))
					continue;
				if (host && *host)
					add_line(h, "%s %s.%s", ip, host, fqdn);
				add_line(h, "%s %s", ip, fqdn);
			}
		}
	}
}

int dns_render(const char *domain, const json_t *services, const json_t *slices,
	       char **ret_hosts, char **ret_srv)
{
	struct lines h = {0}, s = {0};
	const json_t *svc, *port;
	char *hosts, *srv;
	size_t i, j;

	json_array_foreach ((json_t *)services, i, svc) {
		const json_t *meta = json_object_get(svc, "metadata");
		const json_t *spec = json_object_get(svc, "spec");
		const char *ns =
		    json_string_value(json_object_get(meta, "namespace"));
		const char *name =
		    json_string_value(json_object_get(meta, "name"));
		const char *cip =
		    json_string_value(json_object_get(spec, "clusterIP"));
		char fqdn[600];

		if (!ns || !name)
			continue;
		snprintf(fqdn, sizeof(fqdn), "%s.%s.svc.%s", name, ns, domain);
		if (is_ip(cip))
			add_line(&h, "%s %s", cip, fqdn);
		else if (cip && !strcmp(cip, "None"))
			headless(&h, fqdn, slices, ns, name);
		else
			continue; /* ExternalName, or not allocated yet */
		json_array_foreach (json_object_get(spec, "ports"), j, port) {
			const char *pn =
			    json_string_value(json_object_get(port, "name"));
			const char *proto = json_string_value(
			    json_object_get(port, "protocol"));
			json_int_t num =
			    json_integer_value(json_object_get(port, "port"));
			char lp[8] = "tcp";

			if (!pn || !*pn || num < 1)
				continue;
			if (proto && strlen(proto) < sizeof(lp))
				for (size_t k = 0; k <= strlen(proto); k++)
					lp[k] = (char)(proto[k] |
						       (proto[k] ? 0x20 : 0));
			add_line(&s, "srv-host=_%s._%s.%s,%s,%lld", pn, lp,
				 fqdn, fqdn, (long long)num);
		}
	}
	hosts = h.err ? NULL : join(&h);
	srv = s.err ? NULL : join(&s);
	if (!hosts || !srv) {
		free(hosts);
		free(srv);
		return -ENOMEM;
	}
	*ret_hosts = hosts;
	*ret_srv = srv;
	return 0;
}

/* Replace dir/name by text atomically. */
static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096], tmp[4200];
	size_t len = strlen(text);
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static void stop_dnsmasq(struct dns *d)
{
	char path[4200];

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
	snprintf(path, sizeof(path), "%s/dnsmasq.pid", d->cfg.dir);
	unlink(path);
}

/* Is pid a live (not zombie) dnsmasq reading dir's dnsmasq.conf? */
static bool our_dnsmasq(pid_t pid, const char *dir)
{
	char path[64], want[4200], buf[8192] = "", state = 0;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fscanf(f, "%*d (dnsmasq) %c", &state) != 1)
		state = 0;
	fclose(f);
	if (!state || state == 'Z' || state == 'X')
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "re");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	snprintf(want, sizeof(want), "--conf-file=%s/dnsmasq.conf", dir);
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		if (!strcmp(buf + i, want))
			return true;
	return false;
}

int dns_stop_stale(const char *dir)
{
	char path[4200];
	pid_t pid = 0;
	int r;

	snprintf(path, sizeof(path), "%s/dnsmasq.pid", dir);
	r = pidfile_read(path, &pid, NULL);
	if (r < 0 && r != -EINVAL)
		return 0; /* none (a file without a pid goes below) */
	unlink(path);
	if (pid <= 1 || !our_dnsmasq((pid_t)pid, dir))
		return 0;
	kill((pid_t)pid, SIGTERM);
	for (int i = 0; i < 50 && our_dnsmasq((pid_t)pid, dir); i++)
		usleep(20000);
	if (our_dnsmasq((pid_t)pid, dir))
		kill((pid_t)pid, SIGKILL);
	return 1;
}

static int start_dnsmasq(struct dns *d)
{
	char conf[4200];
	const char *bin = d->cfg.dnsmasq ? d->cfg.dnsmasq : "dnsmasq";
	pid_t pid;

	snprintf(conf, sizeof(conf), "--conf-file=%s/dnsmasq.conf", d->cfg.dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		sigset_t none;

		/* the proxy blocks SIGTERM in every thread; dnsmasq must not */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* never outlive the proxy, even after a SIGKILL */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(null, 0);
		execlp(bin, bin, "--keep-in-foreground", conf, (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	/* for dns_stop_stale() after a crash of this process */
	snprintf(conf, sizeof(conf), "%d\n", (int)pid);
	write_file(d->cfg.dir, "dnsmasq.pid", conf);
	return 0;
}

/* Is our dnsmasq still there? Reaps it if not. */
static bool alive(struct dns *d)
{
	int st;

	if (d->pid <= 0)
		return false;
	if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
		dlog(d, "dnsmasq exited (status %d); starting it again",
		     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		d->pid = 0;
		return false;
	}
	return true;
}

/* The whole dnsmasq.conf for the SRV lines srv. */
static char *config(struct dns *d, const char *srv)
{
	char *out = NULL;

	if (asprintf(&out,
		     "# written by kubefs-proxy; replaced on every change\n"
		     "port=53\nlisten-address=%s\nbind-interfaces\n"
		     "no-hosts\naddn-hosts=%s/hosts\nlocal=/%s/\n"
		     "domain-needed\nuser=root\npid-file=\n"
		     "log-facility=-\n%s",
		     d->cfg.listen, d->cfg.dir, d->cfg.domain, srv) < 0)
		return NULL;
	return out;
}

void dns_synced(void *ud)
{
	struct dns *d = ud;
	_cleanup_json_ json_t *svcs = NULL, *slices = NULL;
	_cleanup_free_ char *hosts = NULL, *srv = NULL, *conf = NULL;
	bool restart = false, hup = false;
	int r;

	if (!d->svcs || informer_list(d->svcs, &svcs) < 0 ||
	    informer_list(d->slices, &slices) < 0)
		return;
	r = dns_render(d->cfg.domain, svcs, slices, &hosts, &srv);
	conf = r == 0 ? config(d, srv) : NULL;
	if (!conf)
		return;
	if (!d->hosts || strcmp(d->hosts, hosts)) {
		r = write_file(d->cfg.dir, "hosts", hosts);
		if (r < 0) {
			dlog(d, "cannot write %s/hosts: %s", d->cfg.dir,
			     strerror(-r));
			return;
		}
		free(d->hosts);
		d->hosts = TAKE_PTR(hosts);
		hup = true;
	}
	if (!d->conf || strcmp(d->conf, conf)) {
		r = write_file(d->cfg.dir, "dnsmasq.conf", conf);
		if (r < 0) {
			dlog(d, "cannot write %s/dnsmasq.conf: %s", d->cfg.dir,
			     strerror(-r));
			return;
		}
		free(d->conf);
		d->conf = TAKE_PTR(conf);
		restart = true;
	}
	if (restart || !alive(d)) {
		stop_dnsmasq(d);
		r = start_dnsmasq(d);
		if (r < 0)
			dlog(d, "cannot start dnsmasq: %s", strerror(-r));
	} else if (hup) {
		kill(d->pid, SIGHUP);
	}
}

/* Create obj in kube-system unless it exists. */
static void ensure(struct dns *d, const char *group, const char *resource,
		   json_t *obj)
{
	const struct kind_info *k = kinds_by_path(group, "v1", resource);
	const char *name = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "name"));
	json_t *cur = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	if (!k || !obj)
		return;
	if (client_get(d->c, k, "kube-system", name, NULL, &cur) == 0) {
		json_decref(cur);
		return;
	}
	r = client_create(d->c, k, "kube-system", obj, &err, NULL);
	if (r < 0 && r != -EEXIST)
		dlog(d, "cannot create %s kube-system/%s: %s", resource, name,
		     err.code ? err.msg : strerror(-r));
}

int dns_new(struct client *c, const struct dns_config *cfg, struct dns **ret)
{
	struct dns *d;
	_cleanup_json_ json_t *svc = NULL, *slice = NULL;
	char slice_name[300];

	if (!cfg->dir || !is_ip(cfg->cluster_ip) || !is_ip(cfg->listen))
		return -EINVAL;
	if (mkdir(cfg->dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->c = c;
	d->cfg = *cfg;
	if (!d->cfg.domain)
		d->cfg.domain = DNS_DOMAIN_DEFAULT;
	if (dns_stop_stale(cfg->dir) > 0)
		dlog(d, "stopped the dnsmasq a previous kubefs-proxy left "
			"running");
	svc = json_pack(
	    "{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:s, s:[{s:s, s:i, "
	    "s:s}, {s:s, s:i, s:s}]}}",
	    "apiVersion", "v1", "kind", "Service", "metadata", "name",
	    "kube-dns", "namespace", "kube-system", "labels", "k8s-app",
	    "kube-dns", "spec", "clusterIP", cfg->cluster_ip, "ports", "name",
	    "dns", "port", 53, "protocol", "UDP", "name", "dns-tcp", "port", 53,
	    "protocol", "TCP");
	snprintf(slice_name, sizeof(slice_name), "kube-dns-%s",
		 cfg->node_name ? cfg->node_name : "node");
	slice = json_pack(
	    "{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:s, "
	    "s:[{s:s, s:i, s:s}, {s:s, s:i, s:s}], "
	    "s:[{s:[s], s:{s:b}, s:s}]}",
	    "apiVersion", "discovery.k8s.io/v1", "kind", "EndpointSlice",
	    "metadata", "name", slice_name, "namespace", "kube-system",
	    "labels", SERVICE_NAME_LABEL, "kube-dns",
	    "endpointslice.kubernetes.io/managed-by", "kubefs-proxy",
	    "addressType", strchr(cfg->listen, ':') ? "IPv6" : "IPv4", "ports",
	    "name", "dns", "port", 53, "protocol", "UDP", "name", "dns-tcp",
	    "port", 53, "protocol", "TCP", "endpoints", "addresses",
	    cfg->listen, "conditions", "ready", 1, "nodeName",
	    cfg->node_name ? cfg->node_name : "");
	ensure(d, "core", "services", svc);
	ensure(d, "discovery.k8s.io", "endpointslices", slice);
	*ret = d;
	return 0;
}

void dns_attach(struct dns *d, struct informer *services,
		struct informer *slices)
{
	d->svcs = services;
	d->slices = slices;
}

void dns_free(struct dns *d)
{
	if (!d)
		return;
	stop_dnsmasq(d);
	free(d->hosts);
	free(d->conf);
	free(d);
}
