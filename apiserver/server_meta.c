/*
 * server_meta.c — what the server computes for an object: uid,
 * timestamps, generated names, the pod QoS class, and the comparisons
 * that decide generation bumps and no-op writes.
 */
#include "apiserver/server_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/clock.h"
#include "api/quantity.h"
#include "api/validate.h"

static void random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got <= 0) {
			/* no entropy source: degrade, never block or fail */
			for (; n > 0; n--)
				*p++ = (unsigned char)random();
			return;
		}
		p += got;
		n -= (size_t)got;
	}
}

void srv_uuid(char buf[SRV_UUID_LEN])
{
	unsigned char b[16];

	random_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(buf, SRV_UUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

void srv_timestamp(time_t t, char buf[SRV_TIMESTAMP_LEN])
{
	rfc3339_format_sec(t, buf);
}

int srv_timestamp_parse(const char *s, time_t *ret)
{
	struct timespec ts;

	if (rfc3339_parse(s, &ts) < 0)
		return -EINVAL;
	*ret = ts.tv_sec;
	return 0;
}

void srv_generate_name(const char *base, char *buf, size_t size)
{
	/* Kubernetes' alphabet: no vowels (no words), no 0/1/3 (no lookalikes) */
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char rnd[SRV_GENERATE_SUFFIX];
	char suffix[SRV_GENERATE_SUFFIX + 1];
	size_t blen = base ? strlen(base) : 0;

	if (blen > SRV_GENERATE_BASE_MAX)
		blen = SRV_GENERATE_BASE_MAX;
	random_bytes(rnd, sizeof(rnd));
	for (size_t i = 0; i < SRV_GENERATE_SUFFIX; i++)
		suffix[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	suffix[SRV_GENERATE_SUFFIX] = '\0';
	snprintf(buf, size, "%.*s%s", (int)blen, base ? base : "", suffix);
}

/* Sums saturate here: far above any real request, far below overflow. */
#define QTY_MAX ((__int128)1 << 100)

/* A request or limit in nano-units, when it parses (validation reports
 * those that do not; the QoS class ignores them). */
static int quantity_nano(const json_t *v, __int128 *ret)
{
	struct quantity q;

	if (quantity_from_json(v, &q) < 0)
		return -EINVAL;
	*ret = q.nano > QTY_MAX ? QTY_MAX : q.nano;
	return 0;
}

enum { QOS_CPU, QOS_MEMORY, QOS_NRES };
static const char *const qos_res[QOS_NRES] = {"cpu", "memory"};

struct qos_sum {
	__int128 req[QOS_NRES], lim[QOS_NRES];
	bool has_req[QOS_NRES], has_lim[QOS_NRES];
	bool guaranteed;
};

static void qos_container(const json_t *c, struct qos_sum *q)
{
	json_t *res = json_object_get(c, "resources");
	json_t *requests = json_object_get(res, "requests");
	json_t *limits = json_object_get(res, "limits");
	bool lim_found[QOS_NRES] = {false, false};

	for (int i = 0; i < QOS_NRES; i++) {
		json_t *rv = json_object_get(requests, qos_res[i]);
		json_t *lv = json_object_get(limits, qos_res[i]);
		__int128 r = 0, l = 0;

		/* defaulting: a missing request is the limit */
		if (!rv)
			rv = lv;
		if (rv && quantity_nano(rv, &r) == 0 && r > 0) {
			q->req[i] =
			    q->req[i] + r > QTY_MAX ? QTY_MAX : q->req[i] + r;
			q->has_req[i] = true;
		}
		if (lv && quantity_nano(lv, &l) == 0 && l > 0) {
			q->lim[i] =
			    q->lim[i] + l > QTY_MAX ? QTY_MAX : q->lim[i] + l;
			q->has_lim[i] = true;
			lim_found[i] = true;
		}
	}
	if (!lim_found[QOS_CPU] || !lim_found[QOS_MEMORY])
		q->guaranteed = false;
}

const char *srv_pod_qos(const json_t *pod)
{
	static const char *const lists[] = {"initContainers", "containers"};
	json_t *spec = json_object_get(pod, "spec");
	struct qos_sum q = {.guaranteed = true};
	int nreq = 0, nlim = 0;

	for (size_t l = 0; l < 2; l++) {
		size_t i;
		json_t *c;

		json_array_foreach (json_object_get(spec, lists[l]), i, c)
			qos_container(c, &q);
	}
	for (int i = 0; i < QOS_NRES; i++) {
		nreq += q.has_req[i];
		nlim += q.has_lim[i];
	}
	if (nreq == 0 && nlim == 0)
		return "BestEffort";
	if (q.guaranteed) {
		for (int i = 0; i < QOS_NRES; i++)
			if (q.has_req[i] &&
			    (!q.has_lim[i] || q.lim[i] != q.req[i]))
				q.guaranteed = false;
	}
	if (q.guaranteed && nreq == nlim)
		return "Guaranteed";
	return "Burstable";
}

/* a and b are equal objects once the top-level key skip is ignored. */
static bool equal_except(const json_t *a, const json_t *b, const char *skip1,
			 const char *skip2)
{
	const char *key;
	json_t *v;
	size_t na = 0, nb = 0;

	if (!json_is_object(a) || !json_is_object(b))
		return json_equal(a, b);
	json_object_foreach ((json_t *)a, key, v) {
		if (!strcmp(key, skip1) || (skip2 && !strcmp(key, skip2)))
			continue;
		na++;
		if (!json_equal(v, json_object_get(b, key)))
			return false;
	}
	json_object_foreach ((json_t *)b, key, v) {
		if (!strcmp(key, skip1) || (skip2 && !strcmp(key, skip2)))
			continue;
		nb++;
	}
	return na == nb;
}

bool srv_same_spec(const json_t *a, const json_t *b)
{
	return equal_except(a, b, "metadata", "status");
}

bool srv_same_object(const json_t *a, const json_t *b)
{
	return equal_except(a, b, "metadata", NULL) &&
	       equal_except(json_object_get(a, "metadata"),
			    json_object_get(b, "metadata"), "resourceVersion",
			    NULL);
}

int srv_type_error(struct kf_error *err, const struct kind_info *k,
		   const json_t *v, const char *field, const char *type)
{
	return kf_error_set(err, -EINVAL,
			    "%s in version \"%s\" cannot be handled as a %s: "
			    "json: cannot unmarshal %s into Go struct field "
			    "%s of type %s",
			    k->kind, k->version, k->kind, json_type_name(v),
			    field, type);
}
