/*
 * test_selector.c — label and field selectors: Kubernetes' grammar, its
 * error messages, and matching (api/selector.h), from text and from
 * metav1.LabelSelector and node selector requirements.
 */
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

#include "api/selector.h"

#define QNAME_RULE                                                             \
	"must consist of alphanumeric characters, '-', '_' or '.', and must "  \
	"start and end with an alphanumeric character (e.g. 'MyName',  or "    \
	"'my.name',  or '123-abc', regex used for validation is "              \
	"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_RULE                                                             \
	"a valid label must be an empty string or consist of alphanumeric "    \
	"characters, '-', '_' or '.', and must start and end with an "         \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "         \
	"'12345', regex used for validation is "                               \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static json_t *labels(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);

	assert_non_null(j);
	return j;
}

/* Does text parse, and does it select the label set in json? */
static bool lmatch(const char *text, const char *json)
{
	struct label_selector *s = NULL;
	struct kf_error err;
	json_t *l = labels(json);
	bool r;

	kf_error_init(&err);
	assert_int_equal(label_selector_parse(text, &err, &s), 0);
	assert_string_equal(err.msg, "");
	r = label_selector_matches(s, l);
	json_decref(l);
	label_selector_free(s);
	return r;
}

static void expect_label_error(const char *text, const char *msg)
{
	struct label_selector *s = (struct label_selector *)(uintptr_t)1;
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(label_selector_parse(text, &err, &s), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.msg, msg);
	/* untouched on failure */
	assert_ptr_equal(s, (struct label_selector *)(uintptr_t)1);
}

static void test_label_equality(void **state)
{
	(void)state;
	assert_true(lmatch("app=web", "{\"app\":\"web\"}"));
	assert_true(lmatch("app==web", "{\"app\":\"web\",\"x\":\"y\"}"));
	assert_false(lmatch("app=web", "{\"app\":\"db\"}"));
	assert_false(lmatch("app=web", "{}"));
	assert_true(lmatch("app!=web", "{\"app\":\"db\"}"));
	/* != matches objects without the key, as in Kubernetes */
	assert_true(lmatch("app!=web", "{}"));
	assert_false(lmatch("app!=web", "{\"app\":\"web\"}"));
	/* an empty value */
	assert_true(lmatch("app=", "{\"app\":\"\"}"));
	assert_false(lmatch("app=", "{}"));
	assert_true(lmatch("app= ,tier=", "{\"app\":\"\",\"tier\":\"\"}"));
	/* AND of requirements, blanks ignored */
	assert_true(lmatch(" app = web , tier=fe",
			   "{\"app\":\"web\",\"tier\":\"fe\"}"));
	assert_false(lmatch("app=web,tier=fe", "{\"app\":\"web\"}"));
	/* prefixed keys */
	assert_true(lmatch("app.kubernetes.io/name=nginx",
			   "{\"app.kubernetes.io/name\":\"nginx\"}"));
	/* a non-string label value is no label */
	assert_false(lmatch("app", "{\"app\":1}"));
}

static void test_label_sets(void **state)
{
	(void)state;
	assert_true(lmatch("env in (prod,dev)", "{\"env\":\"dev\"}"));
	assert_false(lmatch("env in (prod,dev)", "{\"env\":\"qa\"}"));
	assert_false(lmatch("env in (prod)", "{}"));
	assert_true(lmatch("env notin (prod)", "{\"env\":\"dev\"}"));
	assert_true(lmatch("env notin (prod)", "{}"));
	assert_false(lmatch("env notin (prod,dev)", "{\"env\":\"prod\"}"));
	/* "in" and "notin" are plain values inside the parentheses */
	assert_true(lmatch("x in (in,notin)", "{\"x\":\"notin\"}"));
	/* empty members */
	assert_true(lmatch("x in (a,,b)", "{\"x\":\"\"}"));
	assert_true(lmatch("x in ()", "{\"x\":\"\"}"));
	assert_true(lmatch("x in (,)", "{\"x\":\"\"}"));
	assert_false(lmatch("x in (a,b)", "{\"x\":\"\"}"));
	assert_true(lmatch("x in(a),y", "{\"x\":\"a\",\"y\":\"1\"}"));
}

static void test_label_exists_and_numbers(void **state)
{
	(void)state;
	assert_true(lmatch("app", "{\"app\":\"x\"}"));
	assert_false(lmatch("app", "{}"));
	assert_true(lmatch("!app", "{}"));
	assert_false(lmatch("!app", "{\"app\":\"\"}"));
	assert_true(lmatch("app,!canary", "{\"app\":\"a\"}"));
	assert_true(lmatch("rank>3", "{\"rank\":\"4\"}"));
	assert_false(lmatch("rank>3", "{\"rank\":\"3\"}"));
	assert_true(lmatch("rank<3", "{\"rank\":\"-7\"}"));
	assert_false(lmatch("rank<3", "{\"rank\":\"x\"}"));
	assert_false(lmatch("rank<3", "{}"));
	/* the empty selector selects everything */
	assert_true(lmatch("", "{}"));
	assert_true(lmatch("  ", "{\"a\":\"b\"}"));
	assert_true(lmatch(NULL, "{}"));
}

static void test_label_errors(void **state)
{
	(void)state;
	expect_label_error("app:nginx",
			   "unable to parse requirement: <nil>: Invalid value: "
			   "\"app:nginx\": name part " QNAME_RULE);
	expect_label_error("x==a==b",
			   "found '==', expected: ',' or 'end of string'");
	expect_label_error("!x=a",
			   "found '=', expected: ',' or 'end of string'");
	expect_label_error(",x",
			   "found ',', expected: !, identifier, or 'end of "
			   "string'");
	expect_label_error("x,", "found '', expected: identifier after ','");
	expect_label_error("x (",
			   "unable to parse requirement: found '(', expected: "
			   "in, notin, =, ==, !=, gt, lt");
	expect_label_error("x in (a",
			   "unable to parse requirement: found '', expected: "
			   "',' or ')'");
	expect_label_error("x in a",
			   "unable to parse requirement: found 'a' expected: "
			   "'('");
	expect_label_error("x in (a b)",
			   "unable to parse requirement: found 'b', expected: "
			   "',' or ')'");
	expect_label_error("x in (=)",
			   "unable to parse requirement: found '=', expected: "
			   "',', ')' or identifier");
	expect_label_error("x<a",
			   "unable to parse requirement: values[0]: Invalid "
			   "value: \"a\": for 'Gt', 'Lt' operators, the value "
			   "must be an integer");
	expect_label_error("x=a b",
			   "found 'b', expected: ',' or 'end of string'");
	expect_label_error("x=-a",
			   "unable to parse requirement: values[0][x]: Invalid "
			   "value: \"-a\": " VALUE_RULE);
	/* two bad values: an aggregate, in sorted order */
	expect_label_error("x in (-a,-b)",
			   "unable to parse requirement: [values[0][x]: "
			   "Invalid value: \"-a\": " VALUE_RULE
			   ", values[1][x]: Invalid value: \"-b\": " VALUE_RULE
			   "]");
	expect_label_error(
	    "a/b/c",
	    "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a "
	    "qualified name " QNAME_RULE " with an optional DNS subdomain "
	    "prefix and '/' (e.g. 'example.com/MyName')");
	expect_label_error(
	    "Foo/bar",
	    "unable to parse requirement: <nil>: Invalid value: \"Foo/bar\": "
	    "prefix part a lowercase RFC 1123 subdomain must consist of lower "
	    "case alphanumeric characters, '-' or '.', and must start and end "
	    "with an alphanumeric character (e.g. 'example.com', regex used "
	    "for validation is "
	    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
	    "')");
	expect_label_error("/x", "unable to parse requirement: <nil>: Invalid "
				 "value: \"/x\": prefix part must be "
				 "non-empty");
	/* control bytes are quoted the way Go's %q does */
	expect_label_error("a\tb\x01",
			   "unable to parse requirement: found 'b\x01', "
			   "expected: in, notin, =, ==, !=, gt, lt");
	expect_label_error("x\x01=1",
			   "unable to parse requirement: <nil>: Invalid value: "
			   "\"x\\x01\": name part " QNAME_RULE);
}

static void test_label_limits(void **state)
{
	char *big = malloc(SELECTOR_MAX_TEXT + 2);
	struct label_selector *s = NULL;
	struct kf_error err;
	char key[80], want[512];

	(void)state;
	memset(big, 'a', SELECTOR_MAX_TEXT + 1);
	big[SELECTOR_MAX_TEXT + 1] = '\0';
	kf_error_init(&err);
	assert_int_equal(label_selector_parse(big, &err, &s), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	/* name part of 64 characters */
	memset(key, 'k', 64);
	key[64] = '\0';
	kf_error_init(&err);
	assert_int_equal(label_selector_parse(key, &err, &s), -EINVAL);
	assert_non_null(strstr(err.msg, "name part must be no more than 63 "
					"characters"));
	/* a long prefix of the right shape: only its length is wrong */
	memset(big, 'a', 300);
	memcpy(big + 300, "/x", 3);
	kf_error_init(&err);
	assert_int_equal(label_selector_parse(big, &err, &s), -EINVAL);
	snprintf(want, sizeof(want),
		 "unable to parse requirement: <nil>: Invalid value: \"%s\": "
		 "prefix part must be no more than 253 characters",
		 big);
	assert_string_equal(err.msg, want);
	key[63] = '\0';
	assert_int_equal(label_selector_parse(key, &err, &s), 0);
	assert_int_equal(label_selector_size(s), 1);
	label_selector_free(s);
	label_selector_free(NULL);
	free(big);
}

/* --------------------------------------------------------- fields */

static const char *pod_json =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\","
    "\"namespace\":\"default\",\"labels\":{\"app\":\"web\"}},\"spec\":{"
    "\"nodeName\":\"n1\",\"schedulerName\":\"default-scheduler\","
    "\"hostNetwork\":true},\"status\":{\"phase\":\"Running\"}}";

static bool fmatch(const char *group, const char *kind, const char *text,
		   const char *json)
{
	struct field_selector *s = NULL;
	struct kf_error err;
	json_t *obj = labels(json);
	bool r;

	kf_error_init(&err);
	assert_int_equal(field_selector_parse(text, group, kind, &err, &s), 0);
	r = field_selector_matches(s, obj);
	json_decref(obj);
	field_selector_free(s);
	return r;
}

static void expect_field_error(const char *group, const char *kind,
			       const char *text, const char *msg)
{
	struct field_selector *s = (struct field_selector *)(uintptr_t)1;
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(field_selector_parse(text, group, kind, &err, &s),
			 -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_ptr_equal(s, (struct field_selector *)(uintptr_t)1);
}

static void test_field_pods(void **state)
{
	(void)state;
	assert_true(fmatch("", "Pod", "spec.nodeName=n1", pod_json));
	assert_true(fmatch("", "Pod", "spec.nodeName==n1", pod_json));
	assert_false(fmatch("", "Pod", "spec.nodeName!=n1", pod_json));
	assert_true(fmatch("", "Pod",
			   "status.phase!=Succeeded,status.phase!=Failed",
			   pod_json));
	assert_true(fmatch("", "Pod",
			   "metadata.name=web-1,metadata.namespace=default",
			   pod_json));
	assert_true(fmatch("", "Pod", "spec.schedulerName=default-scheduler",
			   pod_json));
	assert_true(fmatch("", "Pod", "spec.hostNetwork=true", pod_json));
	/* a missing field is its zero value */
	assert_true(fmatch("", "Pod",
			   "spec.nodeName=", "{\"kind\":\"Pod\",\"spec\":{}}"));
	assert_true(fmatch("", "Pod", "spec.hostNetwork=false", "{}"));
	assert_true(fmatch("", "Pod", "status.podIP=", "{}"));
	assert_true(fmatch("", "Pod", "", pod_json));
	assert_true(fmatch("", "Pod", ",", pod_json));
}

static void test_field_kinds(void **state)
{
	const char *ev =
	    "{\"kind\":\"Event\",\"involvedObject\":{\"kind\":\"Pod\",\"name\":"
	    "\"web-1\",\"namespace\":\"default\"},\"reason\":\"Scheduled\","
	    "\"source\":{\"component\":\"default-scheduler\"},\"type\":"
	    "\"Normal\"}";

	(void)state;
	assert_true(fmatch("", "Event",
			   "involvedObject.kind=Pod,involvedObject.name=web-1",
			   ev));
	assert_true(fmatch("", "Event", "source=default-scheduler", ev));
	assert_true(fmatch("", "Event", "type=Normal,reason=Scheduled", ev));
	assert_false(
	    fmatch("", "Event", "involvedObject.namespace=kube-system", ev));
	assert_true(
	    fmatch("", "Node", "spec.unschedulable=false", "{\"spec\":{}}"));
	assert_true(fmatch("", "Node", "spec.unschedulable=true",
			   "{\"spec\":{\"unschedulable\":true}}"));
	assert_true(fmatch("apps", "ReplicaSet", "status.replicas=0", "{}"));
	assert_true(fmatch("apps", "ReplicaSet", "status.replicas=3",
			   "{\"status\":{\"replicas\":3}}"));
	assert_true(
	    fmatch("", "Secret", "type=Opaque", "{\"type\":\"Opaque\"}"));
	assert_true(fmatch("apps", "Deployment", "metadata.name=x",
			   "{\"metadata\":{\"name\":\"x\"}}"));
	/* cluster-scoped: no namespace is "" */
	assert_true(fmatch("", "Namespace", "status.phase=Active",
			   "{\"status\":{\"phase\":\"Active\"}}"));
}

static void test_field_escapes(void **state)
{
	(void)state;
	assert_true(fmatch("", "Pod", "metadata.name=a\\,b",
			   "{\"metadata\":{\"name\":\"a,b\"}}"));
	assert_true(fmatch("", "Pod", "metadata.name=a\\=b\\\\",
			   "{\"metadata\":{\"name\":\"a=b\\\\\"}}"));
	expect_field_error("", "Pod", "metadata.name=a=b",
			   "invalid field selector: unescaped character in "
			   "value: 61");
	expect_field_error("", "Pod", "metadata.name=a\\x",
			   "invalid field selector: invalid escape sequence: "
			   "\\x");
	expect_field_error("", "Pod", "metadata.name=a\\",
			   "invalid field selector: invalid escape sequence: "
			   "\\");
}

static void test_field_errors(void **state)
{
	(void)state;
	expect_field_error("", "Pod", "spec.foo=1",
			   "field label not supported: spec.foo");
	expect_field_error("apps", "Deployment", "spec.foo=1",
			   "\"spec.foo\" is not a known field selector: only "
			   "\"metadata.name\", \"metadata.namespace\"");
	/* Node has its own list, without metadata.namespace */
	expect_field_error("", "Node", "metadata.namespace=x",
			   "field label not supported: metadata.namespace");
	expect_field_error("", "Pod", "spec.nodeName",
			   "invalid selector: 'spec.nodeName'; can't "
			   "understand 'spec.nodeName'");
	/* syntax errors come before unknown fields, in sorted order */
	expect_field_error("", "Pod", "zz=1,b",
			   "invalid selector: 'zz=1,b'; can't understand 'b'");
	expect_field_error("", "Pod", "z.z=1,a.a=2",
			   "field label not supported: a.a");
	/* unknown kinds fall back to metadata.* */
	expect_field_error(NULL, NULL, "spec.x=1",
			   "\"spec.x\" is not a known field selector: only "
			   "\"metadata.name\", \"metadata.namespace\"");
}

static void test_field_sizes(void **state)
{
	struct field_selector *s = NULL;
	struct kf_error err;

	(void)state;
	kf_error_init(&err);
	assert_int_equal(field_selector_parse("metadata.name=a,,metadata.name!="
					      "b,",
					      "", "Pod", &err, &s),
			 0);
	assert_int_equal(field_selector_size(s), 2);
	field_selector_free(s);
	assert_int_equal(field_selector_parse(NULL, "", "Pod", &err, &s), 0);
	assert_int_equal(field_selector_size(s), 0);
	assert_true(field_selector_matches(s, NULL));
	field_selector_free(s);
	field_selector_free(NULL);
	assert_true(field_selector_matches(NULL, NULL));
	assert_true(label_selector_matches(NULL, NULL));
}

/* ------------------------------------------- once the client's own */

/* The cases the client's parser had, with kube-apiserver's answers. */
static void test_client_cases(void **state)
{
	const char *set =
	    "{\"app\":\"web\",\"tier\":\"front\","
	    "\"app.kubernetes.io/name\":\"nginx\",\"empty\":\"\"}";

	(void)state;
	assert_true(lmatch("", set));
	assert_true(lmatch("  ", set));
	assert_true(lmatch("app in (db, web)", set));
	assert_false(lmatch("app in (db,cache)", set));
	assert_true(lmatch("app notin (db,cache)", set));
	assert_false(lmatch("app notin (web)", set));
	assert_true(lmatch("empty in (,x)", set));
	assert_false(lmatch("app=", set));
	assert_false(lmatch("app=in", set));
	assert_true(lmatch("!missing", set));
	/* Kubernetes reads "()" as the set {""} */
	assert_true(lmatch("empty in ()", set));
	expect_label_error("=web", "found '=', expected: !, identifier, or "
				   "'end of string'");
	expect_label_error("app=web,",
			   "found '', expected: identifier after ','");
	expect_label_error("app web",
			   "unable to parse requirement: found 'web', "
			   "expected: in, notin, =, ==, !=, gt, lt");
	expect_label_error("app in web", "unable to parse requirement: found "
					 "'web' expected: '('");
	expect_label_error("app in (a b)", "unable to parse requirement: found "
					   "'b', expected: ',' or ')'");
	expect_label_error("app=a=b",
			   "found '=', expected: ',' or 'end of string'");
	expect_label_error("-app=x",
			   "unable to parse requirement: <nil>: Invalid value: "
			   "\"-app\": name part " QNAME_RULE);
	expect_label_error("app=-x",
			   "unable to parse requirement: values[0][app]: "
			   "Invalid value: \"-x\": " VALUE_RULE);
	expect_field_error("", "Pod", "spec.nodeName",
			   "invalid selector: 'spec.nodeName'; can't "
			   "understand 'spec.nodeName'");
	/* only the kind's field labels, as the API server */
	expect_field_error("apps", "Deployment", "spec.replicas=3",
			   "\"spec.replicas\" is not a known field selector: "
			   "only \"metadata.name\", \"metadata.namespace\"");
}

/* ------------------------------------------ metav1.LabelSelector */

static int api_match(const char *selector, const char *set)
{
	struct label_selector *s = NULL;
	struct kf_error err;
	json_t *j = selector ? labels(selector) : NULL;
	json_t *l = labels(set);
	int r;

	kf_error_init(&err);
	r = label_selector_from_api(j, &err, &s);
	if (r == 0)
		r = label_selector_matches(s, l);
	json_decref(j);
	json_decref(l);
	label_selector_free(s);
	return r;
}

static void expect_api_error(const char *selector, bool node, const char *msg)
{
	struct label_selector *s = (struct label_selector *)(uintptr_t)1;
	struct kf_error err;
	json_t *j = labels(selector);

	kf_error_init(&err);
	assert_int_equal(
	    node ? label_selector_from_node_requirements(j, &err, &s)
		 : label_selector_from_api(j, &err, &s),
	    -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_ptr_equal(s, (struct label_selector *)(uintptr_t)1);
	json_decref(j);
}

static void test_api_label_selector(void **state)
{
	const char *web = "{\"app\":\"web\",\"tier\":\"fe\"}";

	(void)state;
	/* nil selects nothing, {} everything */
	assert_int_equal(api_match(NULL, web), 0);
	assert_int_equal(api_match("{}", web), 1);
	assert_int_equal(api_match("{\"matchLabels\":{\"app\":\"web\"}}", web),
			 1);
	assert_int_equal(api_match("{\"matchLabels\":{\"app\":\"db\"}}", web),
			 0);
	assert_int_equal(
	    api_match("{\"matchLabels\":{\"app\":\"web\"},"
		      "\"matchExpressions\":[{\"key\":\"tier\",\"operator\":"
		      "\"In\",\"values\":[\"be\",\"fe\"]},{\"key\":\"x\","
		      "\"operator\":\"DoesNotExist\"}]}",
		      web),
	    1);
	assert_int_equal(api_match("{\"matchExpressions\":[{\"key\":\"tier\","
				   "\"operator\":\"NotIn\",\"values\":"
				   "[\"fe\"]}]}",
				   web),
			 0);
	assert_int_equal(api_match("{\"matchExpressions\":[{\"key\":\"x\","
				   "\"operator\":\"Exists\"}]}",
				   web),
			 0);
	expect_api_error("{\"matchExpressions\":[{\"key\":\"x\",\"operator\":"
			 "\"Gt\",\"values\":[\"1\"]}]}",
			 false,
			 "\"Gt\" is not a valid label selector operator");
	expect_api_error("{\"matchExpressions\":[{\"key\":\"x\",\"operator\":"
			 "\"In\",\"values\":[]}]}",
			 false,
			 "values: Invalid value: for 'in', 'notin' operators, "
			 "values set can't be empty");
	expect_api_error("{\"matchLabels\":{\"-x\":\"a\"}}", false,
			 "key: Invalid value: \"-x\": name part " QNAME_RULE);
}

static void test_node_requirements(void **state)
{
	struct label_selector *s = NULL;
	json_t *exprs = labels("[{\"key\":\"cpus\",\"operator\":\"Gt\","
			       "\"values\":[\"4\"]},{\"key\":\"zone\","
			       "\"operator\":\"In\",\"values\":[\"a\"]}]");
	json_t *big = labels("{\"cpus\":\"8\",\"zone\":\"a\"}");
	json_t *small = labels("{\"cpus\":\"2\",\"zone\":\"a\"}");
	json_t *odd = labels("{\"cpus\":\"many\",\"zone\":\"a\"}");

	(void)state;
	assert_int_equal(label_selector_from_node_requirements(exprs, NULL, &s),
			 0);
	assert_true(label_selector_matches(s, big));
	assert_false(label_selector_matches(s, small));
	assert_false(label_selector_matches(s, odd));
	label_selector_free(s);
	expect_api_error("[{\"key\":\"x\",\"operator\":\"Lt\",\"values\":"
			 "[\"1\",\"2\"]}]",
			 true,
			 "values: Invalid value: for 'Gt', 'Lt' operators, "
			 "exactly one value is required");
	/* values are counted as given, repeats included */
	expect_api_error("[{\"key\":\"x\",\"operator\":\"Gt\",\"values\":"
			 "[\"1\",\"1\"]}]",
			 true,
			 "values: Invalid value: for 'Gt', 'Lt' operators, "
			 "exactly one value is required");
	expect_api_error("[{\"key\":\"x\",\"operator\":\"Equal\"}]", true,
			 "\"Equal\" is not a valid node selector operator");
	json_decref(exprs);
	json_decref(big);
	json_decref(small);
	json_decref(odd);
}

/* Matching without building agrees with building then matching, on
 * valid and invalid selectors alike. */
static void test_api_match_agrees(void **state)
{
	static const char *const sels[] = {
	    "{}",
	    "{\"matchLabels\":{\"app\":\"web\"}}",
	    "{\"matchLabels\":{\"app\":\"\"}}",
	    "{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\","
	    "\"values\":[\"fe\",\"be\"]}]}",
	    "{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":"
	    "\"NotIn\",\"values\":[\"fe\"]},{\"key\":\"x\",\"operator\":"
	    "\"DoesNotExist\"}]}",
	    "{\"matchExpressions\":[{\"key\":\"app\",\"operator\":"
	    "\"Exists\"}]}",
	    /* invalid: operator, empty In, values on Exists, key, value */
	    "{\"matchExpressions\":[{\"key\":\"n\",\"operator\":\"Gt\","
	    "\"values\":[\"1\"]}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
	    "\"values\":[]}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
	    "\"Exists\",\"values\":[\"x\"]}]}",
	    "{\"matchLabels\":{\"-a\":\"x\"}}",
	    "{\"matchLabels\":{\"a\":\"-x\"}}",
	    "{\"matchLabels\":{\"a\":1}}",
	    "{\"matchExpressions\":{}}",
	};
	static const char *const sets[] = {
	    "{}",
	    "{\"app\":\"web\",\"tier\":\"fe\"}",
	    "{\"app\":\"\",\"tier\":\"be\",\"x\":\"1\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		json_t *sel = labels(sels[i]);

		for (size_t j = 0; j < sizeof(sets) / sizeof(sets[0]); j++) {
			json_t *l = labels(sets[j]);
			struct label_selector *s = NULL;
			int built = label_selector_from_api(sel, NULL, &s);
			int direct = label_selector_api_matches(sel, l);

			if (built == 0)
				built = label_selector_matches(s, l);
			if (built != direct)
				fail_msg("%s on %s: built %d, direct %d",
					 sels[i], sets[j], built, direct);
			label_selector_free(s);
			json_decref(l);
		}
		json_decref(sel);
	}
	assert_int_equal(label_selector_api_matches(NULL, NULL), 0);
}

static void test_node_match_agrees(void **state)
{
	json_t *exprs = labels("[{\"key\":\"cpus\",\"operator\":\"Lt\","
			       "\"values\":[\"4\"]}]");
	json_t *bad = labels("[{\"key\":\"cpus\",\"operator\":\"Gt\","
			     "\"values\":[\"four\"]}]");
	json_t *two = labels("{\"cpus\":\"2\"}");
	json_t *eight = labels("{\"cpus\":\"8\"}");

	(void)state;
	assert_int_equal(label_selector_node_matches(exprs, two), 1);
	assert_int_equal(label_selector_node_matches(exprs, eight), 0);
	assert_int_equal(label_selector_node_matches(bad, eight), -EINVAL);
	assert_int_equal(label_selector_node_matches(NULL, eight), 1);
	json_decref(exprs);
	json_decref(bad);
	json_decref(two);
	json_decref(eight);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_equality),
	    cmocka_unit_test(test_label_sets),
	    cmocka_unit_test(test_label_exists_and_numbers),
	    cmocka_unit_test(test_label_errors),
	    cmocka_unit_test(test_label_limits),
	    cmocka_unit_test(test_field_pods),
	    cmocka_unit_test(test_field_kinds),
	    cmocka_unit_test(test_field_escapes),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_field_sizes),
	    cmocka_unit_test(test_client_cases),
	    cmocka_unit_test(test_api_label_selector),
	    cmocka_unit_test(test_node_requirements),
	    cmocka_unit_test(test_api_match_agrees),
	    cmocka_unit_test(test_node_match_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
