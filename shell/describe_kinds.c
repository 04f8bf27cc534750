/*
 * describe_kinds.c — kubectl's describers for the common kinds: pods,
 * deployments, replica sets, services, nodes, namespaces, config maps and
 * secrets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "shell/describe_i.h"
#include "shell/printers.h"

static const char *or_none(const char *s)
{
	return s && *s ? s : "<none>";
}

/* "80/TCP" of a container or service port. */
static void port_text(const json_t *p, const char *field, char *buf,
		      size_t size)
{
	json_t *v = json_object_get(p, field);

	if (json_is_string(v))
		snprintf(buf, size, "%s/%s", json_string_value(v),
			 jstr(p, "protocol") ?: "TCP");
	else
		snprintf(buf, size, "%lld/%s", jint(p, field, 0),
			 jstr(p, "protocol") ?: "TCP");
}

static void dw_resources(struct dw *w, int level, const char *title,
			 const json_t *map)
{
	const char *k;
	json_t *v;

	if (!json_object_size(map))
		return;
	dw_line(w, level, "%s:\n", title);
	json_object_foreach ((json_t *)map, k, v) {
		_cleanup_free_ char *s = json_dumps(v, JSON_ENCODE_ANY);

		dw_line(w, level + 1, "%s:\t%s\n", k,
			json_is_string(v) ? json_string_value(v)
					  : (s ? s : ""));
	}
}

/* State: Running / Waiting / Terminated, with its details. */
static void dw_state(struct dw *w, int level, const char *title,
		     const json_t *st)
{
	char t[64];

	if (json_object_get(st, "running")) {
		dw_line(w, level, "%s:\tRunning\n", title);
		dw_time(jstr(st, "running.startedAt"), t, sizeof(t));
		dw_line(w, level + 1, "Started:\t%s\n", t);
	} else if (json_object_get(st, "waiting")) {
		dw_line(w, level, "%s:\tWaiting\n", title);
		dw_line(w, level + 1, "Reason:\t%s\n",
			jstr(st, "waiting.reason") ?: "");
		if (jstr(st, "waiting.message"))
			dw_line(w, level + 1, "Message:\t%s\n",
				jstr(st, "waiting.message"));
	} else if (json_object_get(st, "terminated")) {
		dw_line(w, level, "%s:\tTerminated\n", title);
		dw_line(w, level + 1, "Reason:\t%s\n",
			jstr(st, "terminated.reason") ?: "");
		dw_line(w, level + 1, "Exit Code:\t%lld\n",
			jint(st, "terminated.exitCode", 0));
		dw_time(jstr(st, "terminated.startedAt"), t, sizeof(t));
		dw_line(w, level + 1, "Started:\t%s\n", t);
		dw_time(jstr(st, "terminated.finishedAt"), t, sizeof(t));
		dw_line(w, level + 1, "Finished:\t%s\n", t);
	} else {
		dw_line(w, level, "%s:\t%s\n", title,
			!strcmp(title, "State") ? "Waiting" : "<none>");
	}
}

void dw_containers(struct dw *w, int level, const char *title,
		   const json_t *containers, const json_t *statuses)
{
	size_t i, j;
	json_t *c, *s, *p, *e;

	if (!json_array_size(containers))
		return;
	dw_line(w, level, "%s:\n", title);
	json_array_foreach (containers, i, c) {
		const char *name = jstr(c, "name") ?: "";
		json_t *ports = json_object_get(c, "ports");
		json_t *st = NULL;
		char pt[64];

		json_array_foreach (statuses, j, s)
			if (!strcmp(jstr(s, "name") ?: "", name))
				st = s;
		dw_line(w, level + 1, "%s:\n", name);
		if (st)
			dw_line(w, level + 2, "Container ID:\t%s\n",
				jstr(st, "containerID") ?: "");
		dw_line(w, level + 2, "Image:\t%s\n", jstr(c, "image") ?: "");
		if (st)
			dw_line(w, level + 2, "Image ID:\t%s\n",
				jstr(st, "imageID") ?: "");
		if (!json_array_size(ports))
			dw_line(w, level + 2, "Port:\t<none>\n");
		json_array_foreach (ports, j, p) {
			port_text(p, "containerPort", pt, sizeof(pt));
			dw_line(w, level + 2, "%s:\t%s\n", j ? "" : "Port", pt);
		}
		if (json_is_array(json_object_get(c, "command"))) {
			dw_line(w, level + 2, "Command:\n");
			json_array_foreach (json_object_get(c, "command"), j, e)
				dw_line(w, level + 3, "%s\n",
					json_string_value(e) ?: "");
		}
		if (json_is_array(json_object_get(c, "args"))) {
			dw_line(w, level + 2, "Args:\n");
			json_array_foreach (json_object_get(c, "args"), j, e)
				dw_line(w, level + 3, "%s\n",
					json_string_value(e) ?: "");
		}
		if (st) {
			dw_state(w, level + 2, "State",
				 json_object_get(st, "state"));
			if (json_object_size(json_object_get(st, "lastState")))
				dw_state(w, level + 2, "Last State",
					 json_object_get(st, "lastState"));
			dw_line(w, level + 2, "Ready:\t%s\n",
				json_is_true(json_object_get(st, "ready"))
				    ? "True"
				    : "False");
			dw_line(w, level + 2, "Restart Count:\t%lld\n",
				jint(st, "restartCount", 0));
		}
		dw_resources(w, level + 2, "Limits",
			     jget(c, "resources.limits"));
		dw_resources(w, level + 2, "Requests",
			     jget(c, "resources.requests"));
		if (!json_array_size(json_object_get(c, "env")))
			dw_line(w, level + 2, "Environment:\t<none>\n");
		else
			dw_line(w, level + 2, "Environment:\n");
		json_array_foreach (json_object_get(c, "env"), j, e)
			dw_line(w, level + 3, "%s:\t%s\n",
				jstr(e, "name") ?: "",
				jstr(e, "value") ?: "<set to a reference>");
		if (!json_array_size(json_object_get(c, "volumeMounts")))
			dw_line(w, level + 2, "Mounts:\t<none>\n");
		else
			dw_line(w, level + 2, "Mounts:\n");
		json_array_foreach (json_object_get(c, "volumeMounts"), j, e)
			dw_line(w, level + 3, "%s from %s (%s)\n",
				jstr(e, "mountPath") ?: "",
				jstr(e, "name") ?: "",
				json_is_true(json_object_get(e, "readOnly"))
				    ? "ro"
				    : "rw");
	}
}

static void dw_volumes(struct dw *w, int level, const json_t *vols)
{
	size_t i;
	json_t *v;

	if (!json_array_size(vols)) {
		dw_line(w, level, "Volumes:\t<none>\n");
		return;
	}
	dw_line(w, level, "Volumes:\n");
	json_array_foreach (vols, i, v) {
		const char *k;
		json_t *src;

		dw_line(w, level + 1, "%s:\n", jstr(v, "name") ?: "");
		json_object_foreach (v, k, src)
			if (strcmp(k, "name"))
				dw_line(w, level + 2, "Type:\t%s\n", k);
	}
}

void dw_pod_template(struct dw *w, int level, const json_t *tmpl)
{
	dw_line(w, level, "Pod Template:\n");
	dw_map(w, level + 1, "Labels", jget(tmpl, "metadata.labels"), "=");
	if (json_object_size(jget(tmpl, "metadata.annotations")))
		dw_map(w, level + 1, "Annotations",
		       jget(tmpl, "metadata.annotations"), ": ");
	dw_containers(w, level + 1, "Init Containers",
		      jget(tmpl, "spec.initContainers"), NULL);
	dw_containers(w, level + 1, "Containers", jget(tmpl, "spec.containers"),
		      NULL);
	dw_volumes(w, level + 1, jget(tmpl, "spec.volumes"));
}

void dw_conditions(struct dw *w, const json_t *conds, bool reasons)
{
	size_t i;
	json_t *c;

	if (!json_array_size(conds))
		return;
	dw_line(w, 0, "Conditions:\n");
	if (reasons) {
		dw_line(w, 1, "Type\tStatus\tReason\n");
		dw_line(w, 1, "----\t------\t------\n");
	} else {
		dw_line(w, 1, "Type\tStatus\n");
	}
	json_array_foreach (conds, i, c) {
		if (reasons)
			dw_line(w, 1, "%s\t%s\t%s\n", jstr(c, "type") ?: "",
				jstr(c, "status") ?: "",
				or_none(jstr(c, "reason")));
		else
			dw_line(w, 1, "%s \t%s \n", jstr(c, "type") ?: "",
				jstr(c, "status") ?: "");
	}
}

static void describe_pod(struct dw *w, const json_t *o)
{
	const char *node = jstr(o, "spec.nodeName");
	const char *host = jstr(o, "status.hostIP");
	const char *del = jstr(o, "metadata.deletionTimestamp");
	size_t i;
	json_t *v;
	char t[64];

	dw_line(w, 0, "Name:\t%s\n", jstr(o, "metadata.name") ?: "");
	dw_line(w, 0, "Namespace:\t%s\n", jstr(o, "metadata.namespace") ?: "");
	dw_line(w, 0, "Priority:\t%lld\n", jint(o, "spec.priority", 0));
	dw_line(w, 0, "Service Account:\t%s\n",
		jstr(o, "spec.serviceAccountName") ?: "default");
	if (node)
		dw_line(w, 0, "Node:\t%s/%s\n", node, host ? host : "");
	else
		dw_line(w, 0, "Node:\t<none>\n");
	if (jstr(o, "status.startTime")) {
		dw_time(jstr(o, "status.startTime"), t, sizeof(t));
		dw_line(w, 0, "Start Time:\t%s\n", t);
	}
	dw_map(w, 0, "Labels", jget(o, "metadata.labels"), "=");
	dw_map(w, 0, "Annotations", jget(o, "metadata.annotations"), ": ");
	if (del) {
		dw_time(del, t, sizeof(t));
		dw_line(w, 0, "Status:\tTerminating (lasts %s)\n", t);
		dw_line(w, 0, "Termination Grace Period:\t%llds\n",
			jint(o, "metadata.deletionGracePeriodSeconds", 0));
	} else {
		dw_line(w, 0, "Status:\t%s\n",
			jstr(o, "status.phase") ?: "Unknown");
	}
	if (jstr(o, "status.reason"))
		dw_line(w, 0, "Reason:\t%s\n", jstr(o, "status.reason"));
	if (jstr(o, "status.message"))
		dw_line(w, 0, "Message:\t%s\n", jstr(o, "status.message"));
	dw_line(w, 0, "IP:\t%s\n", jstr(o, "status.podIP") ?: "");
	if (json_array_size(jget(o, "status.podIPs"))) {
		dw_line(w, 0, "IPs:\n");
		json_array_foreach (jget(o, "status.podIPs"), i, v)
			dw_line(w, 1, "IP:\t%s\n", jstr(v, "ip") ?: "");
	} else {
		dw_line(w, 0, "IPs:\t<none>\n");
	}
	dw_controlled_by(w, o);
	dw_containers(w, 0, "Init Containers", jget(o, "spec.initContainers"),
		      jget(o, "status.initContainerStatuses"));
	dw_containers(w, 0, "Containers", jget(o, "spec.containers"),
		      jget(o, "status.containerStatuses"));
	dw_conditions(w, jget(o, "status.conditions"), false);
	dw_volumes(w, 0, jget(o, "spec.volumes"));
	dw_line(w, 0, "QoS Class:\t%s\n", jstr(o, "status.qosClass") ?: "");
	dw_map(w, 0, "Node-Selectors", jget(o, "spec.nodeSelector"), "=");
	if (!json_array_size(jget(o, "spec.tolerations")))
		dw_line(w, 0, "Tolerations:\t<none>\n");
	json_array_foreach (jget(o, "spec.tolerations"), i, v) {
		const char *key = jstr(v, "key"), *val = jstr(v, "value");
		const char *eff = jstr(v, "effect");

		dw_line(w, 0, "%s\t%s%s%s%s%s",
			i ? "" : "Tolerations:", key ? key : "", val ? "=" : "",
			val ? val : "", eff ? ":" : "", eff ? eff : "");
		if (json_is_integer(json_object_get(v, "tolerationSeconds")))
			fprintf(w->f, " for %llds",
				jint(v, "tolerationSeconds", 0));
		if (!key && !eff)
			fprintf(w->f, "op=Exists");
		fprintf(w->f, "\n");
	}
}

/* ReplicaSets controlled by the object with this uid. */
static json_t *owned_replicasets(struct dw *w, const json_t *o)
{
	const struct kind_info *k = kinds_by_path("apps", "v1", "replicasets");
	const char *uid = jstr(o, "metadata.uid") ?: "";
	_cleanup_json_ json_t *items = NULL;
	json_t *out = json_array(), *rs, *ref;
	size_t i, j;

	if (!out || !k ||
	    client_list(w->c, k, jstr(o, "metadata.namespace"), NULL, NULL,
			NULL, &items, NULL) < 0)
		return out;
	json_array_foreach (items, i, rs)
		json_array_foreach (jget(rs, "metadata.ownerReferences"), j,
				    ref)
			if (!strcmp(jstr(ref, "uid") ?: "-", uid))
				json_array_append(out, rs);
	return out;
}

static const char *revision_of(const json_t *o)
{
	return json_string_value(
	    json_object_get(jget(o, "metadata.annotations"),
			    "deployment.kubernetes.io/revision"));
}

static void describe_deployment(struct dw *w, const json_t *o)
{
	_cleanup_json_ json_t *rss = owned_replicasets(w, o);
	_cleanup_free_ char *sel = printer_selector(jget(o, "spec.selector"));
	const char *strategy = jstr(o, "spec.strategy.type") ?: "RollingUpdate";
	const char *rev = revision_of(o);
	long long total = jint(o, "status.replicas", 0);
	long long avail = jint(o, "status.availableReplicas", 0);
	bool old = false;
	size_t i;
	json_t *rs;

	dw_meta(w, o, true);
	dw_line(w, 0, "Selector:\t%s\n", sel ? sel : "");
	dw_line(w, 0,
		"Replicas:\t%lld desired | %lld updated | %lld total | %lld "
		"available | %lld unavailable\n",
		jint(o, "spec.replicas", 1),
		jint(o, "status.updatedReplicas", 0), total, avail,
		jint(o, "status.unavailableReplicas", 0));
	dw_line(w, 0, "StrategyType:\t%s\n", strategy);
	dw_line(w, 0, "MinReadySeconds:\t%lld\n",
		jint(o, "spec.minReadySeconds", 0));
	if (!strcmp(strategy, "RollingUpdate")) {
		json_t *mu = jget(o, "spec.strategy.rollingUpdate."
				     "maxUnavailable");
		json_t *ms = jget(o, "spec.strategy.rollingUpdate.maxSurge");
		_cleanup_free_ char *u =
		    mu ? json_dumps(mu, JSON_ENCODE_ANY) : NULL;
		_cleanup_free_ char *s =
		    ms ? json_dumps(ms, JSON_ENCODE_ANY) : NULL;

		dw_line(w, 0,
			"RollingUpdateStrategy:\t%s max unavailable, %s max "
			"surge\n",
			json_is_string(mu) ? json_string_value(mu)
					   : (u ? u : "25%"),
			json_is_string(ms) ? json_string_value(ms)
					   : (s ? s : "25%"));
	}
	dw_pod_template(w, 0, jget(o, "spec.template"));
	dw_conditions(w, jget(o, "status.conditions"), true);
	dw_line(w, 0, "OldReplicaSets:\t");
	json_array_foreach (rss, i, rs) {
		const char *r = revision_of(rs);

		if (rev && r && !strcmp(r, rev))
			continue;
		if (!jint(rs, "spec.replicas", 0))
			continue;
		fprintf(w->f, "%s%s (%lld/%lld replicas created)",
			old ? ", " : "", jstr(rs, "metadata.name") ?: "",
			jint(rs, "status.replicas", 0),
			jint(rs, "spec.replicas", 0));
		old = true;
	}
	fprintf(w->f, "%s\n", old ? "" : "<none>");
	dw_line(w, 0, "NewReplicaSet:\t");
	old = false;
	json_array_foreach (rss, i, rs) {
		const char *r = revision_of(rs);

		if (!rev || !r || strcmp(r, rev) || old)
			continue;
		fprintf(w->f, "%s (%lld/%lld replicas created)",
			jstr(rs, "metadata.name") ?: "",
			jint(rs, "status.replicas", 0),
			jint(rs, "spec.replicas", 0));
		old = true;
	}
	fprintf(w->f, "%s\n", old ? "" : "<none>");
}

static void describe_replicaset(struct dw *w, const json_t *o)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	_cleanup_free_ char *sel = printer_selector(jget(o, "spec.selector"));
	_cleanup_json_ json_t *pods = NULL;
	const char *uid = jstr(o, "metadata.uid") ?: "";
	long long running = 0, waiting = 0, ok = 0, failed = 0;
	size_t i, j;
	json_t *p, *ref;

	if (pk)
		client_list(w->c, pk, jstr(o, "metadata.namespace"), NULL, NULL,
			    NULL, &pods, NULL);
	json_array_foreach (pods, i, p)
		json_array_foreach (jget(p, "metadata.ownerReferences"), j,
				    ref) {
			const char *ph = jstr(p, "status.phase") ?: "";

			if (strcmp(jstr(ref, "uid") ?: "-", uid))
				continue;
			running += !strcmp(ph, "Running");
			waiting += !strcmp(ph, "Pending");
			ok += !strcmp(ph, "Succeeded");
			failed += !strcmp(ph, "Failed");
		}
	dw_line(w, 0, "Name:\t%s\n", jstr(o, "metadata.name") ?: "");
	dw_line(w, 0, "Namespace:\t%s\n", jstr(o, "metadata.namespace") ?: "");
	dw_line(w, 0, "Selector:\t%s\n", sel ? sel : "");
	dw_map(w, 0, "Labels", jget(o, "metadata.labels"), "=");
	dw_map(w, 0, "Annotations", jget(o, "metadata.annotations"), ": ");
	dw_controlled_by(w, o);
	dw_line(w, 0, "Replicas:\t%lld current / %lld desired\n",
		jint(o, "status.replicas", 0), jint(o, "spec.replicas", 1));
	dw_line(w, 0,
		"Pods Status:\t%lld Running / %lld Waiting / %lld Succeeded / "
		"%lld Failed\n",
		running, waiting, ok, failed);
	dw_pod_template(w, 0, jget(o, "spec.template"));
	dw_conditions(w, jget(o, "status.conditions"), true);
}

static void describe_service(struct dw *w, const json_t *o)
{
	const struct kind_info *ek = kinds_by_path("core", "v1", "endpoints");
	_cleanup_free_ char *sel = printer_selector(jget(o, "spec.selector"));
	_cleanup_json_ json_t *ep = NULL;
	size_t i, j;
	json_t *p, *v;

	if (ek)
		client_get(w->c, ek, jstr(o, "metadata.namespace"),
			   jstr(o, "metadata.name") ?: "", NULL, &ep);
	dw_meta(w, o, false);
	dw_line(w, 0, "Selector:\t%s\n", sel ? sel : "");
	dw_line(w, 0, "Type:\t%s\n", jstr(o, "spec.type") ?: "ClusterIP");
	dw_line(w, 0, "IP Family Policy:\t%s\n",
		jstr(o, "spec.ipFamilyPolicy") ?: "SingleStack");
	dw_line(w, 0, "IP Families:\t%s\n",
		json_string_value(json_array_get(jget(o, "spec.ipFamilies"), 0))
		    ?: "IPv4");
	dw_line(w, 0, "IP:\t%s\n", jstr(o, "spec.clusterIP") ?: "");
	dw_line(w, 0, "IPs:\t%s\n",
		json_string_value(json_array_get(jget(o, "spec.clusterIPs"), 0))
		    ?: "<none>");
	if (jstr(o, "spec.externalName"))
		dw_line(w, 0, "External Name:\t%s\n",
			jstr(o, "spec.externalName"));
	json_array_foreach (jget(o, "spec.ports"), i, p) {
		char pt[64], tp[64];
		const char *pname = jstr(p, "name");

		port_text(p, "port", pt, sizeof(pt));
		if (json_object_get(p, "targetPort"))
			port_text(p, "targetPort", tp, sizeof(tp));
		else
			snprintf(tp, sizeof(tp), "%s", pt);
		dw_line(w, 0, "Port:\t%s\t%s\n", or_none(pname), pt);
		dw_line(w, 0, "TargetPort:\t%s\n", tp);
		if (jint(p, "nodePort", 0))
			dw_line(w, 0, "NodePort:\t%s\t%lld/%s\n",
				or_none(pname), jint(p, "nodePort", 0),
				jstr(p, "protocol") ?: "TCP");
		dw_line(w, 0, "Endpoints:\t");
		json_array_foreach (json_object_get(ep, "subsets"), j, v) {
			size_t a;
			json_t *addr;

			json_array_foreach (json_object_get(v, "addresses"), a,
					    addr)
				fprintf(
				    w->f, "%s%s:%lld", a || j ? "," : "",
				    jstr(addr, "ip") ?: "",
				    jint(json_array_get(
					     json_object_get(v, "ports"), 0),
					 "port", 0));
		}
		fprintf(w->f, "\n");
	}
	dw_line(w, 0, "Session Affinity:\t%s\n",
		jstr(o, "spec.sessionAffinity") ?: "None");
}

static void describe_node(struct dw *w, const json_t *o)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *pods = NULL;
	_cleanup_free_ char *fsel = NULL;
	size_t i;
	json_t *v;
	char t1[64], t2[64];

	dw_meta(w, o, true);
	if (!json_array_size(jget(o, "spec.taints")))
		dw_line(w, 0, "Taints:\t<none>\n");
	json_array_foreach (jget(o, "spec.taints"), i, v)
		dw_line(w, 0, "%s\t%s%s%s:%s\n",
			i ? "" : "Taints:", jstr(v, "key") ?: "",
			jstr(v, "value") ? "=" : "", jstr(v, "value") ?: "",
			jstr(v, "effect") ?: "");
	dw_line(w, 0, "Unschedulable:\t%s\n",
		json_is_true(jget(o, "spec.unschedulable")) ? "true" : "false");
	if (json_array_size(jget(o, "status.conditions"))) {
		dw_line(w, 0, "Conditions:\n");
		dw_line(w, 1,
			"Type\tStatus\tLastHeartbeatTime\t"
			"LastTransitionTime\tReason\tMessage\n");
		dw_line(w, 1,
			"----\t------\t-----------------\t"
			"------------------\t------\t-------\n");
	}
	json_array_foreach (jget(o, "status.conditions"), i, v) {
		dw_time(jstr(v, "lastHeartbeatTime"), t1, sizeof(t1));
		dw_time(jstr(v, "lastTransitionTime"), t2, sizeof(t2));
		dw_line(w, 1, "%s\t%s\t%s\t%s\t%s\t%s\n", jstr(v, "type") ?: "",
			jstr(v, "status") ?: "", t1, t2,
			jstr(v, "reason") ?: "", jstr(v, "message") ?: "");
	}
	dw_line(w, 0, "Addresses:\n");
	json_array_foreach (jget(o, "status.addresses"), i, v)
		dw_line(w, 1, "%s:\t%s\n", jstr(v, "type") ?: "",
			jstr(v, "address") ?: "");
	dw_resources(w, 0, "Capacity", jget(o, "status.capacity"));
	dw_resources(w, 0, "Allocatable", jget(o, "status.allocatable"));
	dw_line(w, 0, "System Info:\n");
	dw_line(w, 1, "Kernel Version:\t%s\n",
		jstr(o, "status.nodeInfo.kernelVersion") ?: "");
	dw_line(w, 1, "OS Image:\t%s\n",
		jstr(o, "status.nodeInfo.osImage") ?: "");
	dw_line(w, 1, "Container Runtime Version:\t%s\n",
		jstr(o, "status.nodeInfo.containerRuntimeVersion") ?: "");
	dw_line(w, 1, "Kubelet Version:\t%s\n",
		jstr(o, "status.nodeInfo.kubeletVersion") ?: "");
	if (jstr(o, "spec.podCIDR"))
		dw_line(w, 0, "PodCIDR:\t%s\n", jstr(o, "spec.podCIDR"));
	if (asprintf(&fsel, "spec.nodeName=%s",
		     jstr(o, "metadata.name") ?: "") < 0)
		fsel = NULL;
	if (pk && fsel)
		client_list(w->c, pk, NULL, NULL, fsel, NULL, &pods, NULL);
	dw_line(w, 0, "Non-terminated Pods:\t(%zu in total)\n",
		json_array_size(pods));
	if (json_array_size(pods)) {
		dw_line(w, 1, "Namespace\tName\tAge\n");
		dw_line(w, 1, "---------\t----\t---\n");
	}
	json_array_foreach (pods, i, v) {
		printer_age(jstr(v, "metadata.creationTimestamp"), w->now, t1,
			    sizeof(t1));
		dw_line(w, 1, "%s\t%s\t%s\n",
			jstr(v, "metadata.namespace") ?: "",
			jstr(v, "metadata.name") ?: "", t1);
	}
}

static void describe_namespace(struct dw *w, const json_t *o)
{
	dw_meta(w, o, false);
	dw_line(w, 0, "Status:\t%s\n", jstr(o, "status.phase") ?: "Active");
	dw_line(w, 0, "\nNo resource quota.\n\nNo LimitRange resource.\n");
}

static void describe_data(struct dw *w, const json_t *o, bool secret)
{
	const char *k;
	json_t *v;

	dw_meta(w, o, false);
	if (secret) {
		dw_line(w, 0, "\nType:\t%s\n", jstr(o, "type") ?: "Opaque");
		dw_line(w, 0, "\nData\n====\n");
		json_object_foreach (json_object_get(o, "data"), k, v) {
			/* base64 length -> decoded bytes */
			size_t n = strlen(json_string_value(v) ?: "");
			const char *s = json_string_value(v) ?: "";
			size_t pad = n && s[n - 1] == '='
					 ? (n > 1 && s[n - 2] == '=' ? 2 : 1)
					 : 0;

			dw_line(w, 0, "%s:\t%zu bytes\n", k, n / 4 * 3 - pad);
		}
		return;
	}
	dw_line(w, 0, "\nData\n====\n");
	json_object_foreach (json_object_get(o, "data"), k, v)
		dw_line(w, 0, "%s:\n----\n%s\n\n", k,
			json_string_value(v) ?: "");
	dw_line(w, 0, "\nBinaryData\n====\n");
	json_object_foreach (json_object_get(o, "binaryData"), k, v)
		dw_line(w, 0, "%s: %zu bytes\n", k,
			strlen(json_string_value(v) ?: "") / 4 * 3);
	fprintf(w->f, "\n");
}

int describe_kind(struct dw *w, const struct kind_info *k, const json_t *obj)
{
	const char *g = k->group, *r = k->resource;

	if (!*g && !strcmp(r, "pods"))
		describe_pod(w, obj);
	else if (!strcmp(g, "apps") && !strcmp(r, "deployments"))
		describe_deployment(w, obj);
	else if (!strcmp(g, "apps") && !strcmp(r, "replicasets"))
		describe_replicaset(w, obj);
	else if (!*g && !strcmp(r, "services"))
		describe_service(w, obj);
	else if (!*g && !strcmp(r, "nodes"))
		describe_node(w, obj);
	else if (!*g && !strcmp(r, "namespaces"))
		describe_namespace(w, obj);
	else if (!*g && !strcmp(r, "configmaps"))
		describe_data(w, obj, false);
	else if (!*g && !strcmp(r, "secrets"))
		describe_data(w, obj, true);
	else
		return 0;
	return 1;
}
