/*
 * defaults.c — core/v1 defaulting: pods and pod specs, Services,
 * Endpoints, Secrets, Namespaces, Nodes (pkg/apis/core/v1/defaults.go).
 */
#include "api/defaults.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

/* ---- helpers ---- */

static bool unset(const json_t *x)
{
	return !x || json_is_null(x);
}

json_t *dflt_object(json_t *obj, const char *key)
{
	json_t *x;

	if (!json_is_object(obj))
		return NULL;
	x = json_object_get(obj, key);
	if (unset(x)) {
		x = json_object();
		if (!x || json_object_set_new(obj, key, x) < 0)
			return NULL;
	}
	return json_is_object(x) ? x : NULL;
}

void dflt_str(json_t *obj, const char *key, const char *value)
{
	json_t *x = json_object_get(obj, key);

	if (json_is_object(obj) &&
	    (unset(x) || (json_is_string(x) && json_string_length(x) == 0)))
		json_object_set_new(obj, key, json_string(value));
}

void dflt_int(json_t *obj, const char *key, json_int_t value)
{
	if (json_is_object(obj) && unset(json_object_get(obj, key)))
		json_object_set_new(obj, key, json_integer(value));
}

void dflt_int_zero(json_t *obj, const char *key, json_int_t value)
{
	json_t *x = json_object_get(obj, key);

	if (json_is_object(obj) &&
	    (unset(x) || (json_is_integer(x) && json_integer_value(x) == 0)))
		json_object_set_new(obj, key, json_integer(value));
}

void dflt_bool(json_t *obj, const char *key, int value)
{
	if (json_is_object(obj) && unset(json_object_get(obj, key)))
		json_object_set_new(obj, key, json_boolean(value));
}

/* Each object element of obj[key] (an array), through fn. */
static void each(json_t *obj, const char *key, void (*fn)(json_t *))
{
	json_t *arr = json_object_get(obj, key), *x;
	size_t i;

	json_array_foreach (arr, i, x)
		if (json_is_object(x))
			fn(x);
}

/* ---- containers ---- */

void defaults_object_meta(json_t *obj)
{
	static const char *const maps[] = {"labels", "annotations"};
	static const char *const lists[] = {"finalizers", "ownerReferences"};
	json_t *meta = json_object_get(obj, "metadata"), *v;

	if (!json_is_object(meta))
		return;
	for (size_t i = 0; i < sizeof(maps) / sizeof(*maps); i++) {
		v = json_object_get(meta, maps[i]);
		if (json_is_null(v) ||
		    (json_is_object(v) && !json_object_size(v)))
			json_object_del(meta, maps[i]);
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++) {
		v = json_object_get(meta, lists[i]);
		if (json_is_null(v) ||
		    (json_is_array(v) && !json_array_size(v)))
			json_object_del(meta, lists[i]);
	}
}

const char *defaults_pull_policy(const char *image)
{
	const char *at = strchr(image, '@');
	size_t n = at ? (size_t)(at - image) : strlen(image);
	const char *colon = NULL, *slash = NULL;

	for (size_t i = 0; i < n; i++) {
		if (image[i] == '/')
			slash = image + i;
		else if (image[i] == ':')
			colon = image + i;
	}
	if (colon && slash && colon < slash)
		colon = NULL; /* a registry port, not a tag */
	if (!colon)
		return at ? "IfNotPresent" : "Always";
	if ((size_t)(image + n - colon - 1) == 6 &&
	    !strncmp(colon + 1, "latest", 6))
		return "Always";
	return "IfNotPresent";
}

static void defaults_handler(json_t *h)
{
	json_t *get = json_object_get(h, "httpGet");

	if (json_is_object(get)) {
		dflt_str(get, "path", "/");
		dflt_str(get, "scheme", "HTTP");
	}
}

static void defaults_probe(json_t *c, const char *key)
{
	json_t *p = json_object_get(c, key);

	if (!json_is_object(p))
		return;
	defaults_handler(p);
	dflt_int_zero(p, "timeoutSeconds", 1);
	dflt_int_zero(p, "periodSeconds", 10);
	dflt_int_zero(p, "successThreshold", 1);
	dflt_int_zero(p, "failureThreshold", 3);
}

static void defaults_port(json_t *p)
{
	dflt_str(p, "protocol", "TCP");
}

static void defaults_env(json_t *e)
{
	json_t *from = json_object_get(e, "valueFrom");
	json_t *ref = json_object_get(from, "fieldRef");

	if (json_is_object(ref))
		dflt_str(ref, "apiVersion", "v1");
}

static void defaults_container(json_t *c)
{
	const char *image = json_string_value(json_object_get(c, "image"));
	json_t *lc = json_object_get(c, "lifecycle");

	/* an image that cannot be parsed has no tag: IfNotPresent */
	if (image || unset(json_object_get(c, "image")))
		dflt_str(c, "imagePullPolicy",
			 image ? defaults_pull_policy(image) : "IfNotPresent");
	dflt_str(c, "terminationMessagePath", "/dev/termination-log");
	dflt_str(c, "terminationMessagePolicy", "File");
	each(c, "ports", defaults_port);
	each(c, "env", defaults_env);
	defaults_probe(c, "livenessProbe");
	defaults_probe(c, "readinessProbe");
	defaults_probe(c, "startupProbe");
	if (json_is_object(lc)) {
		if (json_is_object(json_object_get(lc, "postStart")))
			defaults_handler(json_object_get(lc, "postStart"));
		if (json_is_object(json_object_get(lc, "preStop")))
			defaults_handler(json_object_get(lc, "preStop"));
	}
}

/* ---- volumes ---- */

static const char *const volume_sources[] = {"emptyDir",
					     "hostPath",
					     "configMap",
					     "secret",
					     "persistentVolumeClaim",
					     "projected",
					     "downwardAPI",
					     "nfs",
					     "csi",
					     "ephemeral",
					     "image",
					     "iscsi",
					     "gitRepo",
					     "awsElasticBlockStore",
					     "gcePersistentDisk",
					     "azureDisk",
					     "azureFile",
					     "cephfs",
					     "cinder",
					     "fc",
					     "flexVolume",
					     "flocker",
					     "glusterfs",
					     "photonPersistentDisk",
					     "portworxVolume",
					     "quobyte",
					     "rbd",
					     "scaleIO",
					     "storageos",
					     "vsphereVolume",
					     NULL};

static void defaults_volume(json_t *vol)
{
	static const char *const moded[] = {"configMap", "secret",
					    "downwardAPI", "projected"};
	bool any = false;

	for (size_t i = 0; volume_sources[i]; i++)
		any |= !unset(json_object_get(vol, volume_sources[i]));
	if (!any)
		json_object_set_new(vol, "emptyDir", json_object());
	for (size_t i = 0; i < sizeof(moded) / sizeof(moded[0]); i++) {
		json_t *src = json_object_get(vol, moded[i]);

		if (json_is_object(src))
			dflt_int(src, "defaultMode", 0644);
	}
	if (json_is_object(json_object_get(vol, "hostPath")))
		dflt_str(json_object_get(vol, "hostPath"), "type", "");
}

/* ---- pods ---- */

/* hostNetwork pods: a port's hostPort is its containerPort. */
static void host_network_port(json_t *p)
{
	json_t *cp = json_object_get(p, "containerPort");

	if (json_is_integer(cp))
		dflt_int_zero(p, "hostPort", json_integer_value(cp));
}

static void host_network_container(json_t *c)
{
	each(c, "ports", host_network_port);
}

void defaults_pod_spec(json_t *spec)
{
	if (!json_is_object(spec))
		return;
	dflt_str(spec, "dnsPolicy", "ClusterFirst");
	dflt_str(spec, "restartPolicy", "Always");
	dflt_object(spec, "securityContext");
	dflt_int(spec, "terminationGracePeriodSeconds", 30);
	dflt_str(spec, "schedulerName", "default-scheduler");
	if (json_is_true(json_object_get(spec, "hostNetwork"))) {
		each(spec, "containers", host_network_container);
		each(spec, "initContainers", host_network_container);
	}
	each(spec, "containers", defaults_container);
	each(spec, "initContainers", defaults_container);
	each(spec, "volumes", defaults_volume);
}

void defaults_pod_template(json_t *tmpl)
{
	defaults_pod_spec(dflt_object(tmpl, "spec"));
}

/* A container's requests default to its limits (Pods only). */
static void requests_from_limits(json_t *c)
{
	json_t *res = json_object_get(c, "resources");
	json_t *limits = json_object_get(res, "limits"), *req, *q;
	const char *name;

	if (!json_is_object(limits) || json_object_size(limits) == 0)
		return;
	req = dflt_object(res, "requests");
	if (!req)
		return;
	json_object_foreach (limits, name, q)
		if (unset(json_object_get(req, name)))
			json_object_set_new(req, name, json_deep_copy(q));
}

/*
 * The DefaultTolerationSeconds admission plugin: a pod that does not
 * tolerate node.kubernetes.io/not-ready or unreachable (NoExecute) gets
 * a toleration of 300 s for each, so taint-based eviction leaves it on a
 * failing node for five minutes.
 */
#define DEFAULT_TOLERATION_SECONDS 300

static void default_toleration(json_t *spec, const char *taint)
{
	json_t *tols = json_object_get(spec, "tolerations"), *t;
	size_t i;

	if (tols && !json_is_array(tols))
		return; /* validation reports it */
	json_array_foreach (tols, i, t) {
		const char *key = json_string_value(json_object_get(t, "key"));
		const char *eff =
		    json_string_value(json_object_get(t, "effect"));

		if ((!key || !*key || !strcmp(key, taint)) &&
		    (!eff || !*eff || !strcmp(eff, "NoExecute")))
			return;
	}
	if (!tols) {
		tols = json_array();
		json_object_set_new(spec, "tolerations", tols);
	}
	json_array_append_new(
	    tols, json_pack("{s:s, s:s, s:s, s:i}", "key", taint, "operator",
			    "Exists", "effect", "NoExecute",
			    "tolerationSeconds", DEFAULT_TOLERATION_SECONDS));
}

void defaults_pod(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec");

	if (!spec)
		return;
	default_toleration(spec, "node.kubernetes.io/not-ready");
	default_toleration(spec, "node.kubernetes.io/unreachable");
	each(spec, "containers", requests_from_limits);
	each(spec, "initContainers", requests_from_limits);
	dflt_bool(spec, "enableServiceLinks", 1);
	defaults_pod_spec(spec);
}

/* ---- Service ---- */

static void defaults_service_port(json_t *p)
{
	json_t *port = json_object_get(p, "port");
	json_t *target = json_object_get(p, "targetPort");

	dflt_str(p, "protocol", "TCP");
	if (json_is_integer(port) &&
	    (unset(target) ||
	     (json_is_integer(target) && json_integer_value(target) == 0) ||
	     (json_is_string(target) && json_string_length(target) == 0)))
		json_object_set_new(p, "targetPort",
				    json_integer(json_integer_value(port)));
}

void defaults_service(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec"), *ips, *aff_cfg;
	const char *type, *aff, *cip;

	if (!spec)
		return;
	dflt_str(spec, "sessionAffinity", "None");
	aff = json_string_value(json_object_get(spec, "sessionAffinity"));
	if (aff && !strcmp(aff, "None")) {
		json_object_del(spec, "sessionAffinityConfig");
	} else if (aff && !strcmp(aff, "ClientIP")) {
		aff_cfg = dflt_object(spec, "sessionAffinityConfig");
		dflt_int(dflt_object(aff_cfg, "clientIP"), "timeoutSeconds",
			 10800);
	}
	dflt_str(spec, "type", "ClusterIP");
	type = json_string_value(json_object_get(spec, "type"));
	each(spec, "ports", defaults_service_port);
	if (!type)
		return;
	if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer") ||
	    (!strcmp(type, "ClusterIP") &&
	     json_array_size(json_object_get(spec, "externalIPs")) > 0))
		dflt_str(spec, "externalTrafficPolicy", "Cluster");
	if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer") ||
	    !strcmp(type, "ClusterIP"))
		dflt_str(spec, "internalTrafficPolicy", "Cluster");
	if (!strcmp(type, "LoadBalancer"))
		dflt_bool(spec, "allocateLoadBalancerNodePorts", 1);
	if (!strcmp(type, "ExternalName"))
		return;
	/* clusterIP and clusterIPs name the same address (strategy) */
	cip = json_string_value(json_object_get(spec, "clusterIP"));
	ips = json_object_get(spec, "clusterIPs");
	if (cip && *cip &&
	    (unset(ips) || (json_is_array(ips) && json_array_size(ips) == 0)))
		json_object_set_new(spec, "clusterIPs", json_pack("[s]", cip));
	else if ((!cip || !*cip) && json_is_array(ips) &&
		 json_is_string(json_array_get(ips, 0)))
		json_object_set_new(spec, "clusterIP",
				    json_deep_copy(json_array_get(ips, 0)));
	if (unset(json_object_get(spec, "ipFamilies")))
		json_object_set_new(spec, "ipFamilies",
				    json_pack("[s]", "IPv4"));
	dflt_str(spec, "ipFamilyPolicy", "SingleStack");
}

/* ---- Endpoints ---- */

static void defaults_subset(json_t *ss)
{
	each(ss, "ports", defaults_port);
}

void defaults_endpoints(json_t *obj)
{
	each(obj, "subsets", defaults_subset);
}

/* ---- Secret ---- */

static char *base64(const char *s, size_t n)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *p = out;
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*p++ = tbl[u[i] >> 2];
		*p++ = tbl[((u[i] & 3) << 4) | (u[i + 1] >> 4)];
		*p++ = tbl[((u[i + 1] & 15) << 2) | (u[i + 2] >> 6)];
		*p++ = tbl[u[i + 2] & 63];
	}
	if (i < n) {
		*p++ = tbl[u[i] >> 2];
		if (i + 1 < n) {
			*p++ = tbl[((u[i] & 3) << 4) | (u[i + 1] >> 4)];
			*p++ = tbl[(u[i + 1] & 15) << 2];
		} else {
			*p++ = tbl[(u[i] & 3) << 4];
			*p++ = '=';
		}
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

void defaults_secret(json_t *obj)
{
	json_t *sd = json_object_get(obj, "stringData"), *data, *val;
	const char *key;

	dflt_str(obj, "type", "Opaque");
	/* stringData is write-only: merged into data, as the conversion
	 * does; keep it if anything in it cannot be merged */
	if (!json_is_object(sd))
		return;
	json_object_foreach (sd, key, val)
		if (!json_is_string(val))
			return;
	data = dflt_object(obj, "data");
	if (!data)
		return;
	json_object_foreach (sd, key, val) {
		_cleanup_free_ char *b =
		    base64(json_string_value(val), json_string_length(val));

		if (!b)
			return;
		json_object_set_new(data, key, json_string(b));
	}
	json_object_del(obj, "stringData");
}

/* ---- Namespace, Node ---- */

void defaults_namespace(json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata"), *labels;
	const char *name = json_string_value(json_object_get(meta, "name"));

	if (name && *name) {
		labels = dflt_object(meta, "labels");
		if (labels)
			json_object_set_new(labels,
					    "kubernetes.io/metadata.name",
					    json_string(name));
	}
	if (json_is_object(json_object_get(obj, "status")))
		dflt_str(json_object_get(obj, "status"), "phase", "Active");
}

void defaults_node(json_t *obj)
{
	json_t *st = json_object_get(obj, "status");
	json_t *cap = json_object_get(st, "capacity");

	if (json_is_object(cap) && unset(json_object_get(st, "allocatable")))
		json_object_set_new(st, "allocatable", json_deep_copy(cap));
}

/* ---- EndpointSlice ---- */

static void defaults_slice_port(json_t *p)
{
	dflt_str(p, "protocol", "TCP");
	if (unset(json_object_get(p, "name")))
		json_object_set_new(p, "name", json_string(""));
}

void defaults_endpoint_slice(json_t *obj)
{
	each(obj, "ports", defaults_slice_port);
}

/* ---- rbac.authorization.k8s.io/v1 ---- */

static void defaults_subject(json_t *s)
{
	const char *kind = json_string_value(json_object_get(s, "kind"));

	/* SetDefaults_Subject: users and groups are RBAC's, service
	 * accounts the core group's. */
	if (kind && (!strcmp(kind, "User") || !strcmp(kind, "Group")))
		dflt_str(s, "apiGroup", "rbac.authorization.k8s.io");
}

void defaults_rbac_binding(json_t *obj)
{
	dflt_str(dflt_object(obj, "roleRef"), "apiGroup",
		 "rbac.authorization.k8s.io");
	each(obj, "subjects", defaults_subject);
}
