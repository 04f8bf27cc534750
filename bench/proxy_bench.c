/*
 * proxy_bench — kubefs-proxy's rule syncs at scale, rules only (no pods,
 * no API server): N Services with E endpoints each are turned into rules
 * fragments and applied with nft in a private network namespace, then
 * one endpoint of one Service changes again and again.
 *
 *   proxy_bench SERVICES [ENDPOINTS] [ROUNDS]
 *
 * Prints, side by side:
 *   full         generate + apply the whole table (what an iptables-mode
 *                proxy does on every change: the baseline)
 *   incremental  rebuild one Service, apply its diff (median of ROUNDS),
 *                as a netlink batch, and again as an nft script
 *   a Service added and deleted (netlink batches)
 * and the ratio full / incremental, plus the table's rule and element
 * counts. Run as root (unshare(CLONE_NEWNET)).
 */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "proxy/nfnl.h"
#include "proxy/nft.h"
#include "proxy/rules.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static json_t *service(int i)
{
	char name[32], ip[32];

	snprintf(name, sizeof(name), "svc-%d", i);
	snprintf(ip, sizeof(ip), "10.96.%d.%d", (i + 1) / 250,
		 (i + 1) % 250 + 1);
	return json_pack("{s:{s:s, s:s}, s:{s:s, s:[{s:s, s:i, s:s}]}}",
			 "metadata", "name", name, "namespace", "default",
			 "spec", "clusterIP", ip, "ports", "name", "http",
			 "port", 80, "protocol", "TCP");
}

/* One slice of e endpoints for Service i; generation g shifts one. */
static json_t *slices(int i, int e, int g)
{
	json_t *eps = json_array();

	for (int k = 0; k < e; k++) {
		char ip[32];

		/* 16 addresses per Service; round g moves endpoint 0 */
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", 128 + (i >> 12) % 64,
			 (i >> 4) & 255,
			 ((i & 15) << 4) + (k == 0 ? 15 - g % 2 : k));
		json_array_append_new(eps,
				      json_pack("{s:[s], s:{s:b}}", "addresses",
						ip, "conditions", "ready", 1));
	}
	return json_pack("[{s:s, s:[{s:s, s:i, s:s}], s:o}]", "addressType",
			 "IPv4", "ports", "name", "http", "port", 8080,
			 "protocol", "TCP", "endpoints", eps);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* old -> new as an nft script. */
static int apply_nft(const struct rules_config *cfg, struct rules_frag **old,
		     struct rules_frag **new)
{
	struct kf_error err;
	char *text = NULL;
	size_t len = 0, cmds;
	FILE *m = open_memstream(&text, &len);
	int r = 0;

	if (!m)
		return -ENOMEM;
	cmds = rules_write_diff(m, cfg, RULES_IP4, old, new, 1);
	fclose(m);
	kf_error_init(&err);
	if (cmds && (r = nft_apply(text, len, &err)) < 0)
		fprintf(stderr, "proxy_bench: incremental sync: %s\n", err.msg);
	free(text);
	return r;
}

/* old -> new as one netlink batch (nft when it holds what netlink
 * does not encode, as the proxy does). */
static int apply_netlink(struct nfnl *nl, const struct rules_config *cfg,
			 struct rules_frag **old, struct rules_frag **new)
{
	struct nfnl_batch *b = NULL;
	struct kf_error err;
	int r = nfnl_batch_new(&b);

	if (r == 0)
		r = nfnl_batch_diff(b, cfg, RULES_IP4, old, new, 1, NULL);
	kf_error_init(&err);
	if (r == 0 && (r = nfnl_batch_send(nl, b, &err)) < 0)
		fprintf(stderr, "proxy_bench: netlink sync: %s\n", err.msg);
	nfnl_batch_free(b);
	if (r == -EOPNOTSUPP)
		return apply_nft(cfg, old, new);
	return r;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int e = argc > 2 ? atoi(argv[2]) : 10;
	int rounds = argc > 3 ? atoi(argv[3]) : 20;
	struct rules_config cfg = {.table = "kubefs",
				   .cluster_cidr4 = "10.128.0.0/10"};
	struct rules_frag **frags;
	struct nfnl *sock = NULL;
	int *gens;
	json_t **svcs;
	struct kf_error err;
	double t0, full_ms, *inc, *inc_nft, *added, *removed;
	size_t rules = 0, elems = 0, len = 0;
	char *text = NULL;
	FILE *m;

	if (n < 1 || e < 1 || e > 15 || rounds < 1) {
		fprintf(stderr, "usage: proxy_bench SERVICES [ENDPOINTS<=15] "
				"[ROUNDS]\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		perror("proxy_bench: unshare(CLONE_NEWNET) (run as root)");
		return 1;
	}
	if (nfnl_open(&sock) < 0) {
		perror("proxy_bench: netfilter netlink socket");
		return 1;
	}
	frags = calloc((size_t)n, sizeof(*frags));
	svcs = calloc((size_t)n, sizeof(*svcs));
	gens = calloc((size_t)n, sizeof(*gens));
	inc = calloc((size_t)rounds, sizeof(*inc));
	inc_nft = calloc((size_t)rounds, sizeof(*inc_nft));
	added = calloc((size_t)rounds, sizeof(*added));
	removed = calloc((size_t)rounds, sizeof(*removed));
	if (!frags || !svcs || !gens || !inc || !inc_nft || !added || !removed)
		return 1;
	for (int i = 0; i < n; i++)
		svcs[i] = service(i);

	/* full: every fragment built, the whole table written and applied */
	t0 = now_ms();
	for (int i = 0; i < n; i++) {
		json_t *sl = slices(i, e, 0);

		kf_error_init(&err);
		if (rules_service(&cfg, RULES_IP4, svcs[i], sl, &err,
				  &frags[i]) < 0) {
			fprintf(stderr, "proxy_bench: %s\n", err.msg);
			return 1;
		}
		json_decref(sl);
		rules += rules_frag_rules(frags[i]);
		elems += rules_frag_elements(frags[i]);
	}
	m = open_memstream(&text, &len);
	rules += rules_write_full(m, &cfg, RULES_IP4, frags, (size_t)n) - rules;
	fclose(m);
	kf_error_init(&err);
	if (nft_apply(text, len, &err) < 0) {
		fprintf(stderr, "proxy_bench: full sync: %s\n", err.msg);
		return 1;
	}
	full_ms = now_ms() - t0;
	free(text);

	/* incremental: one endpoint of one Service changes, written as a
	 * netlink batch (what the proxy does), then as an nft script */
	for (int r = 0; r < 2 * rounds; r++) {
		int i = (r * 7919) % n;
		bool nl = r < rounds;
		struct rules_frag *nf = NULL;
		json_t *sl;

		t0 = now_ms();
		sl = slices(i, e, ++gens[i]); /* always a change */
		if (rules_service(&cfg, RULES_IP4, svcs[i], sl, &err, &nf) < 0)
			return 1;
		json_decref(sl);
		if (nl && apply_netlink(sock, &cfg, &frags[i], &nf) < 0)
			return 1;
		if (!nl && apply_nft(&cfg, &frags[i], &nf) < 0)
			return 1;
		(nl ? inc : inc_nft)[r % rounds] = now_ms() - t0;
		rules_frag_free(frags[i]);
		frags[i] = nf;
	}
	qsort(inc_nft, (size_t)rounds, sizeof(double), cmp_double);
	qsort(inc, (size_t)rounds, sizeof(double), cmp_double);

	/* a new Service, then the same deleted, one a round */
	for (int r = 0; r < rounds; r++) {
		_cleanup_json_ json_t *svc = service(n + r);
		_cleanup_json_ json_t *sl = slices(n + r, e, 0);
		struct rules_frag *nf = NULL, *none = NULL;

		t0 = now_ms();
		if (rules_service(&cfg, RULES_IP4, svc, sl, &err, &nf) < 0 ||
		    apply_netlink(sock, &cfg, &none, &nf) < 0)
			return 1;
		added[r] = now_ms() - t0;
		t0 = now_ms();
		if (apply_netlink(sock, &cfg, &nf, &none) < 0)
			return 1;
		removed[r] = now_ms() - t0;
		rules_frag_free(nf);
	}
	qsort(added, (size_t)rounds, sizeof(double), cmp_double);
	qsort(removed, (size_t)rounds, sizeof(double), cmp_double);
	{
		/* the floor: an nft run that changes nothing (cache fetch) */
		static const char noop[] = "add table ip kubefs\n";

		static const char elem[] =
		    "add element ip kubefs cluster-ips { 1.2.3.4 }\n";
		static const char chain[] = "add chain ip kubefs x\n"
					    "add rule ip kubefs x accept\n";
		static const char jump[] = "add rule ip kubefs x jump "
					   "mark-for-masquerade\n";

		static const char *const list[] = {"list",   "chain",	 "ip",
						   "kubefs", "services", NULL};
		char *out = NULL;

		t0 = now_ms();
		nft_apply(noop, sizeof(noop) - 1, &err);
		printf("  nft run changing nothing %9.1f ms\n", now_ms() - t0);
		t0 = now_ms();
		nft_query(list, &err, &out);
		printf("  nft list chain (drift)   %9.1f ms\n", now_ms() - t0);
		free(out);
		t0 = now_ms();
		nft_apply(elem, sizeof(elem) - 1, &err);
		printf("  nft add set element      %9.1f ms\n", now_ms() - t0);
		t0 = now_ms();
		nft_apply(chain, sizeof(chain) - 1, &err);
		printf("  nft add chain+rule       %9.1f ms\n", now_ms() - t0);
		t0 = now_ms();
		nft_apply(jump, sizeof(jump) - 1, &err);
		printf("  nft add jump rule        %9.1f ms\n", now_ms() - t0);
	}
	printf("%6d services x %d endpoints: %zu rules, %zu map elements\n", n,
	       e, rules, elems);
	printf("  full sync (baseline)     %9.1f ms\n", full_ms);
	printf("  incremental sync median  %9.1f ms   (max %.1f ms, %d "
	       "rounds)\n",
	       inc[rounds / 2], inc[rounds - 1], rounds);
	printf("  ratio full / incremental %9.1f x\n",
	       full_ms / inc[rounds / 2]);
	printf("  incremental as nft script%9.1f ms   (max %.1f ms; netlink "
	       "batch / nft script %.3f)\n",
	       inc_nft[rounds / 2], inc_nft[rounds - 1],
	       inc[rounds / 2] / inc_nft[rounds / 2]);
	printf("  a new Service            %9.1f ms   (max %.1f ms)\n",
	       added[rounds / 2], added[rounds - 1]);
	printf("  a Service deleted        %9.1f ms   (max %.1f ms)\n",
	       removed[rounds / 2], removed[rounds - 1]);
	for (int i = 0; i < n; i++) {
		rules_frag_free(frags[i]);
		json_decref(svcs[i]);
	}
	free(frags);
	free(svcs);
	free(inc);
	free(inc_nft);
	free(added);
	free(removed);
	free(gens);
	nfnl_close(sock);
	return 0;
}
