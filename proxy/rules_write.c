/*
 * rules_write.c — nft scripts from rules fragments: the table skeleton,
 * a full replacement, and the difference between two fragments of the
 * same Service for an incremental sync.
 */
#include "proxy/rules_i.h"

#include <string.h>

#include "api/cleanup.h"

const char *rules_family_name(enum rules_family fam)
{
	return fam == RULES_IP6 ? "ip6" : "ip";
}

static const char *table_of(const struct rules_config *cfg)
{
	return cfg->table && *cfg->table ? cfg->table : RULES_TABLE_DEFAULT;
}

struct writer {
	FILE *out;
	char prefix[128]; /* "ip kubefs" */
	size_t count;
	bool localhost; /* cfg->localhost_nodeports */
};

static void writer_init(struct writer *w, FILE *out,
			const struct rules_config *cfg, enum rules_family fam)
{
	w->out = out;
	w->count = 0;
	w->localhost = cfg->localhost_nodeports;
	snprintf(w->prefix, sizeof(w->prefix), "%s %s", rules_family_name(fam),
		 table_of(cfg));
}

/* A base chain hooked into netfilter, with its rules. */
static void base_chain(struct writer *w, const char *name, const char *type,
		       const char *hook, const char *prio, const char *rule1,
		       const char *rule2)
{
	fprintf(w->out,
		"add chain %s %s { type %s hook %s priority %s; policy "
		"accept; }\n",
		w->prefix, name, type, hook, prio);
	fprintf(w->out, "add rule %s %s %s\n", w->prefix, name, rule1);
	w->count++;
	if (rule2) {
		fprintf(w->out, "add rule %s %s %s\n", w->prefix, name, rule2);
		w->count++;
	}
}

static void plain_chain(struct writer *w, const char *name, const char *rule)
{
	fprintf(w->out, "add chain %s %s\n", w->prefix, name);
	fprintf(w->out, "add rule %s %s %s\n", w->prefix, name, rule);
	w->count++;
}

static void skeleton(struct writer *w, enum rules_family fam)
{
	const char *ip = rules_family_name(fam);
	const char *addr = fam == RULES_IP6 ? "ipv6_addr" : "ipv4_addr";
	const char *lo = fam == RULES_IP6 ? "::1" : "127.0.0.0/8";
	const char *p = w->prefix;
	char rule[256];

	fprintf(w->out,
		"add table %s\ndelete table %s\n"
		"add table %s { comment \"rules for kubefs-proxy\"; }\n",
		p, p, p);
	fprintf(w->out,
		"add set %s cluster-ips { type %s; comment \"Active "
		"ClusterIPs\"; }\n"
		"add map %s service-ips { type %s . inet_proto . inet_service "
		": verdict; comment \"ClusterIP, ExternalIP and LoadBalancer "
		"IP traffic\"; }\n"
		"add map %s service-nodeports { type inet_proto . "
		"inet_service : verdict; comment \"NodePort traffic\"; }\n"
		"add map %s no-endpoint-services { type %s . inet_proto . "
		"inet_service : verdict; comment \"vmap to drop or reject "
		"packets to services with no endpoints\"; }\n"
		"add map %s no-endpoint-nodeports { type inet_proto . "
		"inet_service : verdict; comment \"vmap to drop or reject "
		"packets to service nodeports with no endpoints\"; }\n",
		p, addr, p, addr, p, p, addr, p);
	plain_chain(w, "mark-for-masquerade",
		    "meta mark set meta mark or 0x4000");
	plain_chain(w, "masquerading", "meta mark & 0x4000 == 0 return");
	fprintf(w->out,
		"add rule %s masquerading meta mark set meta mark xor 0x4000\n"
		"add rule %s masquerading masquerade fully-random\n",
		p, p);
	w->count += 2;
	plain_chain(w, "reject-chain", "reject");
	snprintf(rule, sizeof(rule),
		 "%s daddr . meta l4proto . th dport vmap "
		 "@service-ips",
		 ip);
	plain_chain(w, "services", rule);
	fprintf(w->out,
		"add rule %s services fib daddr type local %s daddr != %s "
		"meta l4proto . th dport vmap @service-nodeports\n",
		p, ip, lo);
	w->count++;
	snprintf(rule, sizeof(rule),
		 "%s daddr . meta l4proto . th dport vmap "
		 "@no-endpoint-services",
		 ip);
	plain_chain(w, "service-endpoints-check", rule);
	snprintf(rule, sizeof(rule),
		 "fib daddr type local %s daddr != %s meta l4proto . th dport "
		 "vmap @no-endpoint-nodeports",
		 ip, lo);
	plain_chain(w, "nodeport-endpoints-check", rule);
	snprintf(rule, sizeof(rule),
		 "%s daddr @cluster-ips reject comment \"Reject traffic to "
		 "invalid ports of ClusterIPs\"",
		 ip);
	plain_chain(w, "cluster-ips-check", rule);
	base_chain(w, "nat-prerouting", "nat", "prerouting", "dstnat",
		   "jump services", NULL);
	if (fam == RULES_IP4 && w->localhost) {
		base_chain(w, "nat-output", "nat", "output", "-100",
			   "ip daddr 127.0.0.0/8 meta l4proto . th dport vmap "
			   "@service-nodeports",
			   "jump services");
	} else {
		base_chain(w, "nat-output", "nat", "output", "-100",
			   "jump services", NULL);
	}
	base_chain(w, "nat-postrouting", "nat", "postrouting", "srcnat",
		   "jump masquerading", NULL);
	base_chain(w, "filter-input", "filter", "input", "-110",
		   "ct state new jump nodeport-endpoints-check",
		   "ct state new jump service-endpoints-check");
	base_chain(w, "filter-forward", "filter", "forward", "-110",
		   "ct state new jump service-endpoints-check",
		   "ct state new jump cluster-ips-check");
	if (fam == RULES_IP4 && w->localhost) {
		base_chain(w, "filter-output", "filter", "output", "-110",
			   "ct state new jump service-endpoints-check",
			   "ip daddr 127.0.0.0/8 ct state new meta l4proto . "
			   "th dport vmap @no-endpoint-nodeports");
		fprintf(w->out,
			"add rule %s filter-input ip daddr 127.0.0.0/8 ip "
			"saddr != 127.0.0.0/8 ct state != { established, "
			"related } ct status & dnat == 0 drop comment "
			"\"martian packets to localhost (route_localnet)\"\n",
			p);
		w->count++;
	} else {
		base_chain(w, "filter-output", "filter", "output", "-110",
			   "ct state new jump service-endpoints-check", NULL);
	}
	base_chain(w, "filter-output-post-dnat", "filter", "output", "-90",
		   "ct state new jump cluster-ips-check", NULL);
}

static void chain_rules(struct writer *w, const char *name, const char *body)
{
	const char *line = body, *nl;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		fprintf(w->out, "add rule %s %s %.*s\n", w->prefix, name,
			(int)(nl - line), line);
		w->count++;
		if (!*nl)
			break;
	}
}

/* "add|delete element PREFIX SET { k : v, ... }" for the keys of m that
 * pass keep(other) (other NULL: all). */
static void elements(struct writer *w, const char *verb, const char *set,
		     const json_t *m, const json_t *other, bool want_same)
{
	const char *key;
	json_t *v;
	bool first = true;

	json_object_foreach ((json_t *)m, key, v) {
		const json_t *o = other ? json_object_get(other, key) : NULL;
		bool same = o && json_equal(o, v);

		if (other && same != want_same)
			continue;
		fprintf(w->out, first ? "%s element %s %s { " : ", ", verb,
			w->prefix, set);
		first = false;
		if (*json_string_value(v) && strcmp(verb, "delete"))
			fprintf(w->out, "%s : %s", key, json_string_value(v));
		else
			fprintf(w->out, "%s", key);
		w->count++;
	}
	if (!first)
		fputs(" }\n", w->out);
}

size_t rules_write_full(FILE *out, const struct rules_config *cfg,
			enum rules_family fam, struct rules_frag *const *frags,
			size_t n)
{
	struct writer w;
	const char *name;
	json_t *v;
	size_t rules;

	writer_init(&w, out, cfg, fam);
	skeleton(&w, fam);
	for (size_t i = 0; i < n; i++) {
		if (!frags[i])
			continue;
		json_object_foreach (frags[i]->sets, name, v)
			fprintf(out, "add set %s %s { %s }\n", w.prefix, name,
				json_string_value(v));
		json_object_foreach (frags[i]->chains, name, v)
			fprintf(out, "add chain %s %s\n", w.prefix, name);
	}
	for (size_t i = 0; i < n; i++)
		if (frags[i])
			json_object_foreach (frags[i]->chains, name, v)
				chain_rules(&w, name, json_string_value(v));
	rules = w.count;
	for (size_t i = 0; i < n; i++)
		if (frags[i])
			json_object_foreach (frags[i]->elems, name, v)
				elements(&w, "add", name, v, NULL, false);
	return rules;
}

static const json_t *get(const struct rules_frag *f, int what, const char *k)
{
	if (!f)
		return NULL;
	return json_object_get(what == 0   ? f->sets
			       : what == 1 ? f->chains
					   : f->elems,
			       k);
}

size_t rules_write_diff(FILE *out, const struct rules_config *cfg,
			enum rules_family fam, struct rules_frag *const *olds,
			struct rules_frag *const *news, size_t n)
{
	struct writer w;
	const char *name;
	json_t *v;
	size_t i;

	writer_init(&w, out, cfg, fam);
	/* 1. new sets and chains */
	for (i = 0; i < n; i++) {
		if (!news[i])
			continue;
		json_object_foreach (news[i]->sets, name, v)
			if (!get(olds[i], 0, name)) {
				fprintf(out, "add set %s %s { %s }\n", w.prefix,
					name, json_string_value(v));
				w.count++;
			}
		json_object_foreach (news[i]->chains, name, v)
			if (!get(olds[i], 1, name)) {
				fprintf(out, "add chain %s %s\n", w.prefix,
					name);
				w.count++;
			}
	}
	/* 2. chains rewritten; chains going away emptied (no references
	 * left when they are deleted in step 5) */
	for (i = 0; i < n; i++) {
		if (olds[i])
			json_object_foreach (olds[i]->chains, name, v) {
				const json_t *nv = get(news[i], 1, name);

				if (!nv || !json_equal(nv, v)) {
					fprintf(out, "flush chain %s %s\n",
						w.prefix, name);
					w.count++;
				}
			}
		if (news[i])
			json_object_foreach (news[i]->chains, name, v) {
				const json_t *ov = get(olds[i], 1, name);

				if (!ov || !json_equal(ov, v))
					chain_rules(&w, name,
						    json_string_value(v));
			}
	}
	/* 3. elements gone or changed, then 4. elements new or changed */
	for (i = 0; i < n; i++)
		if (olds[i])
			json_object_foreach (olds[i]->elems, name, v)
				elements(&w, "delete", name, v,
					 get(news[i], 2, name) ?: json_null(),
					 false);
	for (i = 0; i < n; i++)
		if (news[i])
			json_object_foreach (news[i]->elems, name, v)
				elements(&w, "add", name, v,
					 get(olds[i], 2, name) ?: json_null(),
					 false);
	/* 5. chains, then sets, no longer used */
	for (i = 0; i < n; i++) {
		if (!olds[i])
			continue;
		json_object_foreach (olds[i]->chains, name, v)
			if (!get(news[i], 1, name)) {
				fprintf(out, "delete chain %s %s\n", w.prefix,
					name);
				w.count++;
			}
	}
	for (i = 0; i < n; i++) {
		if (!olds[i])
			continue;
		json_object_foreach (olds[i]->sets, name, v)
			if (!get(news[i], 0, name)) {
				fprintf(out, "delete set %s %s\n", w.prefix,
					name);
				w.count++;
			}
	}
	return w.count;
}

void rules_write_cleanup(FILE *out, const struct rules_config *cfg,
			 enum rules_family fam)
{
	struct writer w;

	writer_init(&w, out, cfg, fam);
	fprintf(out, "add table %s\ndelete table %s\n", w.prefix, w.prefix);
}
