/*
 * columns.c — the columns kubectl prints for each kind (Kubernetes'
 * pkg/printers/internalversion), for `kubefs get`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client.h"
#include "shell/printers.h"

struct columns {
	const char *group;
	const char *resource;
	const char *headers; /* '|'-separated, after NAME */
	const char *wide;    /* '|'-separated, appended with -o wide */
	int (*row)(const json_t *obj, time_t now, bool wide, struct row *r);
};

static const char *or_none(const char *s)
{
	return s && *s ? s : "<none>";
}

static void age_of(const json_t *obj, time_t now, char *buf, size_t size)
{
	printer_age(jstr(obj, "metadata.creationTimestamp"), now, buf, size);
}

/* "a,b" names and "x,y" images of a containers array (wide columns). */
static int add_containers(struct row *r, const json_t *containers)
{
	char *names = NULL, *images = NULL;
	size_t nl = 0, il = 0, i;
	FILE *fn = open_memstream(&names, &nl);
	FILE *fi = open_memstream(&images, &il);
	json_t *c;
	int ret;

	if (!fn || !fi) {
		if (fn)
			fclose(fn);
		if (fi)
			fclose(fi);
		free(names);
		free(images);
		return -ENOMEM;
	}
	json_array_foreach (containers, i, c) {
		fprintf(fn, "%s%s", i ? "," : "", jstr(c, "name") ?: "");
		fprintf(fi, "%s%s", i ? "," : "", jstr(c, "image") ?: "");
	}
	fclose(fn);
	fclose(fi);
	ret = row_addf(r, "%s", or_none(names));
	if (!ret)
		ret = row_addf(r, "%s", or_none(images));
	free(names);
	free(images);
	return ret;
}

static int add_selector(struct row *r, const json_t *sel)
{
	_cleanup_free_ char *s = printer_selector(sel);

	return s ? row_addf(r, "%s", s) : -ENOMEM;
}

/* Status of the pod's containers, as kubectl's printPod. */
void printer_pod_status(const json_t *pod, time_t now, char *status,
			size_t status_size, char *ready, size_t ready_size,
			char *restarts, size_t restarts_size)
{
	json_t *inits = jget(pod, "status.initContainerStatuses");
	json_t *conts = jget(pod, "status.containerStatuses");
	const char *phase = jstr(pod, "status.phase");
	const char *reason = phase ? phase : "";
	const char *sreason = jstr(pod, "status.reason");
	long long nrestarts = 0, last = 0;
	size_t total = json_array_size(jget(pod, "spec.containers"));
	size_t nready = 0, i, ninit;
	bool initializing = false, running = false;
	char buf[128], when[32];
	json_t *c, *cond;

	if (sreason && *sreason)
		reason = sreason;
	json_array_foreach (jget(pod, "status.conditions"), i, cond)
		if (!strcmp(jstr(cond, "type") ?: "", "PodScheduled") &&
		    !strcmp(jstr(cond, "reason") ?: "", "SchedulingGated"))
			reason = "SchedulingGated";
	ninit = json_array_size(jget(pod, "spec.initContainers"));
	json_array_foreach (inits, i, c) {
		const char *wr = jstr(c, "state.waiting.reason");
		json_t *term = jget(c, "state.terminated");
		struct timespec ts;

		nrestarts += jint(c, "restartCount", 0);
		if (!rfc3339_parse(jstr(c, "lastState.terminated."
					   "finishedAt")
				       ?: "",
				   &ts) &&
		    ts.tv_sec > last)
			last = ts.tv_sec;
		if (term && jint(term, "exitCode", 0) == 0)
			continue;
		initializing = true;
		if (term) {
			const char *tr = jstr(term, "reason");

			if (tr && *tr)
				snprintf(buf, sizeof(buf), "Init:%s", tr);
			else if (jint(term, "signal", 0))
				snprintf(buf, sizeof(buf), "Init:Signal:%lld",
					 jint(term, "signal", 0));
			else
				snprintf(buf, sizeof(buf), "Init:ExitCode:%lld",
					 jint(term, "exitCode", 0));
		} else if (wr && *wr && strcmp(wr, "PodInitializing")) {
			snprintf(buf, sizeof(buf), "Init:%s", wr);
		} else {
			snprintf(buf, sizeof(buf), "Init:%zu/%zu", i, ninit);
		}
		reason = buf;
		break;
	}
	if (!initializing) {
		nrestarts = 0;
		last = 0;
		for (i = json_array_size(conts); i-- > 0;) {
			const char *wr, *tr;
			json_t *term;
			struct timespec ts;

			c = json_array_get(conts, i);
			wr = jstr(c, "state.waiting.reason");
			term = jget(c, "state.terminated");
			tr = jstr(term, "reason");
			nrestarts += jint(c, "restartCount", 0);
			if (!rfc3339_parse(jstr(c, "lastState.terminated."
						   "finishedAt")
					       ?: "",
					   &ts) &&
			    ts.tv_sec > last)
				last = ts.tv_sec;
			if (wr && *wr) {
				reason = wr;
			} else if (term && tr && *tr) {
				reason = tr;
			} else if (term) {
				if (jint(term, "signal", 0))
					snprintf(buf, sizeof(buf),
						 "Signal:%lld",
						 jint(term, "signal", 0));
				else
					snprintf(buf, sizeof(buf),
						 "ExitCode:%lld",
						 jint(term, "exitCode", 0));
				reason = buf;
			} else if (json_is_true(json_object_get(c, "ready")) &&
				   jget(c, "state.running")) {
				running = true;
				nready++;
			}
		}
		if (!strcmp(reason, "Completed") && running) {
			bool pod_ready = false;

			json_array_foreach (jget(pod, "status.conditions"), i,
					    cond)
				if (!strcmp(jstr(cond, "type") ?: "", "Ready"))
					pod_ready = !strcmp(
					    jstr(cond, "status") ?: "", "True");
			reason = pod_ready ? "Running" : "NotReady";
		}
	}
	if (jstr(pod, "metadata.deletionTimestamp")) {
		if (sreason && !strcmp(sreason, "NodeLost"))
			reason = "Unknown";
		else if (!phase || (strcmp(phase, "Succeeded") &&
				    strcmp(phase, "Failed")))
			reason = "Terminating";
	}
	snprintf(status, status_size, "%s", *reason ? reason : "Unknown");
	snprintf(ready, ready_size, "%zu/%zu", nready, total);
	if (nrestarts && last) {
		printer_duration((long long)now - last, when, sizeof(when));
		snprintf(restarts, restarts_size, "%lld (%s ago)", nrestarts,
			 when);
	} else {
		snprintf(restarts, restarts_size, "%lld", nrestarts);
	}
}

static int pod_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char status[128], ready[32], restarts[64], age[32];
	const char *ip = jstr(o, "status.podIP");
	json_t *gates = jget(o, "spec.readinessGates");
	int ret;

	printer_pod_status(o, now, status, sizeof(status), ready, sizeof(ready),
			   restarts, sizeof(restarts));
	age_of(o, now, age, sizeof(age));
	ret = row_addf(r, "%s", ready) ?: row_addf(r, "%s", status)
	    ?: row_addf(r, "%s", restarts) ?: row_addf(r, "%s", age);
	if (ret || !wide)
		return ret;
	if (!ip || !*ip)
		ip = jstr(json_array_get(jget(o, "status.podIPs"), 0), "ip");
	ret = row_addf(r, "%s", or_none(ip))
	    ?: row_addf(r, "%s", or_none(jstr(o, "spec.nodeName")))
	    ?: row_addf(r, "%s", or_none(jstr(o, "status.nominatedNodeName")));
	if (ret)
		return ret;
	if (json_array_size(gates)) {
		size_t i, n = 0;
		json_t *g, *cond;

		/* gates whose condition is True */
		json_array_foreach (gates, i, g) {
			size_t j;

			json_array_foreach (jget(o, "status.conditions"), j,
					    cond)
				if (!strcmp(jstr(cond, "type") ?: "",
					    jstr(g, "conditionType") ?: "-") &&
				    !strcmp(jstr(cond, "status") ?: "", "True"))
					n++;
		}
		return row_addf(r, "%zu/%zu", n, json_array_size(gates));
	}
	return row_addf(r, "<none>");
}

static int deploy_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];
	int ret;

	age_of(o, now, age, sizeof(age));
	ret = row_addf(r, "%lld/%lld", jint(o, "status.readyReplicas", 0),
		       jint(o, "spec.replicas", 1))
	    ?: row_addf(r, "%lld", jint(o, "status.updatedReplicas", 0))
	    ?: row_addf(r, "%lld", jint(o, "status.availableReplicas", 0))
	    ?: row_addf(r, "%s", age);
	if (ret || !wide)
		return ret;
	return add_containers(r, jget(o, "spec.template.spec.containers"))
		   ?: add_selector(r, jget(o, "spec.selector"));
}

static int rs_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];
	int ret;

	age_of(o, now, age, sizeof(age));
	ret = row_addf(r, "%lld", jint(o, "spec.replicas", 1))
	    ?: row_addf(r, "%lld", jint(o, "status.replicas", 0))
	    ?: row_addf(r, "%lld", jint(o, "status.readyReplicas", 0))
	    ?: row_addf(r, "%s", age);
	if (ret || !wide)
		return ret;
	return add_containers(r, jget(o, "spec.template.spec.containers"))
		   ?: add_selector(r, jget(o, "spec.selector"));
}

static int sts_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];
	int ret;

	age_of(o, now, age, sizeof(age));
	ret = row_addf(r, "%lld/%lld", jint(o, "status.readyReplicas", 0),
		       jint(o, "spec.replicas", 1))
		  ?: row_addf(r, "%s", age);
	if (ret || !wide)
		return ret;
	return add_containers(r, jget(o, "spec.template.spec.containers"));
}

static int ds_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	_cleanup_free_ char *nodesel =
	    printer_labels(jget(o, "spec.template.spec.nodeSelector"));
	char age[32];
	int ret;

	if (!nodesel)
		return -ENOMEM;
	age_of(o, now, age, sizeof(age));
	ret = row_addf(r, "%lld", jint(o, "status.desiredNumberScheduled", 0))
	    ?: row_addf(r, "%lld", jint(o, "status.currentNumberScheduled", 0))
	    ?: row_addf(r, "%lld", jint(o, "status.numberReady", 0))
	    ?: row_addf(r, "%lld", jint(o, "status.updatedNumberScheduled", 0))
	    ?: row_addf(r, "%lld", jint(o, "status.numberAvailable", 0))
	    ?: row_addf(r, "%s", nodesel) ?: row_addf(r, "%s", age);
	if (ret || !wide)
		return ret;
	return add_containers(r, jget(o, "spec.template.spec.containers"))
		   ?: add_selector(r, jget(o, "spec.selector"));
}

static int job_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32], dur[32] = "";
	struct timespec start, end;
	json_t *comp = jget(o, "spec.completions");
	int ret;

	age_of(o, now, age, sizeof(age));
	if (!rfc3339_parse(jstr(o, "status.startTime") ?: "", &start)) {
		if (rfc3339_parse(jstr(o, "status.completionTime") ?: "", &end))
			end.tv_sec = now;
		printer_duration(end.tv_sec - start.tv_sec, dur, sizeof(dur));
	}
	if (json_is_integer(comp))
		ret = row_addf(r, "%lld/%lld", jint(o, "status.succeeded", 0),
			       (long long)json_integer_value(comp));
	else
		ret = row_addf(r, "%lld/1 of %lld",
			       jint(o, "status.succeeded", 0),
			       jint(o, "spec.parallelism", 1));
	ret = ret ?: row_addf(r, "%s", dur) ?: row_addf(r, "%s", age);
	if (ret || !wide)
		return ret;
	return add_containers(r, jget(o, "spec.template.spec.containers"))
		   ?: add_selector(r, jget(o, "spec.selector"));
}

static int cronjob_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32], last[32] = "<none>";
	const char *ls = jstr(o, "status.lastScheduleTime");

	age_of(o, now, age, sizeof(age));
	if (ls)
		printer_age(ls, now, last, sizeof(last));
	return row_addf(r, "%s", or_none(jstr(o, "spec.schedule")))
	    ?: row_addf(r, "%s", or_none(jstr(o, "spec.timeZone")))
	    ?: row_addf(r, "%s",
			json_is_true(jget(o, "spec.suspend")) ? "True" : "False")
	    ?: row_addf(r, "%zu", json_array_size(jget(o, "status.active")))
	    ?: row_addf(r, "%s", last) ?: row_addf(r, "%s", age);
}

/* Service PORT(S): "80/TCP", "80:30080/TCP", joined by ",". */
static int add_ports(struct row *r, const json_t *ports)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	json_t *p;
	int ret;

	if (!f)
		return -ENOMEM;
	json_array_foreach (ports, i, p) {
		const char *proto = jstr(p, "protocol");
		long long np = jint(p, "nodePort", 0);

		fprintf(f, "%s%lld", i ? "," : "", jint(p, "port", 0));
		if (np)
			fprintf(f, ":%lld", np);
		fprintf(f, "/%s", proto ? proto : "TCP");
	}
	fclose(f);
	ret = row_addf(r, "%s", or_none(buf));
	free(buf);
	return ret;
}

/* EXTERNAL-IP of a Service (kubectl's getServiceExternalIP). */
static int add_external_ip(struct row *r, const json_t *o)
{
	const char *type = jstr(o, "spec.type") ?: "ClusterIP";
	json_t *ext = jget(o, "spec.externalIPs");
	json_t *ing = jget(o, "status.loadBalancer.ingress");
	char *buf = NULL;
	size_t len = 0, i, n = 0;
	FILE *f;
	json_t *v;
	int ret;

	if (!strcmp(type, "ExternalName"))
		return row_addf(r, "%s", or_none(jstr(o, "spec.externalName")));
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	if (!strcmp(type, "LoadBalancer"))
		json_array_foreach (ing, i, v) {
			const char *a = jstr(v, "ip") ?: jstr(v, "hostname");

			if (a)
				fprintf(f, "%s%s", n++ ? "," : "", a);
		}
	json_array_foreach (ext, i, v)
		fprintf(f, "%s%s", n++ ? "," : "", json_string_value(v) ?: "");
	fclose(f);
	if (n)
		ret = row_addf(r, "%s", buf);
	else if (!strcmp(type, "LoadBalancer"))
		ret = row_addf(r, "<pending>");
	else
		ret = row_addf(r, "<none>");
	free(buf);
	return ret;
}

static int svc_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	const char *ip =
	    json_string_value(json_array_get(jget(o, "spec.clusterIPs"), 0));
	char age[32];
	int ret;

	if (!ip)
		ip = jstr(o, "spec.clusterIP");
	age_of(o, now, age, sizeof(age));
	ret = row_addf(r, "%s", jstr(o, "spec.type") ?: "ClusterIP")
	    ?: row_addf(r, "%s", or_none(ip)) ?: add_external_ip(r, o)
	    ?: add_ports(r, jget(o, "spec.ports")) ?: row_addf(r, "%s", age);
	if (ret || !wide)
		return ret;
	return add_selector(r, jget(o, "spec.selector"));
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Node roles from node-role.kubernetes.io/ROLE and kubernetes.io/role. */
static int add_roles(struct row *r, const json_t *labels)
{
	static const char prefix[] = "node-role.kubernetes.io/";
	const char *roles[64];
	size_t n = 0;
	char buf[1024] = "";
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)labels, k, v) {
		if (n >= 64)
			break;
		if (!strncmp(k, prefix, sizeof(prefix) - 1) &&
		    k[sizeof(prefix) - 1])
			roles[n++] = k + sizeof(prefix) - 1;
		else if (!strcmp(k, "kubernetes.io/role") &&
			 json_string_value(v) && *json_string_value(v))
			roles[n++] = json_string_value(v);
	}
	qsort(roles, n, sizeof(*roles), cmp_cstr);
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "," : "",
			 roles[i]);
	}
	return row_addf(r, "%s", or_none(buf));
}

/* "InternalIP" / "ExternalIP" address of a node, or "<none>". */
static const char *node_address(const json_t *o, const char *type)
{
	size_t i;
	json_t *a;

	json_array_foreach (jget(o, "status.addresses"), i, a)
		if (!strcmp(jstr(a, "type") ?: "", type))
			return or_none(jstr(a, "address"));
	return "<none>";
}

static const char *or_unknown(const char *s)
{
	return s && *s ? s : "<unknown>";
}

static int node_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	const char *status = "Unknown";
	char st[64], age[32];
	size_t i;
	json_t *c;
	int ret;

	json_array_foreach (jget(o, "status.conditions"), i, c)
		if (!strcmp(jstr(c, "type") ?: "", "Ready"))
			status = !strcmp(jstr(c, "status") ?: "", "True")
				     ? "Ready"
				     : "NotReady";
	snprintf(st, sizeof(st), "%s%s", status,
		 json_is_true(jget(o, "spec.unschedulable"))
		     ? ",SchedulingDisabled"
		     : "");
	age_of(o, now, age, sizeof(age));
	ret = row_addf(r, "%s", st) ?: add_roles(r, jget(o, "metadata.labels"))
	    ?: row_addf(r, "%s", age)
	    ?: row_addf(r, "%s", jstr(o, "status.nodeInfo.kubeletVersion") ?: "");
	if (ret || !wide)
		return ret;
	return row_addf(r, "%s", node_address(o, "InternalIP"))
	    ?: row_addf(r, "%s", node_address(o, "ExternalIP"))
	    ?: row_addf(r, "%s", or_unknown(jstr(o, "status.nodeInfo.osImage")))
	    ?: row_addf(r, "%s",
			or_unknown(jstr(o, "status.nodeInfo.kernelVersion")))
	    ?: row_addf(r, "%s", or_unknown(jstr(o, "status.nodeInfo."
						      "containerRuntimeVersion")));
}

static int ns_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];

	age_of(o, now, age, sizeof(age));
	return row_addf(r, "%s", jstr(o, "status.phase") ?: "Active")
		   ?: row_addf(r, "%s", age);
}

static int cm_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];

	age_of(o, now, age, sizeof(age));
	return row_addf(r, "%zu",
			json_object_size(json_object_get(o, "data")) +
			    json_object_size(json_object_get(o, "binaryData")))
		   ?: row_addf(r, "%s", age);
}

static int secret_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];

	age_of(o, now, age, sizeof(age));
	return row_addf(r, "%s", jstr(o, "type") ?: "Opaque")
	    ?: row_addf(r, "%zu",
			json_object_size(json_object_get(o, "data")) +
			    json_object_size(json_object_get(o, "stringData")))
	    ?: row_addf(r, "%s", age);
}

static int sa_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];

	age_of(o, now, age, sizeof(age));
	return row_addf(r, "%zu",
			json_array_size(json_object_get(o, "secrets")))
		   ?: row_addf(r, "%s", age);
}

static int lease_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];

	age_of(o, now, age, sizeof(age));
	return row_addf(r, "%s", or_none(jstr(o, "spec.holderIdentity")))
		   ?: row_addf(r, "%s", age);
}

/* ENDPOINTS: "ip:port,..." of the ready addresses, at most 3 shown. */
static int ep_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char buf[512] = "", age[32];
	size_t i, j, k, shown = 0, total = 0;
	json_t *sub, *a, *p;

	json_array_foreach (json_object_get(o, "subsets"), i, sub) {
		json_t *ports = json_object_get(sub, "ports");

		json_array_foreach (json_object_get(sub, "addresses"), j, a) {
			size_t np = json_array_size(ports) ?: 1;

			for (k = 0; k < np; k++) {
				size_t used = strlen(buf);

				total++;
				if (shown >= 3)
					continue;
				p = json_array_get(ports, k);
				if (p)
					snprintf(buf + used, sizeof(buf) - used,
						 "%s%s:%lld", shown ? "," : "",
						 jstr(a, "ip") ?: "",
						 jint(p, "port", 0));
				else
					snprintf(buf + used, sizeof(buf) - used,
						 "%s%s", shown ? "," : "",
						 jstr(a, "ip") ?: "");
				shown++;
			}
		}
	}
	if (total > shown) {
		size_t used = strlen(buf);

		snprintf(buf + used, sizeof(buf) - used, " + %zu more...",
			 total - shown);
	}
	age_of(o, now, age, sizeof(age));
	return row_addf(r, "%s", or_none(buf)) ?: row_addf(r, "%s", age);
}

/* Events: LAST SEEN TYPE REASON OBJECT MESSAGE (the NAME is dropped). */
static int event_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	const char *last = jstr(o, "lastTimestamp") ?: jstr(o, "eventTime");
	const char *kind = jstr(o, "involvedObject.kind") ?: "";
	char seen[32], obj[600];
	size_t i;

	printer_age(last ?: jstr(o, "metadata.creationTimestamp"), now, seen,
		    sizeof(seen));
	snprintf(obj, sizeof(obj), "%s/%s", kind,
		 jstr(o, "involvedObject.name") ?: "");
	for (i = 0; obj[i] && obj[i] != '/'; i++)
		if (obj[i] >= 'A' && obj[i] <= 'Z')
			obj[i] += 'a' - 'A';
	free(r->cell[0]); /* events are listed without their own name */
	r->cell[0] = strdup(seen);
	if (!r->cell[0]) {
		r->n = 0;
		return -ENOMEM;
	}
	return row_addf(r, "%s", jstr(o, "type") ?: "")
	    ?: row_addf(r, "%s", jstr(o, "reason") ?: "")
	    ?: row_addf(r, "%s", obj)
	    ?: row_addf(r, "%s", jstr(o, "message") ?: "");
}

static int generic_row(const json_t *o, time_t now, bool wide, struct row *r)
{
	char age[32];

	age_of(o, now, age, sizeof(age));
	return row_addf(r, "%s", age);
}

static const struct columns table[] = {
    {"", "pods", "READY|STATUS|RESTARTS|AGE",
     "IP|NODE|NOMINATED NODE|READINESS GATES", pod_row},
    {"apps", "deployments", "READY|UP-TO-DATE|AVAILABLE|AGE",
     "CONTAINERS|IMAGES|SELECTOR", deploy_row},
    {"apps", "replicasets", "DESIRED|CURRENT|READY|AGE",
     "CONTAINERS|IMAGES|SELECTOR", rs_row},
    {"apps", "statefulsets", "READY|AGE", "CONTAINERS|IMAGES", sts_row},
    {"apps", "daemonsets",
     "DESIRED|CURRENT|READY|UP-TO-DATE|AVAILABLE|NODE SELECTOR|AGE",
     "CONTAINERS|IMAGES|SELECTOR", ds_row},
    {"batch", "jobs", "COMPLETIONS|DURATION|AGE", "CONTAINERS|IMAGES|SELECTOR",
     job_row},
    {"batch", "cronjobs", "SCHEDULE|TIMEZONE|SUSPEND|ACTIVE|LAST SCHEDULE|AGE",
     NULL, cronjob_row},
    {"", "services", "TYPE|CLUSTER-IP|EXTERNAL-IP|PORT(S)|AGE", "SELECTOR",
     svc_row},
    {"", "nodes", "STATUS|ROLES|AGE|VERSION",
     "INTERNAL-IP|EXTERNAL-IP|OS-IMAGE|KERNEL-VERSION|CONTAINER-RUNTIME",
     node_row},
    {"", "namespaces", "STATUS|AGE", NULL, ns_row},
    {"", "configmaps", "DATA|AGE", NULL, cm_row},
    {"", "secrets", "TYPE|DATA|AGE", NULL, secret_row},
    {"", "serviceaccounts", "SECRETS|AGE", NULL, sa_row},
    {"", "endpoints", "ENDPOINTS|AGE", NULL, ep_row},
    {"coordination.k8s.io", "leases", "HOLDER|AGE", NULL, lease_row},
    {"", "events", "TYPE|REASON|OBJECT|MESSAGE", NULL, event_row},
};

static const struct columns generic = {"", "", "AGE", NULL, generic_row};

static const struct columns *columns_of(const struct kind_info *k)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].group, k->group) &&
		    !strcmp(table[i].resource, k->resource))
			return &table[i];
	return &generic;
}

static int add_split(struct row *r, const char *list)
{
	while (list && *list) {
		const char *bar = strchr(list, '|');
		int len = bar ? (int)(bar - list) : (int)strlen(list);
		int ret = row_addf(r, "%.*s", len, list);

		if (ret)
			return ret;
		list += len + (bar ? 1 : 0);
	}
	return 0;
}

int printer_headers(const struct kind_info *k, bool wide, struct row *ret)
{
	const struct columns *c = columns_of(k);
	int r = row_addf(ret, "%s", c->row == event_row ? "LAST SEEN" : "NAME")
		    ?: add_split(ret, c->headers);

	if (!r && wide)
		r = add_split(ret, c->wide);
	return r;
}

int printer_row(const struct kind_info *k, const json_t *obj, time_t now,
		bool wide, struct row *ret)
{
	const struct columns *c = columns_of(k);
	int r = row_addf(ret, "%s", jstr(obj, "metadata.name") ?: "");

	return r ?: c->row(obj, now, wide && c->wide, ret);
}
