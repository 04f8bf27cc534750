/*
 * netroutes.c — Node objects to routes. A Node informer wakes a thread
 * that reads the current routes of our protocol, plans the difference
 * (netroutes_plan) and applies it with one `ip -force -batch -` (and one
 * `bridge -batch -` for the FDB entries of VXLAN).
 */
#include "proxy/netroutes.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "api/netaddr.h"
#include "client/informer.h"
#include "proxy/nft.h"

struct netroutes {
	struct client *c;
	struct netroutes_config cfg;
	struct informer *nodes;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool dirty, stop;
};

static void nlog(struct netroutes *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void nlog(struct netroutes *n, const char *fmt, ...)
{
	va_list ap;

	if (!n->cfg.log)
		return;
	va_start(ap, fmt);
	n->cfg.log(n->cfg.log_ud, fmt, ap);
	va_end(ap);
}

struct node_net {
	const char *name;
	char ip[IPV4_STRLEN];
	char cidr[CIDR4_STRLEN];
	char vtep[IPV4_STRLEN]; /* the .0 of the CIDR */
	char mac[18];		/* derived from ip */
};

/* A Node's InternalIP and IPv4 podCIDR (/8 to /30); false when it lacks
 * either. */
static bool node_net(const json_t *node, struct node_net *ret)
{
	const json_t *a;
	const char *cidr = json_string_value(
	    json_object_get(json_object_get(node, "spec"), "podCIDR"));
	struct cidr4 net;
	uint32_t ip = 0;
	bool have_ip = false;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	ret->name = json_string_value(
	    json_object_get(json_object_get(node, "metadata"), "name"));
	json_array_foreach (
	    json_object_get(json_object_get(node, "status"), "addresses"), i,
	    a) {
		const char *t = json_string_value(json_object_get(a, "type"));
		const char *v =
		    json_string_value(json_object_get(a, "address"));

		if (!have_ip && t && !strcmp(t, "InternalIP") &&
		    ipv4_parse(v, &ip) == 0)
			have_ip = true;
	}
	if (!ret->name || !have_ip || cidr4_parse(cidr, &net) < 0 ||
	    net.prefix < 8 || net.prefix > 30)
		return false;
	ipv4_format(ip, ret->ip);
	cidr4_format(&net, ret->cidr);
	ipv4_format(net.addr, ret->vtep);
	/* locally administered, unicast */
	snprintf(ret->mac, sizeof(ret->mac), "0a:58:%02x:%02x:%02x:%02x",
		 ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	return true;
}

int netroutes_plan(const struct netroutes_config *cfg, const json_t *nodes,
		   const char *current, char **ret)
{
	const char *dev = NETROUTES_VXLAN_DEV;
	char *text = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&text, &len);
	struct node_net self = {0}, nn;
	_cleanup_json_ json_t *want = json_object();
	const json_t *node;
	bool have_self = false;

	if (!m || !want) {
		if (m)
			fclose(m);
		free(text);
		return -ENOMEM;
	}
	json_array_foreach ((json_t *)nodes, i, node)
		if (node_net(node, &nn) && cfg->node_name &&
		    !strcmp(nn.name, cfg->node_name)) {
			self = nn;
			have_self = true;
		}
	if (cfg->vxlan && have_self) {
		fprintf(m,
			"link add %s type vxlan id 1 dstport %d local %s "
			"nolearning\n"
			"link set %s address %s\n"
			"address replace %s/32 dev %s\n"
			"link set %s up\n",
			dev, NETROUTES_VXLAN_PORT, self.ip, dev, self.mac,
			self.vtep, dev, dev);
	}
	json_array_foreach ((json_t *)nodes, i, node) {
		if (!node_net(node, &nn) ||
		    (cfg->node_name && !strcmp(nn.name, cfg->node_name)))
			continue;
		json_object_set_new(want, nn.cidr, json_true());
		if (!cfg->vxlan) {
			fprintf(m, "route replace %s via %s proto %d\n",
				nn.cidr, nn.ip, NETROUTES_PROTO);
			continue;
		}
		if (!have_self)
			continue;
		fprintf(m,
			"neigh replace %s lladdr %s dev %s nud permanent\n"
			"bridge fdb replace %s dev %s dst %s self permanent\n"
			"route replace %s via %s dev %s onlink proto %d\n",
			nn.vtep, nn.mac, dev, nn.mac, dev, nn.ip, nn.cidr,
			nn.vtep, dev, NETROUTES_PROTO);
	}
	/* our routes to nodes that are gone */
	for (const char *l = current; l && *l;) {
		size_t n = strcspn(l, "\n");
		char dst[64];

		if (sscanf(l, "%63s", dst) == 1 && strchr(dst, '/') &&
		    !json_object_get(want, dst))
			fprintf(m, "route del %s proto %d\n", dst,
				NETROUTES_PROTO);
		l += n;
		if (*l)
			l++;
	}
	if (fclose(m) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

static int apply(struct netroutes *n)
{
	_cleanup_json_ json_t *nodes = NULL;
	_cleanup_free_ char *current = NULL, *plan = NULL;
	char proto[16];
	char *show[] = {"ip", "-4", "route", "show", "proto", proto, NULL};
	char *batch[] = {"ip", "-force", "-batch", "-", NULL};
	char *bbatch[] = {"bridge", "-force", "-batch", "-", NULL};
	char *ipcmds = NULL, *brcmds = NULL;
	size_t ilen = 0, blen = 0;
	struct kf_error err;
	FILE *fi, *fb;
	int r;

	snprintf(proto, sizeof(proto), "%d", NETROUTES_PROTO);
	r = informer_list(n->nodes, &nodes);
	if (r == 0)
		r = cmd_run(show, NULL, 0, NULL, &current);
	if (r == 0)
		r = netroutes_plan(&n->cfg, nodes, current, &plan);
	if (r < 0)
		return r;
	if (!*plan)
		return 0;
	/* "bridge ..." lines go to bridge(8), the rest to ip(8) */
	fi = open_memstream(&ipcmds, &ilen);
	fb = open_memstream(&brcmds, &blen);
	for (char *l = strtok(plan, "\n"); l && fi && fb;
	     l = strtok(NULL, "\n")) {
		if (!strncmp(l, "bridge ", 7))
			fprintf(fb, "%s\n", l + 7);
		else
			fprintf(fi, "%s\n", l);
	}
	if (fi)
		fclose(fi);
	if (fb)
		fclose(fb);
	kf_error_init(&err);
	r = ipcmds ? cmd_run(batch, ipcmds, ilen, &err, NULL) : -ENOMEM;
	/* "link add" of an existing device fails; -force goes on */
	if (r < 0 && !strstr(err.msg, "File exists"))
		nlog(n, "pod routes: %s", err.code ? err.msg : strerror(-r));
	if (blen) {
		kf_error_init(&err);
		r = cmd_run(bbatch, brcmds, blen, &err, NULL);
		if (r < 0)
			nlog(n, "pod routes (fdb): %s",
			     err.code ? err.msg : strerror(-r));
	}
	free(ipcmds);
	free(brcmds);
	return 0;
}

static void *loop(void *arg)
{
	struct netroutes *n = arg;

	informer_wait_synced(n->nodes, -1);
	pthread_mutex_lock(&n->lock);
	n->dirty = true;
	while (!n->stop) {
		struct timespec ts;

		if (!n->dirty) {
			/* also repair what others changed */
			mono_deadline(30000, &ts);
			if (pthread_cond_timedwait(&n->cond, &n->lock, &ts) ==
			    ETIMEDOUT)
				n->dirty = true;
			continue;
		}
		n->dirty = false;
		pthread_mutex_unlock(&n->lock);
		apply(n);
		pthread_mutex_lock(&n->lock);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

static void changed(void *ud, const json_t *obj)
{
	struct netroutes *n = ud;

	pthread_mutex_lock(&n->lock);
	n->dirty = true;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

static void updated(void *ud, const json_t *old, const json_t *obj)
{
	changed(ud, obj);
}

/* The informer's notices (its watch broke, a re-list) to the log. */
static void informer_notice(void *ud, const char *msg)
{
	nlog(ud, "%s", msg);
}

int netroutes_new(struct client *c, const struct netroutes_config *cfg,
		  struct netroutes **ret)
{
	struct netroutes *n = calloc(1, sizeof(*n));
	struct informer_opts o = {
	    .kind = kinds_by_path("core", "v1", "nodes"),
	    .notice = informer_notice,
	    .notice_ud = n,
	};
	struct informer_handlers h = {changed, updated, changed, n};
	int r;

	if (!n)
		return -ENOMEM;
	n->c = c;
	n->cfg = *cfg;
	pthread_mutex_init(&n->lock, NULL);
	{
		pthread_condattr_t ca; /* waits timed on the monotonic clock */

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&n->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	r = informer_new(c, &o, &n->nodes);
	if (r == 0)
		r = informer_add_handlers(n->nodes, &h);
	if (r < 0) {
		netroutes_free(n);
		return r;
	}
	*ret = n;
	return 0;
}

int netroutes_start(struct netroutes *n)
{
	int r = informer_start(n->nodes);

	if (r < 0)
		return r;
	r = -pthread_create(&n->thread, NULL, loop, n);
	n->started = r == 0;
	return r;
}

void netroutes_free(struct netroutes *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
	informer_stop(n->nodes);
	if (n->started)
		pthread_join(n->thread, NULL);
	informer_free(n->nodes);
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	free(n);
}
