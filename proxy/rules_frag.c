/*
 * rules_frag.c — a Service's nftables fragment (chains, sets, map
 * elements) and the names of its per-service objects.
 */
#include "proxy/rules_i.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/hash.h"

/* FNV-1a, 40 bits in base32: the H of every per-service name. */
static void name_hash(const char *s, char out[9])
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint64_t h = fnv1a(FNV1A_OFFSET, s, strlen(s));

	for (int i = 0; i < 8; i++) {
		out[i] = b32[h & 31];
		h >>= 5;
	}
	out[8] = '\0';
}

/* "PREFIX-H-REST" with characters nft identifiers refuse turned into
 * '.', at most 200 bytes (the hash keeps truncated names apart). */
void rules_name(const char *prefix, const char *rest, char *out, size_t size)
{
	char h[9];
	size_t n;

	name_hash(rest, h);
	snprintf(out, size, "%s-%s-%.180s", prefix, h, rest);
	n = strlen(prefix) + 10;
	for (char *p = out + n; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("/_.-", *p))
			*p = '.';
}

int rules_frag_new(struct rules_frag **ret)
{
	struct rules_frag *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->chains = json_object();
	f->sets = json_object();
	f->elems = json_object();
	if (!f->chains || !f->sets || !f->elems) {
		rules_frag_free(f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

void rules_frag_free(struct rules_frag *f)
{
	if (!f)
		return;
	json_decref(f->chains);
	json_decref(f->sets);
	json_decref(f->elems);
	free(f);
}

size_t rules_frag_rules(const struct rules_frag *f)
{
	return f ? f->nrules : 0;
}

size_t rules_frag_elements(const struct rules_frag *f)
{
	return f ? f->nelems : 0;
}

void rules_frag_foreach_element(const struct rules_frag *f,
				void (*fn)(void *ud, const char *set,
					   const char *key),
				void *ud)
{
	const char *set, *key;
	json_t *m, *v;

	if (!f)
		return;
	json_object_foreach (f->elems, set, m)
		json_object_foreach (m, key, v)
			fn(ud, set, key);
}

int rules_add_elem(struct gen *g, const char *set, const char *key,
		   const char *value)
{
	json_t *m = json_object_get(g->frag->elems, set);

	if (!m) {
		m = json_object();
		if (!m || json_object_set_new(g->frag->elems, set, m) < 0)
			return -ENOMEM;
	}
	if (json_object_get(m, key))
		return kf_error_set(g->err, -EINVAL,
				    "Service \"%s/%s\" claims %s twice in %s",
				    g->ns, g->name, key, set);
	if (json_object_set_new(m, key, json_string(value)) < 0)
		return -ENOMEM;
	g->frag->nelems++;
	return 0;
}

int rules_add_set(struct gen *g, const char *name, const char *decl)
{
	return json_object_set_new(g->frag->sets, name, json_string(decl)) < 0
		   ? -ENOMEM
		   : 0;
}

int rules_add_chain(struct gen *g, const char *chain)
{
	if (json_object_get(g->frag->chains, chain))
		return 0;
	return json_object_set_new(g->frag->chains, chain, json_string("")) < 0
		   ? -ENOMEM
		   : 0;
}

int rules_add_rule(struct gen *g, const char *chain, const char *fmt, ...)
{
	const char *old =
	    json_string_value(json_object_get(g->frag->chains, chain));
	_cleanup_free_ char *line = NULL, *body = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&body, "%s%s\n", old ? old : "", line) < 0) {
		line = body = NULL;
		return -ENOMEM;
	}
	if (json_object_set_new(g->frag->chains, chain, json_string(body)) < 0)
		return -ENOMEM;
	g->frag->nrules++;
	return 0;
}

int rules_slices_by_service(const json_t *slices, json_t **ret)
{
	_cleanup_json_ json_t *out = json_object();
	const json_t *sl;
	size_t i;

	if (!out)
		return -ENOMEM;
	json_array_foreach ((json_t *)slices, i, sl) {
		const json_t *meta = json_object_get(sl, "metadata");
		const char *svc = json_string_value(json_object_get(
		    json_object_get(meta, "labels"), SERVICE_NAME_LABEL));
		const char *ns =
		    json_string_value(json_object_get(meta, "namespace"));
		_cleanup_free_ char *key = NULL;
		json_t *arr;

		if (!svc)
			continue;
		if (asprintf(&key, "%s/%s", ns ? ns : "", svc) < 0)
			return -ENOMEM;
		arr = json_object_get(out, key);
		if (!arr) {
			arr = json_array();
			if (json_object_set_new(out, key, arr))
				return -ENOMEM;
		}
		if (json_array_append(arr, (json_t *)sl))
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}
