/*
 * conntrack.c — UDP conntrack clean-up after syncs (see conntrack.h):
 * the UDP targets of every Service port before and after, and the
 * conntrack(8) deletions for what went stale in between.
 */
#include "proxy/conntrack.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/netaddr.h"
#include "proxy/nft.h"
#include "proxy/rules.h"

extern char **environ;

struct conntrack {
	struct conntrack_config cfg;
	struct informer *svcs, *slices;
	json_t *targets; /* NULL before the first sync */
	bool missing;	 /* conntrack(8) could not be run (logged once) */
};

static void clog_(struct conntrack *ct, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void clog_(struct conntrack *ct, const char *fmt, ...)
{
	va_list ap;

	if (!ct->cfg.log)
		return;
	va_start(ap, fmt);
	ct->cfg.log(ct->cfg.log_ud, fmt, ap);
	va_end(ap);
}

static bool cond(const json_t *conds, const char *k, bool dflt)
{
	const json_t *v = json_object_get(conds, k);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* The endpoint addresses the rules use for UDP port name of a Service's
 * slices: ready ones, else serving terminating ones. */
static int used_endpoints(const json_t *slices, const char *port, json_t *out)
{
	_cleanup_json_ json_t *fallback = json_object();
	const json_t *sl, *sp, *ep;
	size_t i, j;

	if (!fallback)
		return -ENOMEM;
	json_array_foreach ((json_t *)slices, i, sl) {
		bool has = false;

		json_array_foreach (json_object_get(sl, "ports"), j, sp)
			has |= !strcmp(json_string_value(
					   json_object_get(sp, "name"))
					   ?: "",
				       port) &&
			       !strcmp(json_string_value(
					   json_object_get(sp, "protocol"))
					   ?: "TCP",
				       "UDP");
		if (!has)
			continue;
		json_array_foreach (json_object_get(sl, "endpoints"), j, ep) {
			const json_t *c = json_object_get(ep, "conditions");
			const char *ip = json_string_value(json_array_get(
			    json_object_get(ep, "addresses"), 0));
			bool ready = cond(c, "ready", true);

			if (!ip)
				continue;
			if (ready && json_object_set_new(out, ip, json_true()))
				return -ENOMEM;
			if (!ready && cond(c, "serving", false) &&
			    cond(c, "terminating", false) &&
			    json_object_set_new(fallback, ip, json_true()))
				return -ENOMEM;
		}
	}
	if (!json_object_size(out) && json_object_update(out, fallback))
		return -ENOMEM;
	return 0;
}

/* The addresses a Service answers on: ClusterIPs, externalIPs, load
 * balancer IPs. */
static int service_addresses(const json_t *svc, json_t *out)
{
	const json_t *spec = json_object_get(svc, "spec");
	json_t *v;
	const char *one = json_string_value(json_object_get(spec, "clusterIP"));
	const char *lb =
	    json_string_value(json_object_get(spec, "loadBalancerIP"));
	size_t i;

	json_array_foreach (json_object_get(spec, "clusterIPs"), i, v)
		json_array_append(out, v);
	if (!json_array_size(out) && one)
		json_array_append_new(out, json_string(one));
	json_array_foreach (json_object_get(spec, "externalIPs"), i, v)
		json_array_append(out, v);
	if (lb && *lb)
		json_array_append_new(out, json_string(lb));
	json_array_foreach (
	    json_object_get(
		json_object_get(json_object_get(svc, "status"), "loadBalancer"),
		"ingress"),
	    i, v)
		if (json_is_string(json_object_get(v, "ip")))
			json_array_append(out, json_object_get(v, "ip"));
	return 0;
}

static bool has_udp(const json_t *svc)
{
	const json_t *port;
	size_t i;

	json_array_foreach (
	    json_object_get(json_object_get(svc, "spec"), "ports"), i, port) {
		const char *pr =
		    json_string_value(json_object_get(port, "protocol"));

		if (pr && !strcmp(pr, "UDP"))
			return true;
	}
	return false;
}

int conntrack_targets(const json_t *services, const json_t *slices,
		      json_t **ret)
{
	_cleanup_json_ json_t *out = json_object(), *by_svc = NULL;
	const json_t *svc, *port, *ip;
	size_t i, j, k;
	int r;

	if (!out)
		return -ENOMEM;
	json_array_foreach ((json_t *)services, i, svc) {
		const json_t *meta = json_object_get(svc, "metadata");
		const char *ns =
		    json_string_value(json_object_get(meta, "namespace"))
			?: "default";
		const char *name =
		    json_string_value(json_object_get(meta, "name")) ?: "";
		_cleanup_json_ json_t *addrs = json_array();
		_cleanup_free_ char *key = NULL;
		const json_t *mine;

		if (!has_udp(svc))
			continue;
		if (!addrs || service_addresses(svc, addrs) < 0 ||
		    asprintf(&key, "%s/%s", ns, name) < 0)
			return -ENOMEM;
		json_array_foreach (
		    json_object_get(json_object_get(svc, "spec"), "ports"), j,
		    port) {
			const char *pr = json_string_value(
			    json_object_get(port, "protocol"));
			const json_t *np = json_object_get(port, "nodePort");
			_cleanup_json_ json_t *eps = json_object();
			char tkey[80];

			if (!pr || strcmp(pr, "UDP") ||
			    !json_is_integer(json_object_get(port, "port")))
				continue;
			if (!eps)
				return -ENOMEM;
			/* the index only once some UDP port needs it */
			r = by_svc ? 0
				   : rules_slices_by_service(slices, &by_svc);
			if (r < 0)
				return r;
			mine = json_object_get(by_svc, key);
			r = used_endpoints(
			    mine,
			    json_string_value(json_object_get(port, "name"))
				?: "",
			    eps);
			if (r < 0)
				return r;
			json_array_foreach (addrs, k, ip) {
				if (!is_ip(json_string_value(ip)))
					continue;
				snprintf(tkey, sizeof(tkey), "%s %lld",
					 json_string_value(ip),
					 (long long)json_integer_value(
					     json_object_get(port, "port")));
				if (json_object_set(out, tkey, eps))
					return -ENOMEM;
			}
			if (json_is_integer(np) && json_integer_value(np) > 0) {
				snprintf(tkey, sizeof(tkey), "* %lld",
					 (long long)json_integer_value(np));
				if (json_object_set(out, tkey, eps))
					return -ENOMEM;
			}
		}
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static void add2(json_t *a, const char *x, const char *y)
{
	json_array_append_new(a, json_string(x));
	json_array_append_new(a, json_string(y));
}

/* Arguments deleting the UDP flows to target key (replies from ep, or
 * any when ep is NULL). */
static int deletion(const char *key, const char *ep, json_t *out)
{
	char ip[64], port[16];
	json_t *a;

	if (sscanf(key, "%63s %15s", ip, port) != 2)
		return 0;
	a = json_pack("[s, s, s]", "-D", "-p", "udp");
	if (!a)
		return -ENOMEM;
	if (strchr(strcmp(ip, "*") ? ip : (ep ? ep : ""), ':'))
		add2(a, "-f", "ipv6");
	if (strcmp(ip, "*"))
		add2(a, "--orig-dst", ip);
	add2(a, "--orig-port-dst", port);
	if (ep)
		add2(a, "--reply-src", ep);
	return json_array_append_new(out, a) ? -ENOMEM : 0;
}

int conntrack_stale(const json_t *old, const json_t *new, json_t **ret)
{
	_cleanup_json_ json_t *out = json_array();
	const char *key, *ep;
	json_t *was, *v;

	if (!out)
		return -ENOMEM;
	json_object_foreach ((json_t *)old, key, was) {
		const json_t *now = json_object_get(new, key);
		int r = 0;

		if (now && !json_object_size(was) && json_object_size(now))
			r = deletion(key, NULL, out);
		json_object_foreach (was, ep, v)
			if (r == 0 && !json_object_get(now, ep))
				r = deletion(key, ep, out);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* One flow of a listing: original destination and port, reply source.
 * false when the line is no UDP flow. */
static bool flow(const char *line, char *dst, char *dport, char *rsrc)
{
	char tok[128];
	int srcs = 0, n = 0, off = 0;

	*dst = *dport = *rsrc = '\0';
	if (strncmp(line, "udp ", 4))
		return false;
	while (sscanf(line + off, "%127s%n", tok, &n) == 1) {
		off += n;
		if (!strncmp(tok, "src=", 4) && ++srcs == 2)
			snprintf(rsrc, 64, "%.63s", tok + 4);
		else if (!strncmp(tok, "dst=", 4) && !*dst)
			snprintf(dst, 64, "%.63s", tok + 4);
		else if (!strncmp(tok, "dport=", 6) && !*dport)
			snprintf(dport, 16, "%.15s", tok + 6);
	}
	return *dst && *dport && *rsrc;
}

int conntrack_reconcile(const json_t *targets, const char *listing,
			json_t **ret)
{
	_cleanup_json_ json_t *out = json_array(), *done = json_object();
	_cleanup_free_ char *copy = strdup(listing ? listing : "");
	char *save = NULL, dst[64], dport[16], rsrc[64], key[96], seen[200];

	if (!out || !done || !copy)
		return -ENOMEM;
	for (char *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!flow(l, dst, dport, rsrc))
			continue;
		for (int nodeport = 0; nodeport < 2; nodeport++) {
			const json_t *eps;
			int r;

			snprintf(key, sizeof(key), "%s %s",
				 nodeport ? "*" : dst, dport);
			eps = json_object_get(targets, key);
			if (!json_object_size(eps) ||
			    json_object_get(eps, rsrc))
				continue;
			snprintf(seen, sizeof(seen), "%s %s", key, rsrc);
			if (json_object_get(done, seen))
				continue;
			r = deletion(key, rsrc, out);
			if (r == 0 &&
			    json_object_set_new(done, seen, json_true()))
				r = -ENOMEM;
			if (r < 0)
				return r;
		}
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* conntrack ARGS..., quietly; its status (1: nothing matched) is not
 * an error. -errno when it could not be run. */
static int run(struct conntrack *ct, const json_t *args)
{
	const char *prog = ct->cfg.conntrack ? ct->cfg.conntrack : "conntrack";
	const char *argv[24];
	posix_spawn_file_actions_t fa;
	size_t n = 0, i;
	json_t *v;
	pid_t pid;
	int r, st;

	argv[n++] = prog;
	json_array_foreach ((json_t *)args, i, v)
		if (n < 23)
			argv[n++] = json_string_value(v);
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, prog, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	return 0;
}

/* The deletions of the first sync: the kernel's UDP flows of both
 * families against targets. Without conntrack(8): none (logged once). */
static int reconcile(struct conntrack *ct, const json_t *targets, json_t **ret)
{
	const char *prog = ct->cfg.conntrack ? ct->cfg.conntrack : "conntrack";
	_cleanup_free_ char *listing = NULL;
	FILE *m;
	size_t len = 0;
	struct kf_error err;

	m = open_memstream(&listing, &len);
	if (!m)
		return -ENOMEM;
	for (int v6 = 0; v6 < 2; v6++) {
		char *argv[] = {(char *)prog,	      "-L", "-p", "udp", "-f",
				v6 ? "ipv6" : "ipv4", NULL};
		_cleanup_free_ char *out = NULL;
		int r;

		kf_error_init(&err);
		r = cmd_run(argv, NULL, 0, &err, &out);
		if (r < 0 && !ct->missing)
			clog_(ct, "cannot list UDP conntrack entries: %s",
			      err.code ? err.msg : strerror(-r));
		ct->missing |= r == -ENOENT;
		if (out)
			fputs(out, m);
	}
	if (fclose(m) != 0)
		return -ENOMEM;
	return conntrack_reconcile(targets, listing, ret);
}

int conntrack_new(const struct conntrack_config *cfg, struct conntrack **ret)
{
	struct conntrack *ct = calloc(1, sizeof(*ct));

	if (!ct)
		return -ENOMEM;
	ct->cfg = *cfg;
	*ret = ct;
	return 0;
}

void conntrack_attach(struct conntrack *ct, struct informer *services,
		      struct informer *slices)
{
	ct->svcs = services;
	ct->slices = slices;
}

void conntrack_synced(void *ud)
{
	struct conntrack *ct = ud;
	_cleanup_json_ json_t *svcs = NULL, *slices = NULL, *now = NULL;
	_cleanup_json_ json_t *stale = NULL;
	json_t *args;
	size_t i;
	int r;

	if (!ct->svcs || informer_list(ct->svcs, &svcs) < 0 ||
	    informer_list(ct->slices, &slices) < 0)
		return;
	r = conntrack_targets(svcs, slices, &now);
	if (r == 0 && ct->targets)
		r = conntrack_stale(ct->targets, now, &stale);
	else if (r == 0 && json_object_size(now))
		r = reconcile(ct, now, &stale);
	if (r < 0) {
		clog_(ct, "UDP conntrack clean-up: %s", strerror(-r));
		return;
	}
	json_array_foreach (stale, i, args) {
		r = run(ct, args);
		if (r < 0 && !ct->missing)
			clog_(ct,
			      "cannot run conntrack: %s; UDP flows to removed "
			      "endpoints stay until they expire",
			      strerror(-r));
		ct->missing |= r < 0;
	}
	json_decref(ct->targets);
	ct->targets = TAKE_PTR(now);
}

void conntrack_free(struct conntrack *ct)
{
	if (!ct)
		return;
	json_decref(ct->targets);
	free(ct);
}
