/*
 * dnsconfig.c — a pod's resolv.conf (see dnsconfig.h).
 */
#include "nodeagent/dnsconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

/* Lists of words, in order, without duplicates. */
struct words {
	json_t *ns, *search, *opts;
};

static void add_unique(json_t *list, const char *w)
{
	size_t i;
	json_t *v;

	json_array_foreach (list, i, v)
		if (!strcmp(json_string_value(v), w))
			return;
	json_array_append_new(list, json_string(w));
}

/* An option "name[:value]" replaces one of the same name. */
static void add_option(json_t *list, const char *o)
{
	size_t n = strcspn(o, ":"), i;
	json_t *v;

	json_array_foreach (list, i, v) {
		const char *s = json_string_value(v);

		if (strcspn(s, ":") == n && !strncmp(s, o, n)) {
			json_array_set_new(list, i, json_string(o));
			return;
		}
	}
	json_array_append_new(list, json_string(o));
}

/* The host's resolv.conf: nameserver (loopback ones left out), search
 * or domain (the last one wins, as in resolv.conf(5)), options. */
static void parse_host(const char *text, struct words *w)
{
	_cleanup_free_ char *copy = strdup(text ? text : "");
	char *save = NULL, *line;

	if (!copy)
		return;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *ws = NULL, *key = strtok_r(line, " \t\r", &ws), *v;

		if (!key || *key == '#' || *key == ';')
			continue;
		if (!strcmp(key, "search") || !strcmp(key, "domain"))
			json_array_clear(w->search);
		while ((v = strtok_r(NULL, " \t\r", &ws))) {
			if (!strcmp(key, "nameserver")) {
				if (strncmp(v, "127.", 4) && strcmp(v, "::1"))
					add_unique(w->ns, v);
				break;
			}
			if (!strcmp(key, "search") || !strcmp(key, "domain"))
				add_unique(w->search, v);
			else if (!strcmp(key, "options"))
				add_option(w->opts, v);
			else
				break;
		}
	}
}

static const char *spec_str(const json_t *pod, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(pod, "spec"), key));
}

static void append_list(const json_t *from, json_t *to, bool options)
{
	size_t i;
	json_t *v;

	json_array_foreach (from, i, v) {
		const char *s = json_string_value(v);
		const char *val =
		    json_string_value(json_object_get(v, "value"));
		char opt[512];

		if (options) {
			s = json_string_value(json_object_get(v, "name"));
			if (!s)
				continue;
			if (val) {
				snprintf(opt, sizeof(opt), "%s:%s", s, val);
				s = opt;
			}
			add_option(to, s);
		} else if (s && *s) {
			add_unique(to, s);
		}
	}
}

static void print_list(FILE *m, const char *key, const json_t *list, size_t max,
		       bool one_line)
{
	size_t i;
	json_t *v;

	if (!json_array_size(list))
		return;
	if (one_line)
		fputs(key, m);
	json_array_foreach (list, i, v) {
		if (i >= max)
			break;
		if (one_line)
			fprintf(m, " %s", json_string_value(v));
		else
			fprintf(m, "%s %s\n", key, json_string_value(v));
	}
	if (one_line)
		fputc('\n', m);
}

int dnsconfig_render(const json_t *pod, const char *cluster_dns,
		     const char *host_resolv, char **ret)
{
	const char *policy = spec_str(pod, "dnsPolicy");
	const char *ns = json_string_value(
	    json_object_get(json_object_get(pod, "metadata"), "namespace"));
	const json_t *cfg =
	    json_object_get(json_object_get(pod, "spec"), "dnsConfig");
	bool host_net = json_is_true(
	    json_object_get(json_object_get(pod, "spec"), "hostNetwork"));
	bool cluster;
	_cleanup_json_ json_t *hns = json_array(), *hsearch = json_array(),
			      *hopts = json_array();
	struct words host = {hns, hsearch, hopts};
	_cleanup_json_ json_t *wns = json_array(), *wsearch = json_array(),
			      *wopts = json_array();
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if (!hns || !hsearch || !hopts || !wns || !wsearch || !wopts)
		return -ENOMEM;
	if (!policy || !*policy)
		policy = "ClusterFirst";
	parse_host(host_resolv, &host);
	cluster = (!strcmp(policy, "ClusterFirst") && !host_net) ||
		  !strcmp(policy, "ClusterFirstWithHostNet");
	if (cluster && cluster_dns && *cluster_dns) {
		char d[300];

		add_unique(wns, cluster_dns);
		snprintf(d, sizeof(d), "%s.svc." DNSCONFIG_CLUSTER_DOMAIN,
			 ns ? ns : "default");
		add_unique(wsearch, d);
		add_unique(wsearch, "svc." DNSCONFIG_CLUSTER_DOMAIN);
		add_unique(wsearch, DNSCONFIG_CLUSTER_DOMAIN);
		json_array_extend(wsearch, hsearch);
		add_option(wopts, "ndots:5");
	} else if (strcmp(policy, "None")) {
		json_array_extend(wns, hns);
		json_array_extend(wsearch, hsearch);
		json_array_extend(wopts, hopts);
	}
	append_list(json_object_get(cfg, "nameservers"), wns, false);
	append_list(json_object_get(cfg, "searches"), wsearch, false);
	append_list(json_object_get(cfg, "options"), wopts, true);

	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	print_list(m, "nameserver", wns, DNSCONFIG_MAX_NAMESERVERS, false);
	print_list(m, "search", wsearch, DNSCONFIG_MAX_SEARCHES, true);
	print_list(m, "options", wopts, (size_t)-1, true);
	if (fclose(m) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}
