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

/* "add set|map PREFIX NAME { BODY }" from decl "set BODY" / "map BODY". */
static void set_decl(struct writer *w, const char *name, const char *decl)
{
	const char *body = strchr(decl, ' ');

	fprintf(w->out, "add %.*s %s %s { %s }\n", (int)(body - decl), decl,
		w->prefix, name, body + 1);
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

/* "add element PREFIX SET { k : v, ... }" for every key of m. */
static void elements(struct writer *w, const char *set, const json_t *m)
{
	const char *key;
	json_t *v;
	bool first = true;

	json_object_foreach ((json_t *)m, key, v) {
		fprintf(w->out, first ? "add element %s %s { " : ", ",
			w->prefix, set);
		first = false;
		if (*json_string_value(v))
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
			set_decl(&w, name, json_string_value(v));
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
				elements(&w, name, v);
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

/* Each element of m (set name -> {key: value}) whose value differs in
 * other (NULL entry: absent) to ops->element. */
static int diff_elements(const struct rules_diff_ops *ops, void *ud, bool add,
			 const json_t *elems, const struct rules_frag *other)
{
	const char *set, *key;
	json_t *m, *v;
	int r;

	json_object_foreach ((json_t *)elems, set, m) {
		const json_t *om = get(other, 2, set);

		json_object_foreach (m, key, v) {
			const json_t *o = om ? json_object_get(om, key) : NULL;

			if (o && json_equal(o, v))
				continue;
			r = ops->element(ud, add, set, key,
					 json_string_value(v));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The rule lines of body to ops->add_rule. */
static int diff_rules(const struct rules_diff_ops *ops, void *ud,
		      const char *chain, const char *body)
{
	_cleanup_free_ char *copy = strdup(body);
	char *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *l = strtok_r(copy, "\n", &save); l && r == 0;
	     l = strtok_r(NULL, "\n", &save))
		r = ops->add_rule(ud, chain, l);
	return r;
}

int rules_diff(const struct rules_diff_ops *ops, void *ud,
	       struct rules_frag *const *olds, struct rules_frag *const *news,
	       size_t n)
{
	const char *name;
	json_t *v;
	size_t i;
	int r = 0;

	/* 1. new sets and chains */
	for (i = 0; i < n && r == 0; i++) {
		if (!news[i])
			continue;
		json_object_foreach (news[i]->sets, name, v)
			if (r == 0 && !get(olds[i], 0, name))
				r = ops->add_set(ud, name,
						 json_string_value(v));
		json_object_foreach (news[i]->chains, name, v)
			if (r == 0 && !get(olds[i], 1, name))
				r = ops->add_chain(ud, name);
	}
	/* 2. chains rewritten; chains going away emptied (no references
	 * left when they are deleted in step 5) */
	for (i = 0; i < n && r == 0; i++) {
		if (olds[i])
			json_object_foreach (olds[i]->chains, name, v) {
				const json_t *nv = get(news[i], 1, name);

				if (r == 0 && (!nv || !json_equal(nv, v)))
					r = ops->flush_chain(ud, name);
			}
		if (news[i])
			json_object_foreach (news[i]->chains, name, v) {
				const json_t *ov = get(olds[i], 1, name);

				if (r == 0 && (!ov || !json_equal(ov, v)))
					r = diff_rules(ops, ud, name,
						       json_string_value(v));
			}
	}
	/* 3. elements gone or changed, then 4. elements new or changed */
	for (i = 0; i < n && r == 0; i++)
		if (olds[i])
			r = diff_elements(ops, ud, false, olds[i]->elems,
					  news[i]);
	for (i = 0; i < n && r == 0; i++)
		if (news[i])
			r = diff_elements(ops, ud, true, news[i]->elems,
					  olds[i]);
	/* 5. chains, then sets, no longer used */
	for (i = 0; i < n && r == 0; i++) {
		if (!olds[i])
			continue;
		json_object_foreach (olds[i]->chains, name, v)
			if (r == 0 && !get(news[i], 1, name))
				r = ops->del_chain(ud, name);
	}
	for (i = 0; i < n && r == 0; i++) {
		if (!olds[i])
			continue;
		json_object_foreach (olds[i]->sets, name, v)
			if (r == 0 && !get(news[i], 0, name))
				r = ops->del_set(ud, name);
	}
	return r;
}

/* The text writer of a difference: one nft command a line, elements of
 * one set and verb joined in braces. */
struct text_diff {
	struct writer w;
	const char *open_set; /* elements command being written, or NULL */
	bool open_add;
};

static void text_close(struct text_diff *t)
{
	if (t->open_set)
		fputs(" }\n", t->w.out);
	t->open_set = NULL;
}

static int text_add_set(void *ud, const char *name, const char *decl)
{
	struct text_diff *t = ud;

	text_close(t);
	set_decl(&t->w, name, decl);
	t->w.count++;
	return 0;
}

/* "VERB PREFIX NAME" (verb: "add chain", "delete set", ...). */
static int text_cmd(void *ud, const char *verb, const char *name)
{
	struct text_diff *t = ud;

	text_close(t);
	fprintf(t->w.out, "%s %s %s\n", verb, t->w.prefix, name);
	t->w.count++;
	return 0;
}

static int text_add_chain(void *ud, const char *name)
{
	return text_cmd(ud, "add chain", name);
}

static int text_flush_chain(void *ud, const char *name)
{
	return text_cmd(ud, "flush chain", name);
}

static int text_add_rule(void *ud, const char *chain, const char *rule)
{
	struct text_diff *t = ud;

	text_close(t);
	fprintf(t->w.out, "add rule %s %s %s\n", t->w.prefix, chain, rule);
	t->w.count++;
	return 0;
}

static int text_element(void *ud, bool add, const char *set, const char *key,
			const char *value)
{
	struct text_diff *t = ud;

	if (t->open_set && (t->open_add != add || strcmp(t->open_set, set)))
		text_close(t);
	if (t->open_set) {
		fputs(", ", t->w.out);
	} else {
		fprintf(t->w.out, "%s element %s %s { ", add ? "add" : "delete",
			t->w.prefix, set);
		t->open_set = set;
		t->open_add = add;
	}
	if (add && *value)
		fprintf(t->w.out, "%s : %s", key, value);
	else
		fputs(key, t->w.out);
	t->w.count++;
	return 0;
}

static int text_del_chain(void *ud, const char *name)
{
	return text_cmd(ud, "delete chain", name);
}

static int text_del_set(void *ud, const char *name)
{
	return text_cmd(ud, "delete set", name);
}

static const struct rules_diff_ops text_ops = {
    .add_set = text_add_set,
    .add_chain = text_add_chain,
    .flush_chain = text_flush_chain,
    .add_rule = text_add_rule,
    .element = text_element,
    .del_chain = text_del_chain,
    .del_set = text_del_set,
};

size_t rules_write_diff(FILE *out, const struct rules_config *cfg,
			enum rules_family fam, struct rules_frag *const *olds,
			struct rules_frag *const *news, size_t n)
{
	struct text_diff t = {0};

	writer_init(&t.w, out, cfg, fam);
	rules_diff(&text_ops, &t, olds, news, n);
	text_close(&t);
	return t.w.count;
}

void rules_write_cleanup(FILE *out, const struct rules_config *cfg,
			 enum rules_family fam)
{
	struct writer w;

	writer_init(&w, out, cfg, fam);
	fprintf(out, "add table %s\ndelete table %s\n", w.prefix, w.prefix);
}
