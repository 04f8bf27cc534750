/*
 * validate_pod.c — Pods and pod templates: the PodSpec, volumes,
 * tolerations and what a Pod update may change
 * (pkg/apis/core/validation ValidatePodSpec, ValidatePodUpdate).
 */
#include "api/validate.h"

#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"

static const char *const restart_policies[] = {"Always", "OnFailure", "Never",
					       NULL};
static const char *const dns_policies[] = {
    "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None", NULL};
static const char *const toleration_ops[] = {"Equal", "Exists", NULL};
static const char *const taint_effects[] = {"NoSchedule", "PreferNoSchedule",
					    "NoExecute", NULL};
static const char *const host_path_types[] = {
    "",	    "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
    "File", "FileOrCreate", "Socket",	  NULL};

/* The volume sources kubefs knows, and the Go type of each. */
static const struct {
	const char *name, *gotype;
} volume_sources[] = {
    {"emptyDir", "v1.EmptyDirVolumeSource"},
    {"hostPath", "v1.HostPathVolumeSource"},
    {"configMap", "v1.ConfigMapVolumeSource"},
    {"secret", "v1.SecretVolumeSource"},
    {"persistentVolumeClaim", "v1.PersistentVolumeClaimVolumeSource"},
    {"projected", "v1.ProjectedVolumeSource"},
    {"downwardAPI", "v1.DownwardAPIVolumeSource"},
    {"nfs", "v1.NFSVolumeSource"},
    {"csi", "v1.CSIVolumeSource"},
    {"ephemeral", "v1.EphemeralVolumeSource"},
    {"image", "v1.ImageVolumeSource"},
    {"iscsi", "v1.ISCSIVolumeSource"},
    {"gitRepo", "v1.GitRepoVolumeSource"},
};

static void check_mode(struct validation *v, const json_t *src,
		       const char *field, const char *owner)
{
	long long mode;

	if (vget_int(v, src, field, VT_INT32, owner, &mode) &&
	    (mode < 0 || mode > 0777))
		verr_invalid_int(v, field, mode,
				 "must be a number between 0 and 0777 (octal), "
				 "both inclusive");
}

/* items: [{key, path, mode}] of configMap, secret volumes. */
static void check_key_paths(struct validation *v, const json_t *src,
			    const char *owner)
{
	const json_t *items =
	    vget(v, src, "items", VT_ARRAY, owner, "[]v1.KeyToPath");
	size_t i, mark;
	json_t *it;

	if (!items || !vcheck_elems(v, items, VT_OBJECT, owner, "v1.KeyToPath"))
		return;
	mark = vpath_child(v, "items");
	json_array_foreach ((json_t *)items, i, it) {
		size_t m = vpath_index(v, i);
		const char *key = vget_str(v, it, "key", "KeyToPath");
		const char *path = vget_str(v, it, "path", "KeyToPath");

		if (!key || !*key)
			verr_required(v, "key", NULL);
		if (!path || !*path)
			verr_required(v, "path", NULL);
		else if (path[0] == '/')
			verr_invalid_str(v, "path", path,
					 "must be a relative path");
		else if (!strcmp(path, "..") || !strncmp(path, "../", 3) ||
			 strstr(path, "/../") ||
			 (strlen(path) >= 3 &&
			  !strcmp(path + strlen(path) - 3, "/..")))
			verr_invalid_str(v, "path", path,
					 "must not contain '..'");
		check_mode(v, it, "mode", "KeyToPath");
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

static void check_source(struct validation *v, const char *name,
			 const json_t *src)
{
	size_t mark = vpath_child(v, name);
	const char *s;

	if (!strcmp(name, "hostPath")) {
		s = vget_str(v, src, "path", "HostPathVolumeSource");
		if (!s || !*s)
			verr_required(v, "path", NULL);
		s = vget_str(v, src, "type", "HostPathVolumeSource");
		if (s) {
			bool ok = false;

			for (size_t i = 0; host_path_types[i]; i++)
				ok |= !strcmp(s, host_path_types[i]);
			if (!ok)
				verr_unsupported_str(v, "type", s,
						     host_path_types);
		}
	} else if (!strcmp(name, "emptyDir")) {
		vget(v, src, "medium", VT_STRING, "EmptyDirVolumeSource", NULL);
		vget(v, src, "sizeLimit", VT_QUANTITY, "EmptyDirVolumeSource",
		     NULL);
	} else if (!strcmp(name, "configMap")) {
		s = vget_str(v, src, "name", "ConfigMapVolumeSource");
		if (!s || !*s)
			verr_required(v, "name", NULL);
		check_mode(v, src, "defaultMode", "ConfigMapVolumeSource");
		check_key_paths(v, src, "ConfigMapVolumeSource");
	} else if (!strcmp(name, "secret")) {
		s = vget_str(v, src, "secretName", "SecretVolumeSource");
		if (!s || !*s)
			verr_required(v, "secretName", NULL);
		check_mode(v, src, "defaultMode", "SecretVolumeSource");
		check_key_paths(v, src, "SecretVolumeSource");
	} else if (!strcmp(name, "persistentVolumeClaim")) {
		s = vget_str(v, src, "claimName",
			     "PersistentVolumeClaimVolumeSource");
		if (!s || !*s)
			verr_required(v, "claimName", NULL);
	} else if (!strcmp(name, "nfs")) {
		s = vget_str(v, src, "server", "NFSVolumeSource");
		if (!s || !*s)
			verr_required(v, "server", NULL);
		s = vget_str(v, src, "path", "NFSVolumeSource");
		if (!s || !*s)
			verr_required(v, "path", NULL);
		else if (s[0] != '/')
			verr_invalid_str(v, "path", s,
					 "must be an absolute path");
	} else if (!strcmp(name, "csi")) {
		s = vget_str(v, src, "driver", "CSIVolumeSource");
		if (!s || !*s)
			verr_required(v, "driver", NULL);
	} else if (!strcmp(name, "image")) {
		s = vget_str(v, src, "reference", "ImageVolumeSource");
		if (!s || !*s)
			verr_required(v, "reference", NULL);
	}
	vpath_pop(v, mark);
}

/* spec.volumes; returns the names of the valid ones as a set. */
static json_t *validate_volumes(struct validation *v, const json_t *spec)
{
	const json_t *vols =
	    vget(v, spec, "volumes", VT_ARRAY, "PodSpec", "[]v1.Volume");
	json_t *names = json_object();
	size_t i, mark;
	json_t *vol;

	if (!names) {
		v->nomem = true;
		return NULL;
	}
	if (!vols || !vcheck_elems(v, vols, VT_OBJECT, "PodSpec", "v1.Volume"))
		return names;
	mark = vpath_child(v, "volumes");
	json_array_foreach ((json_t *)vols, i, vol) {
		size_t m = vpath_index(v, i);
		unsigned before = v->nerrs + v->dropped;
		const char *name = vget_str(v, vol, "name", "Volume");
		int nsrc = 0;

		for (size_t s = 0;
		     s < sizeof(volume_sources) / sizeof(volume_sources[0]);
		     s++) {
			const json_t *src =
			    vget(v, vol, volume_sources[s].name, VT_OBJECT,
				 "Volume", volume_sources[s].gotype);

			if (!src)
				continue;
			if (nsrc++ > 0) {
				verr_forbidden(v, volume_sources[s].name,
					       "may not specify more than 1 "
					       "volume type");
				continue;
			}
			check_source(v, volume_sources[s].name, src);
		}
		if (nsrc == 0)
			verr_required(v, NULL, "must specify a volume type");
		if (!name || !*name)
			verr_required(v, "name", NULL);
		else
			vcheck_dns1123_label(v, "name", name);
		if (name && json_object_get(names, name))
			verr_duplicate_str(v, "name", name);
		if (name && v->nerrs + v->dropped == before)
			json_object_set_new(names, name, json_true());
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
	return names;
}

static bool one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* A policy field that defaulting fills: required, then one of list. */
static void check_enum(struct validation *v, const char *child,
		       const char *value, const char *const *list)
{
	if (!value || !*value)
		verr_required(v, child, NULL);
	else if (!one_of(value, list))
		verr_unsupported_str(v, child, value, list);
}

void validate_tolerations(struct validation *v, const json_t *tolerations)
{
	size_t i;
	json_t *t;

	if (!vcheck_elems(v, tolerations, VT_OBJECT, "PodSpec",
			  "v1.Toleration"))
		return;
	json_array_foreach ((json_t *)tolerations, i, t) {
		size_t m = vpath_index(v, i);
		const char *key = vget_str(v, t, "key", "Toleration");
		const char *op = vget_str(v, t, "operator", "Toleration");
		const char *val = vget_str(v, t, "value", "Toleration");
		const char *effect = vget_str(v, t, "effect", "Toleration");
		long long secs;
		bool has_secs = vget_int(v, t, "tolerationSeconds", VT_INT64,
					 "Toleration", &secs);

		if (!op)
			op = "";
		if (!val)
			val = "";
		if (key && *key)
			vcheck_qualified_name(v, "key", key);
		if ((!key || !*key) && strcmp(op, "Exists"))
			verr_invalid_str(
			    v, "operator", op,
			    "operator must be Exists when `key` is "
			    "empty, which means \"match all values "
			    "and all keys\"");
		if (has_secs && (!effect || strcmp(effect, "NoExecute")))
			verr_invalid_str(v, "effect", effect ? effect : "",
					 "effect must be 'NoExecute' when "
					 "`tolerationSeconds` is set");
		if (!*op || !strcmp(op, "Equal")) {
			char buf[512];
			const char *msg =
			    label_value_message(val, ";", buf, sizeof(buf));

			if (msg)
				verr_invalid_str(v, "operator", val, msg);
		} else if (!strcmp(op, "Exists")) {
			if (*val)
				verr_invalid(v, "operator", t,
					     "value must be empty when "
					     "`operator` is 'Exists'");
		} else {
			verr_unsupported_str(v, "operator", op, toleration_ops);
		}
		if (effect && *effect && !one_of(effect, taint_effects))
			verr_unsupported_str(v, "effect", effect,
					     taint_effects);
		vpath_pop(v, m);
	}
}

void validate_pod_spec(struct validation *v, const json_t *spec,
		       enum pod_spec_ctx ctx)
{
	_cleanup_json_ json_t *vols = validate_volumes(v, spec);
	const json_t *x;
	const char *s;
	long long n;

	validate_containers(v, spec, vols, ctx);
	check_enum(v, "restartPolicy",
		   vget_str(v, spec, "restartPolicy", "PodSpec"),
		   restart_policies);
	check_enum(v, "dnsPolicy", vget_str(v, spec, "dnsPolicy", "PodSpec"),
		   dns_policies);
	x = vget(v, spec, "nodeSelector", VT_STRMAP, "PodSpec", NULL);
	validate_labels(v, x, "nodeSelector");
	vget(v, spec, "securityContext", VT_OBJECT, "PodSpec",
	     "v1.PodSecurityContext");
	vget(v, spec, "affinity", VT_OBJECT, "PodSpec", "v1.Affinity");
	vget(v, spec, "hostNetwork", VT_BOOL, "PodSpec", NULL);
	vget(v, spec, "enableServiceLinks", VT_BOOL, "PodSpec", NULL);
	vget_str(v, spec, "schedulerName", "PodSpec");

	s = vget_str(v, spec, "serviceAccountName", "PodSpec");
	if (s && *s)
		vcheck_dns1123_subdomain(v, "serviceAccountName", s);
	s = vget_str(v, spec, "nodeName", "PodSpec");
	if (s && *s)
		vcheck_dns1123_subdomain(v, "nodeName", s);
	if (vget_int(v, spec, "activeDeadlineSeconds", VT_INT64, "PodSpec",
		     &n) &&
	    (n < 1 || n > 2147483647))
		verr_invalid_int(v, "activeDeadlineSeconds", n,
				 "must be between 1 and 2147483647, inclusive");
	if (vget_int(v, spec, "terminationGracePeriodSeconds", VT_INT64,
		     "PodSpec", &n))
		vcheck_nonnegative(v, "terminationGracePeriodSeconds", n);
	s = vget_str(v, spec, "hostname", "PodSpec");
	if (s && *s)
		vcheck_dns1123_label(v, "hostname", s);
	s = vget_str(v, spec, "subdomain", "PodSpec");
	if (s && *s)
		vcheck_dns1123_label(v, "subdomain", s);
	x = vget(v, spec, "tolerations", VT_ARRAY, "PodSpec",
		 "[]v1.Toleration");
	if (x) {
		size_t m = vpath_child(v, "tolerations");

		validate_tolerations(v, x);
		vpath_pop(v, m);
	}
	s = vget_str(v, spec, "priorityClassName", "PodSpec");
	if (s && *s)
		vcheck_dns1123_subdomain(v, "priorityClassName", s);
}

const json_t *validate_pod_template(struct validation *v, const json_t *parent,
				    const char *child, const char *owner)
{
	const json_t *tmpl, *meta, *labels = NULL, *spec;
	size_t mark;

	tmpl = vget(v, parent, child, VT_OBJECT, owner, "v1.PodTemplateSpec");
	mark = vpath_child(v, child);
	meta = vget(v, tmpl, "metadata", VT_OBJECT, "PodTemplateSpec",
		    "v1.ObjectMeta");
	if (meta) {
		size_t m = vpath_child(v, "metadata");

		labels = vget(v, meta, "labels", VT_STRMAP, "ObjectMeta", NULL);
		vpath_pop(v, m);
		/* Kubernetes reports these without "metadata." */
		validate_labels(v, labels, "labels");
		m = vpath_child(v, "metadata");
		meta =
		    vget(v, meta, "annotations", VT_STRMAP, "ObjectMeta", NULL);
		vpath_pop(v, m);
		validate_annotations(v, meta, "annotations");
	}
	spec =
	    vget(v, tmpl, "spec", VT_OBJECT, "PodTemplateSpec", "v1.PodSpec");
	{
		size_t m = vpath_child(v, "spec");
		json_t *empty = spec ? NULL : json_object();

		validate_pod_spec(v, spec ? spec : empty, POD_SPEC_TEMPLATE);
		json_decref(empty);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
	return labels;
}

/* ---- Pod ---- */

/* Old tolerations must all still be there (tolerationSeconds may
 * change). */
static bool only_added_tolerations(const json_t *now, const json_t *old)
{
	size_t i, j;
	json_t *o, *n;

	json_array_foreach ((json_t *)old, i, o) {
		bool found = false;

		json_array_foreach ((json_t *)now, j, n) {
			_cleanup_json_ json_t *a = json_deep_copy(o);
			_cleanup_json_ json_t *b = json_deep_copy(n);

			if (!a || !b)
				return false;
			json_object_del(a, "tolerationSeconds");
			json_object_del(b, "tolerationSeconds");
			if (json_equal(a, b)) {
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

/* Put old's value of key into now (or remove it). */
static void take(json_t *now, const json_t *old, const char *key)
{
	json_t *x = json_object_get(old, key);

	if (x)
		json_object_set_new(now, key, json_deep_copy(x));
	else
		json_object_del(now, key);
}

static bool containers_update(struct validation *v, json_t *spec,
			      const json_t *ospec, const char *list)
{
	json_t *now = json_object_get(spec, list);
	json_t *old = json_object_get(ospec, list);
	size_t i, mark;
	json_t *c;

	if (json_array_size(now) != json_array_size(old)) {
		verr_forbidden(v, list,
			       "pod updates may not add or remove containers");
		return false;
	}
	mark = vpath_child(v, list);
	json_array_foreach (now, i, c) {
		const char *img =
		    json_string_value(json_object_get(c, "image"));
		size_t m = vpath_index(v, i);

		if (!img || !*img)
			verr_required(v, "image", NULL);
		vpath_pop(v, m);
		if (json_is_object(c))
			take(c, json_array_get(old, i), "image");
	}
	vpath_pop(v, mark);
	return true;
}

static void validate_pod_update(struct validation *v, const json_t *obj,
				const json_t *old)
{
	const json_t *ospec = json_object_get(old, "spec");
	_cleanup_json_ json_t *spec =
	    json_deep_copy(json_object_get(obj, "spec"));
	json_t *ads, *oads, *grace, *ograce;
	size_t mark = vpath_child(v, "spec");

	if (!json_is_object(spec) || !json_is_object(ospec))
		goto out;
	if (!containers_update(v, spec, ospec, "containers") ||
	    !containers_update(v, spec, ospec, "initContainers"))
		goto out;

	ads = json_object_get(spec, "activeDeadlineSeconds");
	oads = json_object_get(ospec, "activeDeadlineSeconds");
	if (json_is_integer(ads)) {
		long long n = json_integer_value(ads);

		if (n < 0 || n > 2147483647) {
			verr_invalid_int(v, "activeDeadlineSeconds", n,
					 "must be between 0 and 2147483647, "
					 "inclusive");
			goto out;
		}
		if (json_is_integer(oads) && json_integer_value(oads) < n) {
			verr_invalid_int(v, "activeDeadlineSeconds", n,
					 "must be less than or equal to "
					 "previous value");
			goto out;
		}
	} else if (json_is_integer(oads)) {
		verr(v, "activeDeadlineSeconds",
		     "Invalid value: null: must not update from a positive "
		     "integer to nil value");
	}
	take(spec, ospec, "activeDeadlineSeconds");

	if (!only_added_tolerations(json_object_get(spec, "tolerations"),
				    json_object_get(ospec, "tolerations")))
		verr_forbidden(v, "tolerations",
			       "existing toleration can not be modified except "
			       "its tolerationSeconds");
	take(spec, ospec, "tolerations");

	/* a negative grace period may become 1 */
	grace = json_object_get(spec, "terminationGracePeriodSeconds");
	ograce = json_object_get(ospec, "terminationGracePeriodSeconds");
	if (json_integer_value(ograce) < 0 && json_integer_value(grace) == 1)
		take(spec, ospec, "terminationGracePeriodSeconds");

	if (!json_equal(spec, (json_t *)ospec))
		verr_forbidden(v, NULL,
			       "pod updates may not change fields other than "
			       "`spec.containers[*].image`,"
			       "`spec.initContainers[*].image`,"
			       "`spec.activeDeadlineSeconds`,"
			       "`spec.tolerations` (only additions to existing "
			       "tolerations),"
			       "`spec.terminationGracePeriodSeconds` (allow it "
			       "to be set to 1 if it was previously negative)");
out:
	vpath_pop(v, mark);
}

void validate_pod(struct validation *v, const json_t *obj, const json_t *old)
{
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "Pod", "v1.PodSpec");
	_cleanup_json_ json_t *empty = spec ? NULL : json_object();
	size_t mark = vpath_child(v, "spec");

	validate_pod_spec(v, spec ? spec : empty, POD_SPEC_POD);
	vpath_pop(v, mark);
	if (old && validation_ok(v))
		validate_pod_update(v, obj, old);
}
