/*
 * proxier_sync.c — the sync loop: wait for dirty Services (at most one
 * sync per min_sync_ms), rebuild their fragments, check map keys for
 * claims by two Services, and apply a diff or the whole table in one nft
 * transaction; check for drift every sync period.
 */
#include "proxy/proxier_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "proxy/nfnl.h"
#include "proxy/nft.h"

/* The slot of key, created when create is set; NULL if none. */
static struct svc_state *slot(struct proxier *p, const char *key, bool create)
{
	json_t *i = json_object_get(p->slot_of, key);
	struct svc_state *s;
	size_t at;

	if (i)
		return p->st[json_integer_value(i)];
	if (!create)
		return NULL;
	for (at = 0; at < p->nst && p->st[at]; at++)
		;
	if (at == p->nst) {
		if (p->nst == p->capst) {
			size_t cap = p->capst ? p->capst * 2 : 64;
			struct svc_state **m = realloc(p->st, cap * sizeof(*m));

			if (!m)
				return NULL;
			p->st = m;
			p->capst = cap;
		}
		p->nst++;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->key = strdup(key))) {
		free(s);
		return NULL;
	}
	p->st[at] = s;
	json_object_set_new(p->slot_of, key, json_integer((json_int_t)at));
	return s;
}

static void slot_drop(struct proxier *p, struct svc_state *s)
{
	json_t *i = json_object_get(p->slot_of, s->key);

	if (i)
		p->st[json_integer_value(i)] = NULL;
	json_object_del(p->slot_of, s->key);
	free(s->key);
	free(s);
}

struct claim {
	json_t *owner;
	const char *key;
	const char *conflict; /* set on the first key owned by another */
	bool release;
};

static void claim_one(void *ud, const char *set, const char *key)
{
	struct claim *c = ud;
	char k[512];
	const char *o;

	snprintf(k, sizeof(k), "%s %s", set, key);
	o = json_string_value(json_object_get(c->owner, k));
	if (c->release) {
		if (o && !strcmp(o, c->key))
			json_object_del(c->owner, k);
		return;
	}
	if (o && strcmp(o, c->key)) {
		if (!c->conflict)
			c->conflict = o;
		return;
	}
	json_object_set_new(c->owner, k, json_string(c->key));
}

/* The slices of Service key, as a new array. */
static json_t *slices_of(struct proxier *p, const char *key)
{
	json_t *out = json_array(), *set, *v, *obj;
	_cleanup_json_ json_t *keys = NULL;
	const char *k;

	pthread_mutex_lock(&p->lock);
	set = json_object_get(p->by_service, key);
	keys = set ? json_deep_copy(set) : NULL;
	pthread_mutex_unlock(&p->lock);
	json_object_foreach (keys, k, v) {
		if (informer_get(p->slices, k, &obj) == 0)
			json_array_append_new(out, obj);
	}
	return out;
}

struct batch {
	size_t n;
	char **keys;
	struct rules_frag **old[RULES_FAMILIES], **new[RULES_FAMILIES];
};

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->keys[i]);
		for (int f = 0; f < RULES_FAMILIES; f++)
			rules_frag_free(b->old[f][i]);
	}
	free(b->keys);
	for (int f = 0; f < RULES_FAMILIES; f++) {
		free(b->old[f]);
		free(b->new[f]);
	}
}

/* Build the new fragments of Service key (one per family) into b at i;
 * a refused Service gets none and an Event. */
static void rebuild(struct proxier *p, struct batch *b, size_t i)
{
	_cleanup_json_ json_t *svc = NULL, *sl = NULL;
	struct kf_error err;
	int r = 0;

	if (informer_get(p->svcs, b->keys[i], &svc) < 0)
		return; /* deleted: no fragments */
	sl = slices_of(p, b->keys[i]);
	kf_error_init(&err);
	for (int f = 0; f < RULES_FAMILIES && r == 0; f++)
		r = rules_service(&p->cfg.rules, f, svc, sl, &err,
				  &b->new[f][i]);
	if (r == 0)
		return;
	for (int f = 0; f < RULES_FAMILIES; f++) {
		rules_frag_free(b->new[f][i]);
		b->new[f][i] = NULL;
	}
	proxier_log(p, "skipping service %s: %s", b->keys[i],
		    err.code ? err.msg : strerror(-r));
	event_recorder_eventf(p->events, svc, EVENT_TYPE_WARNING,
			      "FailedToProgram", "%s",
			      err.code ? err.msg : strerror(-r));
	pthread_mutex_lock(&p->lock);
	p->stats.skipped++;
	pthread_mutex_unlock(&p->lock);
}

/* Check a new fragment's keys against the owners; on a conflict the
 * Service loses its fragments and gets an Event. */
static void claim(struct proxier *p, struct batch *b, size_t i)
{
	const char *conflict = NULL;
	_cleanup_json_ json_t *svc = NULL;
	int f;

	for (f = 0; f < RULES_FAMILIES && !conflict; f++) {
		struct claim c = {p->owner[f], b->keys[i], NULL, false};

		rules_frag_foreach_element(b->new[f][i], claim_one, &c);
		conflict = c.conflict;
	}
	if (!conflict)
		return;
	proxier_log(p,
		    "skipping service %s: an address and port it uses "
		    "belong to service %s",
		    b->keys[i], conflict);
	if (informer_get(p->svcs, b->keys[i], &svc) == 0)
		event_recorder_eventf(p->events, svc, EVENT_TYPE_WARNING,
				      "FailedToProgram",
				      "an external IP, protocol and port of "
				      "this Service are already used by "
				      "Service %s",
				      conflict);
	for (f = 0; f < RULES_FAMILIES; f++) {
		struct claim c = {p->owner[f], b->keys[i], NULL, true};

		rules_frag_foreach_element(b->new[f][i], claim_one, &c);
		rules_frag_free(b->new[f][i]);
		b->new[f][i] = NULL;
	}
	pthread_mutex_lock(&p->lock);
	p->stats.skipped++;
	pthread_mutex_unlock(&p->lock);
}

/*
 * A partial sync as one netlink batch in *ret (NULL when nothing
 * changed). -EOPNOTSUPP: it holds what the netlink writer does not
 * encode (affinity's sets, IPv6 rules, ...): nft writes it.
 */
static int netlink_batch(struct proxier *p, struct batch *b,
			 struct nfnl_batch **ret, size_t *ret_cmds)
{
	struct nfnl_batch *nb = NULL;
	size_t cmds = 0, c;
	int r;

	*ret = NULL;
	if (!p->nl && nfnl_open(&p->nl) < 0)
		return -EOPNOTSUPP;
	r = nfnl_batch_new(&nb);
	for (int f = 0; f < RULES_FAMILIES && r == 0; f++) {
		r = nfnl_batch_diff(nb, &p->cfg.rules, f, b->old[f], b->new[f],
				    b->n, &c);
		cmds += c;
	}
	if (r < 0 || !cmds) {
		nfnl_batch_free(nb);
		nb = NULL;
	}
	*ret = nb;
	*ret_cmds = r < 0 ? 0 : cmds;
	return r;
}

/* The script of this sync into *ret_text. */
static int script(struct proxier *p, struct batch *b, bool full,
		  char **ret_text, size_t *ret_len, size_t *ret_cmds)
{
	FILE *m = open_memstream(ret_text, ret_len);
	size_t cmds = 0;

	if (!m)
		return -ENOMEM;
	for (int f = 0; f < RULES_FAMILIES; f++) {
		if (!full) {
			cmds += rules_write_diff(m, &p->cfg.rules, f, b->old[f],
						 b->new[f], b->n);
			continue;
		}
		struct rules_frag **all = calloc(p->nst + 1, sizeof(*all));

		if (!all) {
			fclose(m);
			return -ENOMEM;
		}
		for (size_t i = 0; i < p->nst; i++)
			all[i] = p->st[i] ? p->st[i]->frag[f] : NULL;
		cmds += rules_write_full(m, &p->cfg.rules, f, all, p->nst);
		free(all);
	}
	if (fclose(m) != 0)
		return -ENOMEM;
	*ret_cmds = cmds;
	return 0;
}

static void write_metrics(struct proxier *p)
{
	char tmp[4096];
	struct proxier_stats s;
	FILE *f;

	if (!p->cfg.metrics_file)
		return;
	proxier_get_stats(p, &s);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->cfg.metrics_file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f,
		"# kubefs-proxy metrics (Prometheus text format)\n"
		"kubefs_proxy_sync_total{kind=\"full\"} %llu\n"
		"kubefs_proxy_sync_total{kind=\"partial\"} %llu\n"
		"kubefs_proxy_netlink_syncs_total %llu\n"
		"kubefs_proxy_sync_failures_total %llu\n"
		"kubefs_proxy_drift_total %llu\n"
		"kubefs_proxy_last_sync_seconds %.6f\n"
		"kubefs_proxy_last_full_sync_seconds %.6f\n"
		"kubefs_proxy_max_partial_sync_seconds %.6f\n"
		"kubefs_proxy_rules %zu\n"
		"kubefs_proxy_map_elements %zu\n"
		"kubefs_proxy_services %zu\n"
		"kubefs_proxy_services_skipped_total %zu\n",
		(unsigned long long)s.full_syncs,
		(unsigned long long)s.partial_syncs,
		(unsigned long long)s.netlink_syncs,
		(unsigned long long)s.failed_syncs,
		(unsigned long long)s.drifts, s.last_sync_us / 1e6,
		s.last_full_us / 1e6, s.max_partial_us / 1e6, s.rules,
		s.elements, s.services, s.skipped);
	if (fclose(f) == 0)
		rename(tmp, p->cfg.metrics_file);
	else
		unlink(tmp);
}

/* Swap the new fragments into the state; the olds stay in b (freed with
 * it). Totals recomputed. */
static void commit(struct proxier *p, struct batch *b)
{
	size_t rules = 0, elems = 0, svcs = 0;

	for (size_t i = 0; i < b->n; i++) {
		struct svc_state *s = slot(p, b->keys[i], true);
		bool any = false;

		if (!s)
			continue;
		for (int f = 0; f < RULES_FAMILIES; f++) {
			s->frag[f] = b->new[f][i];
			b->new[f][i] = NULL;
			any |= s->frag[f] != NULL;
		}
		if (!any) {
			json_t *svc = NULL;

			if (informer_get(p->svcs, b->keys[i], &svc) == -ENOENT)
				slot_drop(p, s);
			json_decref(svc);
		}
	}
	for (size_t i = 0; i < p->nst; i++) {
		if (!p->st[i])
			continue;
		svcs++;
		for (int f = 0; f < RULES_FAMILIES; f++) {
			rules += rules_frag_rules(p->st[i]->frag[f]);
			elems += rules_frag_elements(p->st[i]->frag[f]);
		}
	}
	pthread_mutex_lock(&p->lock);
	p->stats.rules = rules + p->skeleton_rules;
	p->stats.elements = elems;
	p->stats.services = svcs;
	pthread_mutex_unlock(&p->lock);
}

/* One sync of the keys in dirty (stolen). 0 or -errno (full due). */
static int sync_once(struct proxier *p, json_t *dirty, bool full)
{
	_cleanup_free_ char *text = NULL;
	struct nfnl_batch *nb = NULL;
	struct batch b = {0};
	struct kf_error err;
	const char *key;
	size_t len = 0, cmds = 0, i = 0;
	uint64_t t0 = mono_us(), dt;
	json_t *v;
	int r = -ENOMEM;

	b.n = json_object_size(dirty);
	b.keys = calloc(b.n + 1, sizeof(char *));
	for (int f = 0; f < RULES_FAMILIES; f++) {
		b.old[f] = calloc(b.n + 1, sizeof(struct rules_frag *));
		b.new[f] = calloc(b.n + 1, sizeof(struct rules_frag *));
		if (!b.old[f] || !b.new[f])
			goto out;
	}
	if (!b.keys)
		goto out;
	json_object_foreach (dirty, key, v) {
		struct svc_state *s = slot(p, key, false);

		b.keys[i] = strdup(key);
		if (!b.keys[i])
			goto out;
		for (int f = 0; s && f < RULES_FAMILIES; f++) {
			struct claim c = {p->owner[f], key, NULL, true};

			rules_frag_foreach_element(s->frag[f], claim_one, &c);
			b.old[f][i] = s->frag[f];
			s->frag[f] = NULL;
		}
		i++;
	}
	for (i = 0; i < b.n; i++)
		rebuild(p, &b, i);
	for (i = 0; i < b.n; i++)
		claim(p, &b, i);
	if (full)
		commit(p, &b);
	r = full ? -EOPNOTSUPP : netlink_batch(p, &b, &nb, &cmds);
	if (r == -EOPNOTSUPP)
		r = script(p, &b, full, &text, &len, &cmds);
	if (r < 0)
		goto out;
	if (!full)
		commit(p, &b);
	kf_error_init(&err);
	if (nb)
		r = nfnl_batch_send(p->nl, nb, &err);
	else
		r = cmds || full ? nft_apply(text, len, &err) : 0;
	dt = mono_us() - t0;
	pthread_mutex_lock(&p->lock);
	if (r < 0) {
		p->stats.failed_syncs++;
		p->need_full = true;
	} else if (full) {
		p->stats.full_syncs++;
		p->stats.last_full_us = dt;
	} else {
		p->stats.partial_syncs++;
		p->stats.netlink_syncs += nb != NULL;
		if (dt > p->stats.max_partial_us)
			p->stats.max_partial_us = dt;
	}
	p->stats.last_sync_us = dt;
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		proxier_log(p, "%s sync failed (%zu bytes): %s",
			    full ? "full" : "partial", len,
			    err.code ? err.msg : strerror(-r));
	else if (full)
		proxier_log(p, "full sync: %zu services, %zu rules in %.3f s",
			    p->stats.services, p->stats.rules, dt / 1e6);
out:
	nfnl_batch_free(nb);
	batch_free(&b);
	json_decref(dirty);
	return r;
}

/* Is the table there with its skeleton in every family? (Read over
 * netlink: `nft list chain` fills nft's cache of every set and element
 * first, seconds at thousands of Services.) */
static bool intact(struct proxier *p)
{
	const char *table =
	    p->cfg.rules.table ? p->cfg.rules.table : RULES_TABLE_DEFAULT;
	bool ok = true;

	if (!p->nl && nfnl_open(&p->nl) < 0)
		return true; /* cannot tell: checked again next period */
	for (int f = 0; f < RULES_FAMILIES && ok; f++)
		if (nfnl_chain_looks_up(p->nl, f, table, "services",
					"service-ips", &ok) < 0)
			ok = false;
	return ok;
}

/* All known Service keys, as a dirty set. Caller holds p->lock. */
static void mark_all(struct proxier *p)
{
	_cleanup_json_ json_t *all = NULL;
	size_t i;
	json_t *obj;

	for (i = 0; i < p->nst; i++)
		if (p->st[i])
			json_object_set_new(p->dirty, p->st[i]->key,
					    json_true());
	pthread_mutex_unlock(&p->lock);
	if (informer_list(p->svcs, &all) < 0)
		all = NULL;
	pthread_mutex_lock(&p->lock);
	json_array_foreach (all, i, obj) {
		_cleanup_free_ char *key = NULL;

		if (informer_key(obj, &key) == 0)
			json_object_set_new(p->dirty, key, json_true());
	}
}

/* The monotonic instant at_us (mono_us() time), rounded up to a
 * millisecond, for the condition variable. */
static void deadline(struct timespec *ts, uint64_t at_us)
{
	uint64_t now = mono_us();

	mono_deadline(at_us > now ? (at_us - now + 999) / 1000 : 0, ts);
}

/* Rules of the skeleton alone (both families), for the metrics. */
static size_t skeleton_rules(const struct rules_config *cfg)
{
	FILE *m = fopen("/dev/null", "w");
	size_t n = 0;

	if (!m)
		return 0;
	for (int f = 0; f < RULES_FAMILIES; f++)
		n += rules_write_full(m, cfg, f, NULL, 0);
	fclose(m);
	return n;
}

int proxier_run(struct proxier *p)
{
	uint64_t min_us = (uint64_t)p->cfg.min_sync_ms * 1000u;
	uint64_t period_us = (uint64_t)p->cfg.sync_period_ms * 1000u;
	uint64_t not_before = 0, next_check = mono_us() + period_us;
	unsigned retry_ms = RETRY_MIN_MS;
	bool first = true;

	pthread_mutex_lock(&p->lock);
	p->skeleton_rules = skeleton_rules(&p->cfg.rules);
	while (!p->stop) {
		bool pending =
		    first || p->need_full || json_object_size(p->dirty) > 0;
		uint64_t wake = pending ? not_before : next_check;
		struct timespec ts;
		json_t *dirty;
		bool full;
		int r;

		if (mono_us() < wake) {
			deadline(&ts, wake);
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
			continue;
		}
		full = first || p->need_full;
		if (full)
			mark_all(p);
		p->need_full = false;
		dirty = p->dirty;
		p->dirty = json_object();
		pthread_mutex_unlock(&p->lock);

		if (mono_us() >= next_check) {
			next_check = mono_us() + period_us;
			if (!full && !intact(p)) {
				proxier_log(p,
					    "table drifted (flushed or "
					    "deleted by someone): full sync");
				full = true;
				pthread_mutex_lock(&p->lock);
				p->stats.drifts++;
				mark_all(p);
				json_object_update(dirty, p->dirty);
				json_object_clear(p->dirty);
				pthread_mutex_unlock(&p->lock);
			}
		}
		not_before = mono_us() + min_us;
		r = sync_once(p, dirty, full);
		write_metrics(p);
		if (r == 0 && p->cfg.synced)
			p->cfg.synced(p->cfg.synced_ud);
		pthread_mutex_lock(&p->lock);
		if (r < 0) {
			/* a full sync is due; back off before it */
			not_before = mono_us() + (uint64_t)retry_ms * 1000u;
			retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
							       : retry_ms * 2;
		} else {
			retry_ms = RETRY_MIN_MS;
			first = false;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return 0;
}
