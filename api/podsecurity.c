/*
 * podsecurity.c — the Pod Security Standards' checks (podsecurity.h).
 * Each check collects the names it blames into a list and renders its
 * one violation the way Kubernetes' check does: singular or plural
 * ('container "a"', 'containers "a", "b"'), details joined by "; ".
 */
#include "api/podsecurity.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PSA_LIST_MAX 512

/* A growing string (cut, never overflowed). */
struct text {
	char *buf;
	size_t size, len;
};

static void put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= t->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < t->size - t->len ? (size_t)n
						       : t->size - t->len - 1;
}

/* Quoted names: '"a", "b"', with their count. */
struct names {
	char buf[PSA_LIST_MAX];
	struct text t;
	size_t n;
};

static void names_init(struct names *l)
{
	l->buf[0] = '\0';
	l->t = (struct text){.buf = l->buf, .size = sizeof(l->buf)};
	l->n = 0;
}

static void names_add(struct names *l, const char *name)
{
	put(&l->t, "%s\"%s\"", l->n++ ? ", " : "", name ? name : "");
}

/* Add name unless already listed. */
static void names_add_once(struct names *l, const char *name)
{
	char q[128];

	snprintf(q, sizeof(q), "\"%s\"", name ? name : "");
	if (!strstr(l->buf, q))
		names_add(l, name);
}

/* 'container "a"' or 'containers "a", "b"' */
static void put_names(struct text *t, const char *noun, const struct names *l)
{
	put(t, "%s%s %s", noun, l->n > 1 ? "s" : "", l->buf);
}

int psa_level_parse(const char *s, enum psa_level *ret)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "privileged"))
		*ret = PSA_PRIVILEGED;
	else if (!strcmp(s, "baseline"))
		*ret = PSA_BASELINE;
	else if (!strcmp(s, "restricted"))
		*ret = PSA_RESTRICTED;
	else
		return -EINVAL;
	return 0;
}

/* ---- walking ---- */

typedef void (*ctr_fn)(const json_t *c, const json_t *sc, void *ud);

static void each_container(const json_t *spec, ctr_fn fn, void *ud)
{
	static const char *const lists[] = {"initContainers", "containers",
					    "ephemeralContainers"};
	const json_t *c;
	size_t i;

	for (size_t l = 0; l < 3; l++)
		json_array_foreach (json_object_get(spec, lists[l]), i, c)
			fn(c, json_object_get(c, "securityContext"), ud);
}

static const char *cname(const json_t *c)
{
	return json_string_value(json_object_get(c, "name"));
}

static const json_t *get2(const json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

/* One failed check: "REASON (DETAIL)" appended to out. */
struct out {
	struct text t;
	size_t n;
};

static void fail_begin(struct out *o, const char *reason)
{
	put(&o->t, "%s%s (", o->n++ ? ", " : "", reason);
}

/* ---- baseline ---- */

static bool baseline_cap(const char *c)
{
	static const char *const ok[] = {
	    "AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE",	 "FOWNER",  "FSETID",
	    "KILL",	   "MKNOD",  "NET_BIND_SERVICE", "SETFCAP", "SETGID",
	    "SETPCAP",	   "SETUID", "SYS_CHROOT",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(ok[i], c))
			return true;
	return false;
}

struct caps {
	struct names ctrs, caps;
	bool restricted; /* only NET_BIND_SERVICE may be added */
};

static void caps_added(const json_t *c, const json_t *sc, void *ud)
{
	struct caps *k = ud;
	const json_t *v;
	bool bad = false;
	size_t i;

	json_array_foreach (get2(sc, "capabilities", "add"), i, v) {
		const char *s = json_string_value(v);

		if (!s || (k->restricted ? !strcmp(s, "NET_BIND_SERVICE")
					 : baseline_cap(s)))
			continue;
		bad = true;
		names_add_once(&k->caps, s);
	}
	if (bad)
		names_add(&k->ctrs, cname(c));
}

static void put_caps_added(struct text *t, const struct caps *k)
{
	put_names(t, "container", &k->ctrs);
	put(t, " must not include %s in securityContext.capabilities.add",
	    k->caps.buf);
}

static void check_caps_baseline(const json_t *spec, struct out *o)
{
	struct caps k = {0};

	names_init(&k.ctrs);
	names_init(&k.caps);
	each_container(spec, caps_added, &k);
	if (!k.ctrs.n)
		return;
	fail_begin(o, "non-default capabilities");
	put_caps_added(&o->t, &k);
	put(&o->t, ")");
}

static void check_host_namespaces(const json_t *spec, struct out *o)
{
	static const char *const f[] = {"hostNetwork", "hostPID", "hostIPC"};
	size_t n = 0;

	for (size_t i = 0; i < 3; i++) {
		if (!json_is_true(json_object_get(spec, f[i])))
			continue;
		if (!n++)
			fail_begin(o, "host namespaces");
		put(&o->t, "%s%s=true", n > 1 ? ", " : "", f[i]);
	}
	if (n)
		put(&o->t, ")");
}

static void check_host_path(const json_t *spec, struct out *o)
{
	struct names l;
	const json_t *v;
	size_t i;

	names_init(&l);
	json_array_foreach (json_object_get(spec, "volumes"), i, v)
		if (json_object_get(v, "hostPath"))
			names_add(
			    &l, json_string_value(json_object_get(v, "name")));
	if (!l.n)
		return;
	fail_begin(o, "hostPath volumes");
	put_names(&o->t, "volume", &l);
	put(&o->t, ")");
}

struct ports {
	struct names ctrs;
	char buf[PSA_LIST_MAX];
	struct text t;
	size_t n;
};

static void host_ports(const json_t *c, const json_t *sc, void *ud)
{
	struct ports *p = ud;
	const json_t *port;
	bool bad = false;
	size_t i;

	json_array_foreach (json_object_get(c, "ports"), i, port) {
		json_int_t hp =
		    json_integer_value(json_object_get(port, "hostPort"));

		if (hp == 0)
			continue;
		bad = true;
		put(&p->t, "%s%lld", p->n++ ? ", " : "", (long long)hp);
	}
	if (bad)
		names_add(&p->ctrs, cname(c));
}

static void check_host_ports(const json_t *spec, struct out *o)
{
	struct ports p = {.n = 0};

	names_init(&p.ctrs);
	p.t = (struct text){.buf = p.buf, .size = sizeof(p.buf)};
	p.buf[0] = '\0';
	each_container(spec, host_ports, &p);
	if (!p.ctrs.n)
		return;
	fail_begin(o, "hostPort");
	put_names(&o->t, "container", &p.ctrs);
	put(&o->t, " %s hostPort%s %s)", p.ctrs.n > 1 ? "use" : "uses",
	    p.n > 1 ? "s" : "", p.buf);
}

static void privileged(const json_t *c, const json_t *sc, void *ud)
{
	if (json_is_true(json_object_get(sc, "privileged")))
		names_add(ud, cname(c));
}

static void check_privileged(const json_t *spec, struct out *o)
{
	struct names l;

	names_init(&l);
	each_container(spec, privileged, &l);
	if (!l.n)
		return;
	fail_begin(o, "privileged");
	put_names(&o->t, "container", &l);
	put(&o->t, " must not set securityContext.privileged=true)");
}

/* ---- restricted ---- */

static void escalation(const json_t *c, const json_t *sc, void *ud)
{
	if (!json_is_false(json_object_get(sc, "allowPrivilegeEscalation")))
		names_add(ud, cname(c));
}

static void check_escalation(const json_t *spec, struct out *o)
{
	struct names l;

	names_init(&l);
	each_container(spec, escalation, &l);
	if (!l.n)
		return;
	fail_begin(o, "allowPrivilegeEscalation != false");
	put_names(&o->t, "container", &l);
	put(&o->t, " must set securityContext.allowPrivilegeEscalation=false)");
}

static void drops_all(const json_t *c, const json_t *sc, void *ud)
{
	const json_t *v;
	size_t i;

	json_array_foreach (get2(sc, "capabilities", "drop"), i, v)
		if (json_string_value(v) &&
		    !strcmp(json_string_value(v), "ALL"))
			return;
	names_add(ud, cname(c));
}

static void check_caps_restricted(const json_t *spec, struct out *o)
{
	struct caps k = {.restricted = true};
	struct names drop;

	names_init(&drop);
	names_init(&k.ctrs);
	names_init(&k.caps);
	each_container(spec, drops_all, &drop);
	each_container(spec, caps_added, &k);
	if (!drop.n && !k.ctrs.n)
		return;
	fail_begin(o, "unrestricted capabilities");
	if (drop.n) {
		put_names(&o->t, "container", &drop);
		put(&o->t, " must set securityContext.capabilities.drop="
			   "[\"ALL\"]");
	}
	if (k.ctrs.n) {
		put(&o->t, "%s", drop.n ? "; " : "");
		put_caps_added(&o->t, &k);
	}
	put(&o->t, ")");
}

static void check_volumes(const json_t *spec, struct out *o)
{
	static const char *const ok[] = {
	    "configMap", "csi",	      "downwardAPI",
	    "emptyDir",	 "ephemeral", "persistentVolumeClaim",
	    "projected", "secret",
	};
	struct names vols, types;
	const json_t *v;
	size_t i;

	names_init(&vols);
	names_init(&types);
	json_array_foreach (json_object_get(spec, "volumes"), i, v) {
		const char *key;
		json_t *src;

		json_object_foreach ((json_t *)v, key, src) {
			bool fine = !strcmp(key, "name");

			for (size_t j = 0; j < sizeof(ok) / sizeof(ok[0]); j++)
				fine |= !strcmp(key, ok[j]);
			if (fine)
				continue;
			names_add(&vols, json_string_value(
					     json_object_get(v, "name")));
			names_add_once(&types, key);
			break;
		}
	}
	if (!vols.n)
		return;
	fail_begin(o, "restricted volume types");
	put_names(&o->t, "volume", &vols);
	put(&o->t, " %s restricted volume type%s %s)",
	    vols.n > 1 ? "use" : "uses", types.n > 1 ? "s" : "", types.buf);
}

/* A pod-level setting with per-container overrides. */
struct podlevel {
	const char *field;
	struct names bad;   /* containers that set a forbidden value */
	struct names unset; /* containers that leave it to the pod */
	struct names vals;  /* the forbidden seccompProfile types set */
	bool (*ok)(const json_t *v);
};

static void podlevel_ctr(const json_t *c, const json_t *sc, void *ud)
{
	struct podlevel *p = ud;
	const json_t *v = json_object_get(sc, p->field);

	if (!v || json_is_null(v))
		names_add(&p->unset, cname(c));
	else if (!p->ok(v)) {
		const char *t = json_string_value(json_object_get(v, "type"));

		names_add(&p->bad, cname(c));
		names_add_once(&p->vals, t ? t : "");
	}
}

static bool is_true(const json_t *v)
{
	return json_is_true(v);
}

static void check_non_root(const json_t *spec, struct out *o)
{
	struct podlevel p = {.field = "runAsNonRoot", .ok = is_true};
	const json_t *pv = get2(spec, "securityContext", "runAsNonRoot");
	bool pod_bad = pv && json_is_false(pv), pod_set = json_is_true(pv);
	size_t parts = 0;

	names_init(&p.bad);
	names_init(&p.unset);
	names_init(&p.vals);
	each_container(spec, podlevel_ctr, &p);
	if (pod_set)
		p.unset.n = 0;
	if (!pod_bad && !p.bad.n && !p.unset.n)
		return;
	fail_begin(o, "runAsNonRoot != true");
	if (pod_bad && parts++ == 0)
		put(&o->t,
		    "pod must not set securityContext.runAsNonRoot=false");
	if (p.bad.n) {
		put(&o->t, "%s", parts++ ? "; " : "");
		put_names(&o->t, "container", &p.bad);
		put(&o->t, " must not set securityContext.runAsNonRoot=false");
	}
	if (p.unset.n && !pod_bad) {
		put(&o->t, "%spod or ", parts++ ? "; " : "");
		put_names(&o->t, "container", &p.unset);
		put(&o->t, " must set securityContext.runAsNonRoot=true");
	}
	put(&o->t, ")");
}

static void root_user(const json_t *c, const json_t *sc, void *ud)
{
	const json_t *v = json_object_get(sc, "runAsUser");

	if (json_is_integer(v) && json_integer_value(v) == 0)
		names_add(ud, cname(c));
}

static void check_run_as_user(const json_t *spec, struct out *o)
{
	const json_t *pv = get2(spec, "securityContext", "runAsUser");
	bool pod = json_is_integer(pv) && json_integer_value(pv) == 0;
	struct names l;

	names_init(&l);
	each_container(spec, root_user, &l);
	if (!pod && !l.n)
		return;
	fail_begin(o, "runAsUser=0");
	if (pod)
		put(&o->t, "pod%s", l.n ? " and " : "");
	if (l.n)
		put_names(&o->t, "container", &l);
	put(&o->t, " must not set runAsUser=0)");
}

static bool seccomp_ok(const json_t *v)
{
	const char *t = json_string_value(json_object_get(v, "type"));

	return t && (!strcmp(t, "RuntimeDefault") || !strcmp(t, "Localhost"));
}

static void check_seccomp(const json_t *spec, struct out *o)
{
	struct podlevel p = {.field = "seccompProfile", .ok = seccomp_ok};
	const json_t *pv = get2(spec, "securityContext", "seccompProfile");
	const char *pt = json_string_value(json_object_get(pv, "type"));
	bool pod_bad = pv && !seccomp_ok(pv);
	size_t parts = 0;

	names_init(&p.bad);
	names_init(&p.unset);
	names_init(&p.vals);
	each_container(spec, podlevel_ctr, &p);
	if (pv && !pod_bad)
		p.unset.n = 0;
	if (!pod_bad && !p.bad.n && !p.unset.n)
		return;
	fail_begin(o, "seccompProfile");
	if (pod_bad && parts++ == 0)
		put(&o->t,
		    "pod must not set securityContext.seccompProfile.type to "
		    "\"%s\"",
		    pt ? pt : "");
	if (p.bad.n) {
		put(&o->t, "%s", parts++ ? "; " : "");
		put_names(&o->t, "container", &p.bad);
		put(&o->t,
		    " must not set securityContext.seccompProfile.type to %s",
		    p.vals.buf);
	}
	if (p.unset.n && !pod_bad) {
		put(&o->t, "%spod or ", parts++ ? "; " : "");
		put_names(&o->t, "container", &p.unset);
		put(&o->t, " must set securityContext.seccompProfile.type to "
			   "\"RuntimeDefault\" or \"Localhost\"");
	}
	put(&o->t, ")");
}

typedef void (*check_fn)(const json_t *spec, struct out *o);

size_t psa_check(const json_t *spec, enum psa_level level, char *buf,
		 size_t size)
{
	static const check_fn baseline[] = {
	    check_caps_baseline, check_host_namespaces, check_host_path,
	    check_host_ports,	 check_privileged,
	};
	static const check_fn restricted[] = {
	    check_escalation, check_caps_restricted, check_volumes,
	    check_non_root,   check_run_as_user,     check_seccomp,
	};
	struct out o = {.t = {.buf = buf, .size = size}};

	if (size)
		buf[0] = '\0';
	if (level >= PSA_BASELINE)
		for (size_t i = 0; i < sizeof(baseline) / sizeof(*baseline);
		     i++)
			baseline[i](spec, &o);
	if (level >= PSA_RESTRICTED)
		for (size_t i = 0; i < sizeof(restricted) / sizeof(*restricted);
		     i++)
			restricted[i](spec, &o);
	return o.n;
}
