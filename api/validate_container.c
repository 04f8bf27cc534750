/*
 * validate_container.c — containers and init containers: names, images,
 * ports, env, volume mounts, resources, probes and lifecycle handlers
 * (pkg/apis/core/validation validateContainers and friends).
 */
#include "api/validate.h"

#include <stdio.h>
#include <string.h>

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never",
					    NULL};
static const char *const message_policies[] = {"File", "FallbackToLogsOnError",
					       NULL};
static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
static const char *const init_restart[] = {"Always", NULL};
static const char *const propagations[] = {"None", "HostToContainer",
					   "Bidirectional", NULL};
static const char *const field_paths[] = {"metadata.annotations",
					  "metadata.labels",
					  "metadata.name",
					  "metadata.namespace",
					  "metadata.uid",
					  "spec.nodeName",
					  "spec.serviceAccountName",
					  "status.hostIP",
					  "status.hostIPs",
					  "status.podIP",
					  "status.podIPs",
					  NULL};
static const char *const resource_fields[] = {"limits.cpu",
					      "limits.ephemeral-storage",
					      "limits.memory",
					      "requests.cpu",
					      "requests.ephemeral-storage",
					      "requests.memory",
					      NULL};

static bool one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static void check_enum(struct validation *v, const char *child,
		       const char *value, const char *const *list)
{
	if (!value || !*value)
		verr_required(v, child, NULL);
	else if (!one_of(value, list))
		verr_unsupported_str(v, child, value, list);
}

/* Open list child of obj as an array of objects; NULL if absent or bad.
 * On success the path is at the list (pop with *mark). */
static const json_t *open_list(struct validation *v, const json_t *obj,
			       const char *child, const char *owner,
			       const char *gotype, size_t *mark)
{
	char slice[96];
	const json_t *arr;

	snprintf(slice, sizeof(slice), "[]%s", gotype);
	arr = vget(v, obj, child, VT_ARRAY, owner, slice);
	if (!arr || !vcheck_elems(v, arr, VT_OBJECT, owner, gotype))
		return NULL;
	*mark = vpath_child(v, child);
	return arr;
}

static void validate_ports(struct validation *v, const json_t *c)
{
	json_t *names = json_object();
	const json_t *ports;
	size_t i, mark;
	json_t *p;

	ports =
	    open_list(v, c, "ports", "Container", "v1.ContainerPort", &mark);
	if (!ports || !names)
		goto out;
	json_array_foreach ((json_t *)ports, i, p) {
		size_t m = vpath_index(v, i);
		const char *name = vget_str(v, p, "name", "ContainerPort");
		const char *proto = vget_str(v, p, "protocol", "ContainerPort");
		long long port = 0, host = 0;

		vget_int(v, p, "containerPort", VT_INT32, "ContainerPort",
			 &port);
		vget_int(v, p, "hostPort", VT_INT32, "ContainerPort", &host);
		vget_str(v, p, "hostIP", "ContainerPort");
		if (name && *name) {
			if (vcheck_port_name(v, "name", name) == 0) {
				if (json_object_get(names, name))
					verr_duplicate_str(v, "name", name);
				else
					json_object_set_new(names, name,
							    json_true());
			}
		}
		if (port == 0)
			verr_required(v, "containerPort", NULL);
		else
			vcheck_port_num(v, "containerPort", port);
		if (host != 0)
			vcheck_port_num(v, "hostPort", host);
		check_enum(v, "protocol", proto, protocols);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
out:
	json_decref(names);
}

static void key_selector(struct validation *v, const json_t *sel,
			 const char *owner)
{
	const char *name = vget_str(v, sel, "name", owner);
	const char *key = vget_str(v, sel, "key", owner);

	vget(v, sel, "optional", VT_BOOL, owner, NULL);
	vcheck_dns1123_subdomain(v, "name", name ? name : "");
	if (!key || !*key)
		verr_required(v, "key", NULL);
	else
		vcheck_config_map_key(v, "key", key);
}

static void value_from(struct validation *v, const json_t *from, bool has_value)
{
	static const struct {
		const char *name, *gotype;
	} srcs[] = {
	    {"fieldRef", "v1.ObjectFieldSelector"},
	    {"resourceFieldRef", "v1.ResourceFieldSelector"},
	    {"configMapKeyRef", "v1.ConfigMapKeySelector"},
	    {"secretKeyRef", "v1.SecretKeySelector"},
	};
	size_t mark = vpath_child(v, "valueFrom");
	int n = 0;

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		const json_t *s = vget(v, from, srcs[i].name, VT_OBJECT,
				       "EnvVarSource", srcs[i].gotype);
		size_t m;
		const char *path;

		if (!s)
			continue;
		n++;
		m = vpath_child(v, srcs[i].name);
		switch (i) {
		case 0:
			path =
			    vget_str(v, s, "fieldPath", "ObjectFieldSelector");
			vget_str(v, s, "apiVersion", "ObjectFieldSelector");
			if (!path || !*path)
				verr_required(v, "fieldPath", NULL);
			else if (!one_of(path, field_paths) &&
				 strncmp(path, "metadata.labels['", 17) &&
				 strncmp(path, "metadata.annotations['", 22))
				verr_unsupported_str(v, "fieldPath", path,
						     field_paths);
			break;
		case 1:
			path =
			    vget_str(v, s, "resource", "ResourceFieldSelector");
			vget(v, s, "divisor", VT_QUANTITY,
			     "ResourceFieldSelector", NULL);
			if (!path || !*path)
				verr_required(v, "resource", NULL);
			else if (!one_of(path, resource_fields))
				verr_unsupported_str(v, "resource", path,
						     resource_fields);
			break;
		default:
			key_selector(v, s,
				     i == 2 ? "ConfigMapKeySelector"
					    : "SecretKeySelector");
			break;
		}
		vpath_pop(v, m);
	}
	if (n == 0)
		verr_invalid_str(v, NULL, "",
				 "must specify one of: `fieldRef`, "
				 "`resourceFieldRef`, `configMapKeyRef` or "
				 "`secretKeyRef`");
	else if (n > 1)
		verr_invalid_str(v, NULL, "",
				 "may not have more than one field specified "
				 "at a time");
	else if (has_value)
		verr_invalid_str(v, NULL, "",
				 "may not be specified when `value` is not "
				 "empty");
	vpath_pop(v, mark);
}

static void validate_env(struct validation *v, const json_t *c)
{
	const json_t *env;
	size_t i, mark;
	json_t *e;

	env = open_list(v, c, "env", "Container", "v1.EnvVar", &mark);
	if (!env)
		return;
	json_array_foreach ((json_t *)env, i, e) {
		size_t m = vpath_index(v, i);
		const char *name = vget_str(v, e, "name", "EnvVar");
		const char *value = vget_str(v, e, "value", "EnvVar");
		const json_t *from = vget(v, e, "valueFrom", VT_OBJECT,
					  "EnvVar", "v1.EnvVarSource");

		if (!name)
			name = "";
		if (!*name) {
			verr_required(v, "name", NULL);
			verr_invalid_str(v, "name", name,
					 "environment variable name must be "
					 "non-empty");
		}
		for (const char *p = name; *p; p++) {
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p > 0x7e || *p == '=') {
				verr_invalid_str(v, "name", name,
						 "a valid environment variable "
						 "name must consist only of "
						 "printable ASCII characters "
						 "other than '='");
				break;
			}
		}
		if (from)
			value_from(v, from, value && *value);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

/* A relative path that stays below its root (subPath, items.path). */
static void descending_path(struct validation *v, const char *child,
			    const char *path)
{
	size_t n = strlen(path);

	if (path[0] == '/')
		verr_invalid_str(v, child, path, "must be a relative path");
	else if (!strcmp(path, "..") || !strncmp(path, "../", 3) ||
		 strstr(path, "/../") ||
		 (n >= 3 && !strcmp(path + n - 3, "/..")))
		verr_invalid_str(v, child, path, "must not contain '..'");
}

static void validate_mounts(struct validation *v, const json_t *c,
			    const json_t *volumes)
{
	json_t *points = json_object();
	const json_t *mounts;
	size_t i, mark;
	json_t *mt;

	mounts = open_list(v, c, "volumeMounts", "Container", "v1.VolumeMount",
			   &mark);
	if (!mounts || !points)
		goto out;
	json_array_foreach ((json_t *)mounts, i, mt) {
		size_t m = vpath_index(v, i);
		const char *name = vget_str(v, mt, "name", "VolumeMount");
		const char *path = vget_str(v, mt, "mountPath", "VolumeMount");
		const char *sub = vget_str(v, mt, "subPath", "VolumeMount");
		const char *prop =
		    vget_str(v, mt, "mountPropagation", "VolumeMount");

		vget(v, mt, "readOnly", VT_BOOL, "VolumeMount", NULL);
		if (!name || !*name)
			verr_required(v, "name", NULL);
		if (!json_object_get(volumes, name ? name : ""))
			verr_not_found_str(v, "name", name ? name : "");
		if (!path || !*path) {
			verr_required(v, "mountPath", NULL);
		} else {
			if (json_object_get(points, path))
				verr_invalid_str(v, "mountPath", path,
						 "must be unique");
			json_object_set_new(points, path, json_true());
		}
		if (sub && *sub)
			descending_path(v, "subPath", sub);
		if (prop && !one_of(prop, propagations))
			verr_unsupported_str(v, "mountPropagation", prop,
					     propagations);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
out:
	json_decref(points);
}

static bool overcommit_allowed(const char *name)
{
	return !strcmp(name, "cpu") || !strcmp(name, "memory") ||
	       !strcmp(name, "ephemeral-storage");
}

static bool standard_resource(const char *name)
{
	return overcommit_allowed(name) || !strncmp(name, "hugepages-", 10);
}

/* One ResourceList: names and quantities. */
static void resource_list(struct validation *v, const json_t *list,
			  const char *child)
{
	size_t mark = vpath_child(v, child);
	const char *name;
	json_t *q;

	json_object_foreach ((json_t *)list, name, q) {
		struct quantity qty;
		size_t m = vpath_key(v, name);
		char text[QUANTITY_STRLEN];

		vcheck_qualified_name(v, NULL, name);
		if (!strchr(name, '/')) {
			if (!standard_resource(name))
				verr_invalid_str(v, NULL, name,
						 "must be a standard resource "
						 "for containers");
		} else if (!strstr(name, "kubernetes.io/") &&
			   !strncmp(name, "requests.", 9)) {
			verr_invalid_str(v, NULL, name,
					 "doesn't follow extended resource "
					 "name standard");
		}
		if (quantity_from_json(q, &qty) == 0) {
			quantity_format(&qty, text);
			if (quantity_sign(&qty) < 0)
				verr_invalid_str(v, NULL, text,
						 "must be greater than or "
						 "equal to 0");
			else if (strchr(name, '/') &&
				 !strstr(name, "kubernetes.io/") &&
				 !quantity_is_integer(&qty))
				verr_invalid_str(v, NULL, text,
						 "must be an integer");
		}
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

static void validate_resources(struct validation *v, const json_t *c)
{
	const json_t *res = vget(v, c, "resources", VT_OBJECT, "Container",
				 "v1.ResourceRequirements");
	const json_t *limits, *requests;
	const char *name;
	json_t *q;
	size_t mark;

	if (!res)
		return;
	mark = vpath_child(v, "resources");
	limits = vget(v, res, "limits", VT_OBJECT, "ResourceRequirements",
		      "v1.ResourceList");
	requests = vget(v, res, "requests", VT_OBJECT, "ResourceRequirements",
			"v1.ResourceList");
	json_object_foreach ((json_t *)limits, name, q) {
		size_t m = vpath_child(v, "limits");

		vget(v, limits, name, VT_QUANTITY, "ResourceRequirements",
		     NULL);
		vpath_pop(v, m);
	}
	json_object_foreach ((json_t *)requests, name, q) {
		size_t m = vpath_child(v, "requests");

		vget(v, requests, name, VT_QUANTITY, "ResourceRequirements",
		     NULL);
		vpath_pop(v, m);
	}
	resource_list(v, limits, "limits");
	resource_list(v, requests, "requests");
	json_object_foreach ((json_t *)requests, name, q) {
		json_t *l = json_object_get(limits, name);
		struct quantity rq, lq;
		char rt[QUANTITY_STRLEN], lt[QUANTITY_STRLEN], detail[160];

		if (quantity_from_json(q, &rq) < 0)
			continue;
		if (!l) {
			if (!overcommit_allowed(name))
				verr_required(v, "limits",
					      "Limit must be set for non "
					      "overcommitable resources");
			continue;
		}
		if (quantity_from_json(l, &lq) < 0)
			continue;
		quantity_format(&rq, rt);
		quantity_format(&lq, lt);
		if (quantity_cmp(&rq, &lq) != 0 && !overcommit_allowed(name)) {
			snprintf(detail, sizeof(detail),
				 "must be equal to %.40s limit of %s", name,
				 lt);
			verr_invalid_str(v, "requests", rt, detail);
		} else if (quantity_cmp(&rq, &lq) > 0) {
			snprintf(detail, sizeof(detail),
				 "must be less than or equal to %.40s limit of "
				 "%s",
				 name, lt);
			verr_invalid_str(v, "requests", rt, detail);
		}
	}
	vpath_pop(v, mark);
}

/* A probe or lifecycle handler: exactly one action. */
static void validate_handler(struct validation *v, const json_t *h,
			     const char *owner, bool lifecycle)
{
	const char *const kinds[] = {"exec", "httpGet", "tcpSocket",
				     lifecycle ? "sleep" : "grpc"};
	const char *const types[] = {
	    "v1.ExecAction", "v1.HTTPGetAction", "v1.TCPSocketAction",
	    lifecycle ? "v1.SleepAction" : "v1.GRPCAction"};
	int n = 0;

	for (size_t i = 0; i < 4; i++) {
		const json_t *a =
		    vget(v, h, kinds[i], VT_OBJECT, owner, types[i]);
		const json_t *x;
		const char *s;
		size_t m;
		long long num = 0;

		if (!a)
			continue;
		if (n++ > 0) {
			verr_forbidden(v, kinds[i],
				       "may not specify more than 1 handler "
				       "type");
			continue;
		}
		m = vpath_child(v, kinds[i]);
		switch (i) {
		case 0:
			x = vget(v, a, "command", VT_ARRAY, "ExecAction",
				 "[]string");
			if (x)
				vcheck_elems(v, x, VT_STRING, "ExecAction",
					     "string");
			if (json_array_size(x) == 0)
				verr_required(v, "command", NULL);
			break;
		case 1:
		case 2:
			x = vget(v, a, "port", VT_INTSTR, NULL, NULL);
			if (!x)
				vcheck_port_num(v, "port", 0);
			else
				vcheck_port_num_or_name(v, "port", x);
			if (i == 1) {
				s = vget_str(v, a, "scheme", "HTTPGetAction");
				if (s && !one_of(s, schemes))
					verr_unsupported_str(v, "scheme", s,
							     schemes);
				vget_str(v, a, "path", "HTTPGetAction");
				vget(v, a, "httpHeaders", VT_ARRAY,
				     "HTTPGetAction", "[]v1.HTTPHeader");
			}
			break;
		case 3:
			if (lifecycle) {
				vget_int(v, a, "seconds", VT_INT64,
					 "SleepAction", &num);
				vcheck_nonnegative(v, "seconds", num);
			} else {
				vget_int(v, a, "port", VT_INT32, "GRPCAction",
					 &num);
				vcheck_port_num(v, "port", num);
			}
			break;
		}
		vpath_pop(v, m);
	}
	if (n == 0)
		verr_required(v, NULL, "must specify a handler type");
}

static void validate_probe(struct validation *v, const json_t *c,
			   const char *which)
{
	static const char *const counts[] = {
	    "initialDelaySeconds", "timeoutSeconds", "periodSeconds",
	    "successThreshold", "failureThreshold"};
	const json_t *p = vget(v, c, which, VT_OBJECT, "Container", "v1.Probe");
	size_t mark;
	long long n;

	if (!p)
		return;
	mark = vpath_child(v, which);
	validate_handler(v, p, "Probe", false);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (vget_int(v, p, counts[i], VT_INT32, "Probe", &n))
			vcheck_nonnegative(v, counts[i], n);
	if (vget_int(v, p, "terminationGracePeriodSeconds", VT_INT64, "Probe",
		     &n)) {
		if (!strcmp(which, "readinessProbe"))
			verr_invalid_int(v, "terminationGracePeriodSeconds", n,
					 "must not be set for readinessProbes");
		else if (n <= 0)
			verr_invalid_int(v, "terminationGracePeriodSeconds", n,
					 "must be greater than 0");
	}
	if (strcmp(which, "readinessProbe") &&
	    vget_int(v, p, "successThreshold", VT_INT32, "Probe", &n) && n != 1)
		verr_invalid_int(v, "successThreshold", n, "must be 1");
	vpath_pop(v, mark);
}

static void validate_lifecycle(struct validation *v, const json_t *c)
{
	const json_t *lc =
	    vget(v, c, "lifecycle", VT_OBJECT, "Container", "v1.Lifecycle");
	static const char *const hooks[] = {"postStart", "preStop"};
	size_t mark;

	if (!lc)
		return;
	mark = vpath_child(v, "lifecycle");
	for (size_t i = 0; i < 2; i++) {
		const json_t *h = vget(v, lc, hooks[i], VT_OBJECT, "Lifecycle",
				       "v1.LifecycleHandler");
		size_t m;

		if (!h)
			continue;
		m = vpath_child(v, hooks[i]);
		validate_handler(v, h, "LifecycleHandler", true);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

/* What every container kind shares (validateContainerCommon). */
static void container_common(struct validation *v, const json_t *c,
			     const json_t *volumes, enum pod_spec_ctx ctx,
			     const char **ret_name)
{
	const char *name = vget_str(v, c, "name", "Container");
	const char *image = vget_str(v, c, "image", "Container");
	const json_t *x;
	size_t n;

	if (!name || !*name)
		verr_required(v, "name", NULL);
	else
		vcheck_dns1123_label(v, "name", name);
	n = image ? strlen(image) : 0;
	if (n == 0)
		verr_required(v, "image", NULL);
	else if (ctx == POD_SPEC_POD && (strchr(" \t\n\r\v\f", image[0]) ||
					 strchr(" \t\n\r\v\f", image[n - 1])))
		verr_invalid_str(v, "image", image,
				 "must not have leading or trailing "
				 "whitespace");
	check_enum(v, "terminationMessagePolicy",
		   vget_str(v, c, "terminationMessagePolicy", "Container"),
		   message_policies);
	vget_str(v, c, "terminationMessagePath", "Container");
	vget_str(v, c, "workingDir", "Container");
	x = vget(v, c, "command", VT_ARRAY, "Container", "[]string");
	if (x)
		vcheck_elems(v, x, VT_STRING, "Container", "string");
	x = vget(v, c, "args", VT_ARRAY, "Container", "[]string");
	if (x)
		vcheck_elems(v, x, VT_STRING, "Container", "string");
	validate_ports(v, c);
	validate_env(v, c);
	vget(v, c, "envFrom", VT_ARRAY, "Container", "[]v1.EnvFromSource");
	validate_mounts(v, c, volumes);
	check_enum(v, "imagePullPolicy",
		   vget_str(v, c, "imagePullPolicy", "Container"),
		   pull_policies);
	validate_resources(v, c);
	vget(v, c, "securityContext", VT_OBJECT, "Container",
	     "v1.SecurityContext");
	*ret_name = name;
}

void validate_containers(struct validation *v, const json_t *spec,
			 const json_t *volumes, enum pod_spec_ctx ctx)
{
	static const char *const lists[] = {"containers", "initContainers"};
	json_t *names = json_object();

	if (!names) {
		v->nomem = true;
		return;
	}
	for (size_t l = 0; l < 2; l++) {
		bool init = l == 1;
		const json_t *arr;
		size_t i, mark;
		json_t *c;

		const json_t *raw = json_object_get(spec, lists[l]);

		arr = open_list(v, spec, lists[l], "PodSpec", "v1.Container",
				&mark);
		if (!arr) {
			if (!init && (!raw || json_is_null(raw)))
				verr_required(v, lists[l], NULL);
			continue;
		}
		if (!init && json_array_size(arr) == 0)
			verr_required(v, NULL, NULL);
		json_array_foreach ((json_t *)arr, i, c) {
			size_t m = vpath_index(v, i);
			const char *name = NULL, *rp;
			bool sidecar;

			container_common(v, c, volumes, ctx, &name);
			if (name && json_object_get(names, name))
				verr_duplicate_str(v, "name", name);
			else if (name && *name)
				json_object_set_new(names, name, json_true());
			rp = vget_str(v, c, "restartPolicy", "Container");
			sidecar = init && rp && !strcmp(rp, "Always");
			if (rp && !init)
				verr_forbidden(v, "restartPolicy",
					       "may not be set for non-init "
					       "containers");
			else if (rp && !sidecar)
				verr_unsupported_str(v, "restartPolicy", rp,
						     init_restart);
			if (init && !sidecar) {
				static const char *const no[] = {
				    "lifecycle", "livenessProbe",
				    "readinessProbe", "startupProbe"};

				for (size_t k = 0; k < 4; k++)
					if (json_object_get(c, no[k]))
						verr_forbidden(
						    v, no[k],
						    "may not be set for init "
						    "containers without "
						    "restartPolicy=Always");
			} else {
				validate_lifecycle(v, c);
				validate_probe(v, c, "livenessProbe");
				if (!init)
					validate_probe(v, c, "readinessProbe");
				validate_probe(v, c, "startupProbe");
			}
			vpath_pop(v, m);
		}
		vpath_pop(v, mark);
	}
	json_decref(names);
}
