/*
 * validate_batch.c — batch/v1: Job and CronJob (pkg/apis/batch/
 * validation), and the cron schedule parser Kubernetes uses
 * (robfig/cron v3, ParseStandard).
 */
#include "api/validate.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

#define CONTROLLER_UID "batch.kubernetes.io/controller-uid"

static const char *const job_restart[] = {"OnFailure", "Never", NULL};
static const char *const completion_modes[] = {"NonIndexed", "Indexed", NULL};
static const char *const concurrency[] = {"Allow", "Forbid", "Replace", NULL};

/* ---- cron ---- */

struct bounds {
	unsigned min, max;
	const char *const *names; /* names[i] is value min + i... or NULL */
	unsigned names_base;
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may",
					  "jun", "jul", "aug", "sep", "oct",
					  "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed",
					"thu", "fri", "sat", NULL};

static const struct bounds cron_fields[5] = {
    {0, 59, NULL, 0},	     {0, 23, NULL, 0},	   {1, 31, NULL, 0},
    {1, 12, month_names, 1}, {0, 6, dow_names, 0},
};

/* Go's strconv.Atoi, then "negative number" as robfig/cron words it. */
static int parse_uint(const char *s, size_t n, unsigned *ret, char *buf,
		      size_t size)
{
	char text[64];
	long long v = 0;
	size_t i = 0;
	bool neg = false;

	snprintf(text, sizeof(text), "%.*s", (int)(n < 63 ? n : 63), s);
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == n) {
		snprintf(buf, size,
			 "failed to parse int from %s: strconv.Atoi: parsing "
			 "\"%s\": invalid syntax",
			 text, text);
		return -EINVAL;
	}
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			snprintf(buf, size,
				 "failed to parse int from %s: strconv.Atoi: "
				 "parsing \"%s\": invalid syntax",
				 text, text);
			return -EINVAL;
		}
		if (v > (LLONG_MAX - 9) / 10) {
			snprintf(buf, size,
				 "failed to parse int from %s: strconv.Atoi: "
				 "parsing \"%s\": value out of range",
				 text, text);
			return -EINVAL;
		}
		v = v * 10 + (s[i] - '0');
	}
	if (neg && v != 0) {
		snprintf(buf, size, "negative number (-%lld) not allowed: %s",
			 v, text);
		return -EINVAL;
	}
	*ret = v > UINT_MAX ? UINT_MAX : (unsigned)v;
	return 0;
}

static int int_or_name(const char *s, size_t n, const struct bounds *b,
		       unsigned *ret, char *buf, size_t size)
{
	for (size_t i = 0; b->names && b->names[i]; i++)
		if (n == strlen(b->names[i]) &&
		    !strncasecmp(s, b->names[i], n)) {
			*ret = b->names_base + (unsigned)i;
			return 0;
		}
	return parse_uint(s, n, ret, buf, size);
}

/* One comma-separated element: * ? N N-M with optional /step. */
static int cron_range(const char *expr, size_t n, const struct bounds *b,
		      char *buf, size_t size)
{
	char text[128];
	const char *slash = memchr(expr, '/', n);
	size_t rn = slash ? (size_t)(slash - expr) : n;
	const char *dash = memchr(expr, '-', rn);
	unsigned start, end, step = 1;
	int r;

	snprintf(text, sizeof(text), "%.*s", (int)(n < 127 ? n : 127), expr);
	if ((rn == 1 && (expr[0] == '*' || expr[0] == '?'))) {
		start = b->min;
		end = b->max;
	} else {
		size_t ln = dash ? (size_t)(dash - expr) : rn;

		r = int_or_name(expr, ln, b, &start, buf, size);
		if (r < 0)
			return r;
		end = start;
		if (dash) {
			const char *hi = dash + 1;
			size_t hn = rn - ln - 1;

			if (memchr(hi, '-', hn)) {
				snprintf(buf, size, "too many hyphens: %s",
					 text);
				return -EINVAL;
			}
			r = int_or_name(hi, hn, b, &end, buf, size);
			if (r < 0)
				return r;
		}
	}
	if (slash) {
		size_t sn = n - rn - 1;

		if (memchr(slash + 1, '/', sn)) {
			snprintf(buf, size, "too many slashes: %s", text);
			return -EINVAL;
		}
		r = parse_uint(slash + 1, sn, &step, buf, size);
		if (r < 0)
			return r;
		if (!dash && !(rn == 1 && (expr[0] == '*' || expr[0] == '?')))
			end = b->max; /* "N/step" is "N-max/step" */
	}
	if (start < b->min) {
		snprintf(buf, size,
			 "beginning of range (%u) below minimum (%u): %s",
			 start, b->min, text);
		return -EINVAL;
	}
	if (end > b->max) {
		snprintf(buf, size, "end of range (%u) above maximum (%u): %s",
			 end, b->max, text);
		return -EINVAL;
	}
	if (start > end) {
		snprintf(buf, size,
			 "beginning of range (%u) beyond end of range (%u): %s",
			 start, end, text);
		return -EINVAL;
	}
	if (step == 0) {
		snprintf(buf, size,
			 "step of range should be a positive number: %s", text);
		return -EINVAL;
	}
	return 0;
}

/* Go's time.ParseDuration, for "@every". */
static bool go_duration(const char *s)
{
	static const char *const units[] = {"ns", "us", "µs", "μs", "ms",
					    "s",  "m",	"h",  NULL};

	if (*s == '+' || *s == '-')
		s++;
	if (!strcmp(s, "0"))
		return true;
	if (!*s)
		return false;
	while (*s) {
		bool digits = false;
		size_t best = 0;

		while (*s >= '0' && *s <= '9') {
			s++;
			digits = true;
		}
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9') {
				s++;
				digits = true;
			}
		}
		if (!digits)
			return false;
		for (size_t i = 0; units[i]; i++) {
			size_t n = strlen(units[i]);

			if (!strncmp(s, units[i], n) && n > best)
				best = n;
		}
		if (best == 0)
			return false;
		s += best;
	}
	return true;
}

int cron_parse(const char *schedule, char *buf, size_t size)
{
	static const char *const descriptors[] = {
	    "@yearly", "@annually", "@monthly", "@weekly",
	    "@daily",  "@midnight", "@hourly",	NULL};
	const char *fields[8], *p = schedule;
	size_t lens[8], n = 0;
	char list[256];
	size_t len = 0;

	if (!*schedule) {
		snprintf(buf, size, "empty spec string");
		return -EINVAL;
	}
	if (!strncmp(p, "TZ=", 3) || !strncmp(p, "CRON_TZ=", 8)) {
		p = strchr(p, ' ');
		if (!p) {
			snprintf(buf, size,
				 "provided bad location %s: unknown time zone",
				 schedule);
			return -EINVAL;
		}
		while (*p == ' ')
			p++;
	}
	if (*p == '@') {
		for (size_t i = 0; descriptors[i]; i++)
			if (!strcmp(p, descriptors[i]))
				return 0;
		if (!strncmp(p, "@every ", 7)) {
			if (go_duration(p + 7))
				return 0;
			snprintf(buf, size,
				 "failed to parse duration %.100s: time: "
				 "invalid duration \"%.100s\"",
				 p, p + 7);
			return -EINVAL;
		}
		snprintf(buf, size, "unrecognized descriptor: %.100s", p);
		return -EINVAL;
	}
	while (*p) {
		while (*p && strchr(" \t\n\r\v\f", *p))
			p++;
		if (!*p)
			break;
		if (n < 8)
			fields[n] = p;
		while (*p && !strchr(" \t\n\r\v\f", *p))
			p++;
		if (n < 8)
			lens[n] = (size_t)(p - fields[n]);
		n++;
	}
	if (n != 5) {
		list[0] = '\0';
		for (size_t i = 0; i < n && i < 8 && len < sizeof(list); i++)
			len += (size_t)snprintf(
			    list + len, sizeof(list) - len, "%s%.*s",
			    i ? " " : "", (int)(lens[i] < 40 ? lens[i] : 40),
			    fields[i]);
		snprintf(buf, size,
			 "expected exactly 5 fields, found %zu: [%s]", n, list);
		return -EINVAL;
	}
	for (size_t f = 0; f < 5; f++) {
		const char *e = fields[f], *end = fields[f] + lens[f];

		while (e < end) {
			const char *comma = memchr(e, ',', (size_t)(end - e));
			size_t en =
			    comma ? (size_t)(comma - e) : (size_t)(end - e);
			int r;

			if (en > 0) {
				r = cron_range(e, en, &cron_fields[f], buf,
					       size);
				if (r < 0)
					return r;
			}
			e += en + 1;
		}
	}
	return 0;
}

/* ---- Job ---- */

static void nonneg(struct validation *v, const json_t *spec, const char *key,
		   const char *owner, enum vtype type)
{
	long long n;

	if (vget_int(v, spec, key, type, owner, &n))
		vcheck_nonnegative(v, key, n);
}

/* JobSpec fields shared by Jobs and CronJob job templates. */
static void job_spec_common(struct validation *v, const json_t *spec)
{
	const char *mode;
	const json_t *tmpl;
	const char *rp;

	nonneg(v, spec, "parallelism", "JobSpec", VT_INT32);
	nonneg(v, spec, "completions", "JobSpec", VT_INT32);
	nonneg(v, spec, "activeDeadlineSeconds", "JobSpec", VT_INT64);
	nonneg(v, spec, "backoffLimit", "JobSpec", VT_INT32);
	nonneg(v, spec, "ttlSecondsAfterFinished", "JobSpec", VT_INT32);
	vget(v, spec, "suspend", VT_BOOL, "JobSpec", NULL);
	vget(v, spec, "manualSelector", VT_BOOL, "JobSpec", NULL);
	mode = vget_str(v, spec, "completionMode", "JobSpec");
	if (mode) {
		if (strcmp(mode, "NonIndexed") && strcmp(mode, "Indexed"))
			verr_unsupported_str(v, "completionMode", mode,
					     completion_modes);
		if (!strcmp(mode, "Indexed") &&
		    !json_is_integer(json_object_get(spec, "completions")))
			verr_required(v, "completions",
				      "when completion mode is Indexed");
	}
	validate_pod_template(v, spec, "template", "JobSpec");
	tmpl = json_object_get(spec, "template");
	rp = json_string_value(
	    json_object_get(json_object_get(tmpl, "spec"), "restartPolicy"));
	if (!rp || (strcmp(rp, "OnFailure") && strcmp(rp, "Never")))
		verr_unsupported_str(v, "template.spec.restartPolicy",
				     rp ? rp : "", job_restart);
}

static void job_selector(struct validation *v, const json_t *obj,
			 const json_t *spec)
{
	const json_t *sel =
	    vget(v, spec, "selector", VT_OBJECT, "JobSpec", "v1.LabelSelector");
	const json_t *labels = json_object_get(
	    json_object_get(json_object_get(spec, "template"), "metadata"),
	    "labels");
	const char *uid = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "uid"));
	int match;

	if (!json_is_true(json_object_get(spec, "manualSelector"))) {
		const char *have =
		    json_string_value(json_object_get(labels, CONTROLLER_UID));
		json_t *want;

		if (uid && *uid) { /* a missing uid is reported at the root */
			if (!labels)
				verr_required(v, "template.metadata.labels",
					      NULL);
			else if (!have)
				verr_required(v,
					      "template.metadata.labels["
					      "batch.kubernetes.io/"
					      "controller-uid]",
					      NULL);
			else if (strcmp(have, uid)) {
				char detail[128];

				snprintf(detail, sizeof(detail),
					 "must be '%.100s'", uid);
				verr_invalid_str(v,
						 "template.metadata.labels["
						 "batch.kubernetes.io/"
						 "controller-uid]",
						 have, detail);
			}
			want = json_pack("{s:{s:s}}", "matchLabels",
					 CONTROLLER_UID, uid);
			if (want && !json_equal(want, (json_t *)sel)) {
				if (sel)
					verr_invalid(v, "selector", sel,
						     "`selector` not "
						     "auto-generated");
				else
					verr(v, "selector",
					     "Invalid value: null: `selector` "
					     "not auto-generated");
			}
			json_decref(want);
		}
	}
	if (!sel) {
		verr_required(v, "selector", NULL);
	} else {
		validate_label_selector(v, sel, "selector");
	}
	match = selector_matches_labels(sel, labels);
	if (match == 0 && (!sel || !selector_is_empty(sel))) {
		if (labels)
			verr_invalid(v, "template.metadata.labels", labels,
				     "`selector` does not match template "
				     "`labels`");
		else
			verr(v, "template.metadata.labels",
			     "Invalid value: null: `selector` does not match "
			     "template `labels`");
	}
}

void validate_job(struct validation *v, const json_t *obj, const json_t *old)
{
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "Job", "v1.JobSpec");
	_cleanup_json_ json_t *empty = spec ? NULL : json_object();
	size_t mark;

	if (!spec)
		spec = empty;
	if (!json_is_true(json_object_get(spec, "manualSelector"))) {
		const char *uid = json_string_value(
		    json_object_get(json_object_get(obj, "metadata"), "uid"));

		if (!uid || !*uid)
			verr_required(v, "metadata.uid", NULL);
	}
	mark = vpath_child(v, "spec");
	job_selector(v, obj, spec);
	job_spec_common(v, spec);
	vpath_pop(v, mark);
	if (old) {
		json_t *a = json_object_get(spec, "selector");
		json_t *b =
		    json_object_get(json_object_get(old, "spec"), "selector");

		if (!json_equal(a, b) && (a || b))
			verr_immutable(v, "spec.selector", a);
		a = json_object_get(spec, "completions");
		b = json_object_get(json_object_get(old, "spec"),
				    "completions");
		if (!json_equal(a, b) && (a || b))
			verr_immutable(v, "spec.completions", a);
	}
}

/* ---- CronJob ---- */

static void job_template(struct validation *v, const json_t *spec)
{
	const json_t *jt = vget(v, spec, "jobTemplate", VT_OBJECT,
				"CronJobSpec", "v1.JobTemplateSpec");
	const json_t *js, *sel;
	_cleanup_json_ json_t *empty = NULL;
	size_t mark = vpath_child(v, "jobTemplate");
	size_t m;

	js = vget(v, jt, "spec", VT_OBJECT, "JobTemplateSpec", "v1.JobSpec");
	if (!js)
		js = empty = json_object();
	m = vpath_child(v, "spec");
	sel = vget(v, js, "selector", VT_OBJECT, "JobSpec", "v1.LabelSelector");
	if (sel)
		verr_invalid(v, "selector", sel,
			     "`selector` will be auto-generated");
	if (json_is_true(json_object_get(js, "manualSelector"))) {
		static const char *const allowed[] = {"nil", "false", NULL};

		verr(v, "manualSelector",
		     "Unsupported value: true: supported values: \"%s\", "
		     "\"%s\"",
		     allowed[0], allowed[1]);
	}
	job_spec_common(v, js);
	vpath_pop(v, m);
	vpath_pop(v, mark);
}

void validate_cron_job(struct validation *v, const json_t *obj,
		       const json_t *old)
{
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "CronJob", "v1.CronJobSpec");
	_cleanup_json_ json_t *empty = spec ? NULL : json_object();
	const char *name = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "name"));
	const char *schedule, *policy;
	size_t mark;

	if (!old && name && strlen(name) > 52)
		verr_invalid_str(v, "metadata.name", name,
				 "must be no more than 52 characters");
	if (!spec)
		spec = empty;
	mark = vpath_child(v, "spec");
	schedule = vget_str(v, spec, "schedule", "CronJobSpec");
	vget_str(v, spec, "timeZone", "CronJobSpec");
	if (!schedule || !*schedule) {
		verr_required(v, "schedule", NULL);
	} else {
		char msg[256];

		if (cron_parse(schedule, msg, sizeof(msg)) < 0)
			verr_invalid_str(v, "schedule", schedule, msg);
		if (strstr(schedule, "TZ"))
			verr_invalid_str(
			    v, "schedule", schedule,
			    "cannot use TZ or CRON_TZ in schedule, "
			    "use timeZone field instead");
	}
	nonneg(v, spec, "startingDeadlineSeconds", "CronJobSpec", VT_INT64);
	policy = vget_str(v, spec, "concurrencyPolicy", "CronJobSpec");
	if (!policy || !*policy)
		verr_required(v, "concurrencyPolicy", NULL);
	else if (strcmp(policy, "Allow") && strcmp(policy, "Forbid") &&
		 strcmp(policy, "Replace"))
		verr_unsupported_str(v, "concurrencyPolicy", policy,
				     concurrency);
	vget(v, spec, "suspend", VT_BOOL, "CronJobSpec", NULL);
	job_template(v, spec);
	nonneg(v, spec, "successfulJobsHistoryLimit", "CronJobSpec", VT_INT32);
	nonneg(v, spec, "failedJobsHistoryLimit", "CronJobSpec", VT_INT32);
	vpath_pop(v, mark);
}
