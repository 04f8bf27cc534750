/*
 * test_validate.c — admission (defaulting + validation) against the
 * data-driven cases in tests/data/validate/<case>/:
 *   input     the object (JSON)
 *   old       optional: the stored object, for an update
 *   expected  "ok", or the complete Kubernetes sentence
 * plus unit tests of the error list, rendering and name rules.
 *
 * Runs from the repository root.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/kinds.h"
#include "api/validate.h"

#define DATA "tests/data/validate"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
	}
	return buf;
}

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	if (!j)
		fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
	return j;
}

/* Run one case; returns true when it passed (prints why not). */
static bool run_case(const char *name)
{
	char path[512];
	_cleanup_json_ json_t *in = NULL, *old = NULL, *again = NULL;
	_cleanup_free_ char *want = NULL;
	const struct kind_info *k;
	struct kf_error err;
	const char *got;
	int r;

	snprintf(path, sizeof(path), DATA "/%s/input", name);
	in = load_json(path);
	snprintf(path, sizeof(path), DATA "/%s/expected", name);
	want = slurp(path);
	if (!want) {
		print_error("%s: no expected file\n", name);
		return false;
	}
	snprintf(path, sizeof(path), DATA "/%s/old", name);
	if (access(path, F_OK) == 0)
		old = load_json(path);
	k = kinds_by_gvk(json_string_value(json_object_get(in, "apiVersion")),
			 json_string_value(json_object_get(in, "kind")));
	if (!k) {
		print_error("%s: unknown kind\n", name);
		return false;
	}
	if (old && k->set_defaults)
		k->set_defaults(old);
	kf_error_init(&err);
	r = kind_admit(k, in, old, &err);
	got = r == 0 ? "ok" : err.msg;
	if (strcmp(got, want)) {
		print_error("%s:\n  want: %s\n  got:  %s\n", name, want, got);
		return false;
	}
	if (r < 0 && (r != -EINVAL || err.code != r)) {
		print_error("%s: error code %d\n", name, r);
		return false;
	}
	if (r == 0) {
		/* admitting the admitted object changes nothing */
		again = json_deep_copy(in);
		if (kind_admit(k, again, old, &err) != 0 ||
		    !json_equal(again, in)) {
			print_error("%s: defaulting is not idempotent\n", name);
			return false;
		}
	}
	return true;
}

static void test_data_cases(void **state)
{
	DIR *d = opendir(DATA);
	struct dirent *e;
	int n = 0, bad = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (!run_case(e->d_name))
			bad++;
	}
	closedir(d);
	print_message("%d cases, %d failed\n", n, bad);
	assert_true(n >= 60);
	assert_int_equal(bad, 0);
}

/* ---- the error list ---- */

static void test_aggregate_format(void **state)
{
	const struct kind_info *k = kinds_by_path("apps", "v1", "deployments");
	struct validation v;
	struct kf_error err;

	(void)state;
	validation_init(&v, k);
	assert_int_equal(validation_finish(&v, "web", &err), 0);
	vpath_child(&v, "spec");
	verr_required(&v, "selector", NULL);
	assert_int_equal(validation_finish(&v, "web", &err), -EINVAL);
	assert_string_equal(err.msg, "Deployment.apps \"web\" is invalid: "
				     "spec.selector: Required value");
	verr_invalid_int(&v, "replicas", -1,
			 "must be greater than or equal to 0");
	/* repeats are dropped, as ToAggregate() does */
	verr_required(&v, "selector", NULL);
	validation_finish(&v, "web", &err);
	assert_string_equal(err.msg,
			    "Deployment.apps \"web\" is invalid: "
			    "[spec.selector: Required value, spec.replicas: "
			    "Invalid value: -1: must be greater than or equal "
			    "to 0]");
	validation_release(&v);
}

static void test_error_cap(void **state)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");
	struct validation v;
	struct kf_error err;

	(void)state;
	validation_init(&v, k);
	for (int i = 0; i < 100; i++) {
		size_t m = vpath_index(&v, (size_t)i);

		verr_required(&v, NULL, NULL);
		vpath_pop(&v, m);
	}
	assert_int_equal(v.nerrs, VALIDATE_MAX_ERRORS);
	assert_int_equal(v.dropped, 100 - VALIDATE_MAX_ERRORS);
	assert_int_equal(validation_finish(&v, "p", &err), -EINVAL);
	assert_true(strlen(err.msg) < KF_ERROR_MSG_MAX);
	validation_release(&v);
}

static void test_decode_error_wins(void **state)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");
	struct validation v;
	struct kf_error err;

	(void)state;
	validation_init(&v, k);
	verr_required(&v, "spec", NULL);
	verr_decode(&v, "first");
	verr_decode(&v, "second");
	validation_finish(&v, "p", &err);
	assert_string_equal(err.msg, "Pod in version \"v1\" cannot be handled "
				     "as a Pod: first");
	validation_release(&v);
}

static void test_value_rendering(void **state)
{
	char buf[VALIDATE_VALUE_MAX + 8];
	_cleanup_json_ json_t *m = json_pack("{s:s,s:s}", "b", "2", "a", "1");
	_cleanup_json_ json_t *r = json_real(1.5);
	char *long_str = malloc(1000);

	(void)state;
	assert_string_equal(vquote("a\"b\\\n\x01", buf, sizeof(buf)),
			    "\"a\\\"b\\\\\\n\\x01\"");
	assert_string_equal(vquote("h\xc3\xa9", buf, sizeof(buf)),
			    "\"h\xc3\xa9\"");
	assert_string_equal(vquote("\xff", buf, sizeof(buf)), "\"\\xff\"");
	assert_string_equal(vvalue(m, buf, sizeof(buf)),
			    "{\"a\":\"1\",\"b\":\"2\"}");
	assert_string_equal(vvalue(r, buf, sizeof(buf)), "1.5");
	assert_non_null(long_str);
	memset(long_str, 'x', 999);
	long_str[999] = '\0';
	vquote(long_str, buf, sizeof(buf));
	assert_true(strlen(buf) <= VALIDATE_VALUE_MAX + 6);
	assert_non_null(strstr(buf, "...\""));
	free(long_str);
}

static void test_name_rules(void **state)
{
	(void)state;
	assert_true(is_dns1123_label("my-name"));
	assert_false(is_dns1123_label("My-name"));
	assert_false(is_dns1123_label("-a"));
	assert_false(is_dns1123_label("a.b"));
	assert_true(is_dns1123_subdomain("a.b-c.d"));
	assert_false(is_dns1123_subdomain("a..b"));
	assert_false(is_dns1123_subdomain("a."));
	/* node names (a Binding's target) */
	assert_true(is_dns1123_subdomain("node-1.example.com"));
	assert_true(is_dns1123_subdomain("a"));
	assert_false(is_dns1123_subdomain(""));
	assert_false(is_dns1123_subdomain("Node"));
	assert_false(is_dns1123_subdomain("-a"));
	assert_false(is_dns1123_subdomain("a-"));
	assert_false(is_dns1123_subdomain("a.-b"));
	assert_false(is_dns1123_subdomain("a_b"));
	assert_false(is_dns1123_subdomain("a/b"));
	assert_true(is_dns1035_label("abc-123"));
	assert_false(is_dns1035_label("1abc"));
	assert_true(is_qualified_name("example.com/MyName"));
	assert_true(is_qualified_name("my.name_x-1"));
	assert_false(is_qualified_name("/a"));
	assert_false(is_qualified_name("a/b/c"));
	assert_false(is_qualified_name("a/"));
	assert_false(is_qualified_name("Example.com/a"));
	assert_true(is_label_value(""));
	assert_false(is_label_value("-x"));
	assert_true(is_config_map_key("a.b_c-D"));
	assert_false(is_config_map_key(".."));
	assert_false(is_config_map_key("..a"));
	assert_false(is_config_map_key("a/b"));
	assert_true(is_ip("10.0.0.1"));
	assert_true(is_ip("2001:db8::1"));
	assert_false(is_ip("10.0.0.256"));
}

static void test_cron(void **state)
{
	char msg[256];

	(void)state;
	assert_int_equal(cron_parse("*/5 * * * *", msg, sizeof(msg)), 0);
	assert_int_equal(cron_parse("0 0 1 jan-mar mon-fri", msg, sizeof(msg)),
			 0);
	assert_int_equal(cron_parse("@hourly", msg, sizeof(msg)), 0);
	assert_int_equal(cron_parse("@every 1h30m", msg, sizeof(msg)), 0);
	assert_int_equal(cron_parse("5 4 * *", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg,
			    "expected exactly 5 fields, found 4: [5 4 * *]");
	assert_int_equal(cron_parse("0-70 * * * *", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "end of range (70) above maximum (59): 0-70");
	assert_int_equal(cron_parse("x * * * *", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "failed to parse int from x: strconv.Atoi: "
				 "parsing \"x\": invalid syntax");
	assert_int_equal(cron_parse("* * 0 * *", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "beginning of range (0) below minimum (1): 0");
	assert_int_equal(cron_parse("5-1 * * * *", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg,
			    "beginning of range (5) beyond end of range (1): "
			    "5-1");
	assert_int_equal(cron_parse("*/0 * * * *", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg,
			    "step of range should be a positive number: */0");
	assert_int_equal(cron_parse("@often", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "unrecognized descriptor: @often");
}

static void test_not_an_object(void **state)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *arr = json_array();
	struct kf_error err;

	(void)state;
	assert_int_equal(kind_admit(k, arr, NULL, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "Pod in version \"v1\" cannot be handled as a Pod: "
			    "json: cannot unmarshal array into Go value of "
			    "type v1.Pod");
	assert_int_equal(kind_admit(NULL, arr, NULL, &err), -EINVAL);
}

/* Annotations may total 256 KiB, keys and values counted. */
static void test_annotation_size(void **state)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "configmaps");
	_cleanup_json_ json_t *cm =
	    json_pack("{s:s,s:s,s:{s:s,s:s,s:{}}}", "apiVersion", "v1", "kind",
		      "ConfigMap", "metadata", "name", "big", "namespace",
		      "default", "annotations");
	json_t *ann =
	    json_object_get(json_object_get(cm, "metadata"), "annotations");
	_cleanup_free_ char *val = malloc(262144);
	struct kf_error err;

	(void)state;
	assert_non_null(val);
	memset(val, 'x', 262143 - 1);
	val[262143 - 1] = '\0'; /* key "k" + 262142 bytes = 262143 */
	json_object_set_new(ann, "k", json_string(val));
	assert_int_equal(kind_admit(k, cm, NULL, &err), 0);
	json_object_set_new(ann, "kk", json_string(val));
	assert_int_equal(kind_admit(k, cm, NULL, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "ConfigMap \"big\" is invalid: "
			    "metadata.annotations: Too long: may not be "
			    "more than 262144 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_cases),
	    cmocka_unit_test(test_aggregate_format),
	    cmocka_unit_test(test_error_cap),
	    cmocka_unit_test(test_decode_error_wins),
	    cmocka_unit_test(test_value_rendering),
	    cmocka_unit_test(test_name_rules),
	    cmocka_unit_test(test_cron),
	    cmocka_unit_test(test_not_an_object),
	    cmocka_unit_test(test_annotation_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
