/*
 * test_cli.c — the pure parts of the kubefs command line: flags, ages,
 * tables and tabwriter alignment, kind columns and pod status, JSONPath,
 * label/annotate rules, selectors as printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/jsonpath.h"
#include "shell/label.h"
#include "shell/printers.h"
#include "shell/resource.h"

/* Run a statement with stderr sent to /dev/null (expected messages). */
#define QUIET(stmt)                                                            \
	do {                                                                   \
		FILE *saved_ = stderr;                                         \
		stderr = fopen("/dev/null", "w");                              \
		stmt;                                                          \
		fclose(stderr);                                                \
		stderr = saved_;                                               \
	} while (0)

/* Output of fn(f, arg) written to a memory stream. Owned. */
static char *capture_table(const struct table *t, size_t *widths)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	table_print(f, t, widths);
	fclose(f);
	return buf;
}

static char *capture_tw(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	tabwriter_print(f, text, 2);
	fclose(f);
	return buf;
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

static void test_duration(void **state)
{
	static const struct {
		long long s;
		const char *want;
	} cases[] = {
	    {-5, "<invalid>"},
	    {-1, "0s"},
	    {0, "0s"},
	    {59, "59s"},
	    {119, "119s"},
	    {120, "2m"},
	    {125, "2m5s"},
	    {600, "10m"},
	    {3 * 3600 - 1, "179m"},
	    {3 * 3600, "3h"},
	    {7 * 3600 + 60, "7h1m"},
	    {8 * 3600, "8h"},
	    {47 * 3600, "47h"},
	    {48 * 3600, "2d"},
	    {50 * 3600, "2d2h"},
	    {8 * 86400, "8d"},
	    {730 * 86400, "2y"},
	    {731 * 86400, "2y1d"},
	    {3000LL * 86400, "8y"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		printer_duration(cases[i].s, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_age(void **state)
{
	char buf[32];

	(void)state;
	/* 2026-01-01T00:00:00Z is 1767225600 */
	printer_age("2026-01-01T00:00:00Z", 1767225600 + 90, buf, sizeof(buf));
	assert_string_equal(buf, "90s");
	printer_age(NULL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "<unknown>");
	printer_age("yesterday", 0, buf, sizeof(buf));
	assert_string_equal(buf, "<unknown>");
	printer_age("2026-01-01T00:00:10Z", 1767225600, buf, sizeof(buf));
	assert_string_equal(buf, "<invalid>");
}

static void test_table(void **state)
{
	struct table t = {0};
	struct row r = {0};
	size_t widths[ROW_MAX] = {0};
	_cleanup_free_ char *out = NULL, *more = NULL;

	(void)state;
	assert_int_equal(row_addf(&r, "NAME"), 0);
	assert_int_equal(row_addf(&r, "READY"), 0);
	assert_int_equal(row_addf(&r, "AGE"), 0);
	assert_int_equal(table_add(&t, &r), 0);
	assert_int_equal(r.n, 0);
	row_addf(&r, "nginx-7c5b");
	row_addf(&r, "1/1");
	row_addf(&r, "5m\tx\ny"); /* tabs and newlines cannot break rows */
	table_add(&t, &r);
	out = capture_table(&t, widths);
	assert_string_equal(out, "NAME         READY   AGE\n"
				 "nginx-7c5b   1/1     5m x y\n");
	table_release(&t);
	/* later rows keep the widths of the first ones (get -w) */
	row_addf(&r, "a");
	row_addf(&r, "0/1");
	row_addf(&r, "1s");
	table_add(&t, &r);
	more = capture_table(&t, widths);
	assert_string_equal(more, "a            0/1     1s\n");
	table_release(&t);
	/* insert: the NAMESPACE column of -A */
	row_addf(&r, "x");
	assert_int_equal(row_insert(&r, 0, "default"), 0);
	assert_string_equal(r.cell[0], "default");
	assert_string_equal(r.cell[1], "x");
	row_release(&r);
	/* a full row refuses more cells */
	for (int i = 0; i < ROW_MAX; i++)
		assert_int_equal(row_addf(&r, "%d", i), 0);
	assert_int_equal(row_addf(&r, "one too many"), -E2BIG);
	assert_int_equal(row_insert(&r, 0, "x"), -E2BIG);
	row_release(&r);
}

static void test_tabwriter(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	/* one block: values aligned to the widest label plus padding */
	a = capture_tw("Name:\tweb\nNamespace:\tdefault\nLabels:\tapp=web\n"
		       "\ttier=db\n");
	assert_string_equal(a, "Name:       web\n"
			       "Namespace:  default\n"
			       "Labels:     app=web\n"
			       "            tier=db\n");
	/* a line without a tab ends a block; consecutive lines with a
	 * first cell share its width, whatever their indentation */
	b = capture_tw("A:\t1\nContainers:\n  c:\n    Image:\tnginx\n"
		       "    Port:\t<none>\nLongerLabel:\tx\n");
	assert_string_equal(b, "A:  1\n"
			       "Containers:\n"
			       "  c:\n"
			       "    Image:    nginx\n"
			       "    Port:     <none>\n"
			       "LongerLabel:  x\n");
	/* nested columns: the events table */
	c = capture_tw("Events:\n  Type\tReason\tMessage\n"
		       "  ----\t------\t-------\n"
		       "  Normal\tScheduled\tassigned\n");
	assert_string_equal(c, "Events:\n"
			       "  Type    Reason     Message\n"
			       "  ----    ------     -------\n"
			       "  Normal  Scheduled  assigned\n");
}

static void test_labels_selector(void **state)
{
	_cleanup_json_ json_t *labels =
	    load("{\"tier\":\"db\",\"app\":\"web\"}");
	_cleanup_json_ json_t *sel = load(
	    "{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
	    "{\"key\":\"env\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]},"
	    "{\"key\":\"canary\",\"operator\":\"DoesNotExist\"},"
	    "{\"key\":\"x\",\"operator\":\"Exists\"}]}");
	_cleanup_json_ json_t *empty = json_object();
	_cleanup_free_ char *l = printer_labels(labels);
	_cleanup_free_ char *s = printer_selector(sel);
	_cleanup_free_ char *p = printer_selector(labels);
	_cleanup_free_ char *n = printer_labels(empty);
	_cleanup_free_ char *n2 = printer_selector(NULL);

	(void)state;
	assert_string_equal(l, "app=web,tier=db");
	assert_string_equal(s, "app=web,env in (a,b),!canary,x");
	assert_string_equal(p, "app=web,tier=db"); /* Service selector map */
	assert_string_equal(n, "<none>");
	assert_string_equal(n2, "<none>");
}

static void pod_status(const char *json, const char *want_status,
		       const char *want_ready, const char *want_restarts)
{
	_cleanup_json_ json_t *pod = load(json);
	char st[64], ready[16], restarts[64];

	/* 2026-01-01T00:10:00Z */
	printer_pod_status(pod, 1767225600 + 600, st, sizeof(st), ready,
			   sizeof(ready), restarts, sizeof(restarts));
	assert_string_equal(st, want_status);
	assert_string_equal(ready, want_ready);
	assert_string_equal(restarts, want_restarts);
}

static void test_pod_status(void **state)
{
	(void)state;
	pod_status("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
		   "\"status\":{\"phase\":\"Pending\"}}",
		   "Pending", "0/1", "0");
	pod_status(
	    "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":"
	    "\"b\"}]},\"status\":{\"phase\":\"Running\","
	    "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,"
	    "\"restartCount\":2,\"state\":{\"running\":{}},"
	    "\"lastState\":{\"terminated\":{\"finishedAt\":"
	    "\"2026-01-01T00:05:00Z\"}}},{\"name\":\"b\",\"ready\":false,"
	    "\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}}",
	    "CrashLoopBackOff", "1/2", "2 (5m ago)");
	pod_status("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
		   "\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":"
		   "[{\"name\":\"a\",\"state\":{\"terminated\":{\"reason\":"
		   "\"Completed\",\"exitCode\":0}}}]}}",
		   "Completed", "0/1", "0");
	pod_status(
	    "{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Failed\",\"containerStatuses\":"
	    "[{\"name\":\"a\",\"state\":{\"terminated\":{\"signal\":9}}}]"
	    "}}",
	    "Signal:9", "0/1", "0");
	pod_status(
	    "{\"spec\":{\"initContainers\":[{\"name\":\"i\"},{\"name\":"
	    "\"j\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{"
	    "\"phase\":\"Pending\",\"initContainerStatuses\":[{\"name\":"
	    "\"i\",\"state\":{\"terminated\":{\"exitCode\":0}}},{\"name\":"
	    "\"j\",\"state\":{\"running\":{}}}]}}",
	    "Init:1/2", "0/1", "0");
	pod_status("{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z"
		   "\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
		   "\"status\":{\"phase\":\"Running\"}}",
		   "Terminating", "0/1", "0");
	pod_status("{\"spec\":{\"containers\":[]},\"status\":{\"phase\":"
		   "\"Pending\",\"reason\":\"Evicted\"}}",
		   "Evicted", "0/0", "0");
}

static char *row_text(const char *resource, const char *json, bool wide,
		      bool header)
{
	struct kind_info k = {.group = "", .resource = resource};
	_cleanup_json_ json_t *obj = load(json);
	struct row r = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!strcmp(resource, "deployments") ||
	    !strcmp(resource, "replicasets"))
		k.group = "apps";
	if (header)
		assert_int_equal(printer_headers(&k, wide, &r), 0);
	else
		assert_int_equal(
		    printer_row(&k, obj, 1767225600 + 60, wide, &r), 0);
	for (size_t i = 0; i < r.n; i++)
		fprintf(f, "%s%s", i ? "|" : "", r.cell[i]);
	fclose(f);
	row_release(&r);
	return buf;
}

static void test_columns(void **state)
{
	static const char svc[] =
	    "{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":"
	    "\"2026-01-01T00:00:00Z\"},\"spec\":{\"type\":\"NodePort\","
	    "\"clusterIP\":\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\"],"
	    "\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80,"
	    "\"protocol\":\"TCP\",\"nodePort\":30080},{\"port\":53,"
	    "\"protocol\":\"UDP\"}]}}";
	static const char node[] =
	    "{\"metadata\":{\"name\":\"n1\",\"labels\":{"
	    "\"node-role.kubernetes.io/worker\":\"\","
	    "\"node-role.kubernetes.io/control-plane\":\"\"}},"
	    "\"spec\":{\"unschedulable\":true},\"status\":{\"conditions\":"
	    "[{\"type\":\"Ready\",\"status\":\"False\"}],\"nodeInfo\":"
	    "{\"kubeletVersion\":\"v1.30.0\"}}}";
	static const char dep[] =
	    "{\"metadata\":{\"name\":\"nginx\"},\"spec\":{\"replicas\":3,"
	    "\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":"
	    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x:1\"},"
	    "{\"name\":\"b\",\"image\":\"y:2\"}]}}},\"status\":{"
	    "\"readyReplicas\":2,\"updatedReplicas\":3,\"availableReplicas\":"
	    "1}}";
	const struct {
		const char *res, *json;
		bool wide, header;
		const char *want;
	} cases[] = {
	    {"pods", "{}", false, true, "NAME|READY|STATUS|RESTARTS|AGE"},
	    {"pods", "{}", true, true,
	     "NAME|READY|STATUS|RESTARTS|AGE|IP|NODE|NOMINATED NODE|"
	     "READINESS GATES"},
	    {"deployments", "{}", false, true,
	     "NAME|READY|UP-TO-DATE|AVAILABLE|AGE"},
	    {"replicasets", "{}", false, true,
	     "NAME|DESIRED|CURRENT|READY|AGE"},
	    {"services", "{}", false, true,
	     "NAME|TYPE|CLUSTER-IP|EXTERNAL-IP|PORT(S)|AGE"},
	    {"nodes", "{}", false, true, "NAME|STATUS|ROLES|AGE|VERSION"},
	    {"namespaces", "{}", false, true, "NAME|STATUS|AGE"},
	    {"configmaps", "{}", false, true, "NAME|DATA|AGE"},
	    {"widgets", "{}", true, true, "NAME|AGE"},
	    {"services", svc, false, false,
	     "web|NodePort|10.96.0.10|<none>|80:30080/TCP,53/UDP|60s"},
	    {"services", svc, true, false,
	     "web|NodePort|10.96.0.10|<none>|80:30080/TCP,53/UDP|60s|app=web"},
	    {"nodes", node, false, false,
	     "n1|NotReady,SchedulingDisabled|control-plane,worker|<unknown>|"
	     "v1.30.0"},
	    {"deployments", dep, false, false, "nginx|2/3|3|1|<unknown>"},
	    {"deployments", dep, true, false,
	     "nginx|2/3|3|1|<unknown>|a,b|x:1,y:2|app=nginx"},
	    {"configmaps",
	     "{\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}"
	     ","
	     "\"binaryData\":{\"c\":\"AA==\"}}",
	     false, false, "c|3|<unknown>"},
	    {"namespaces",
	     "{\"metadata\":{\"name\":\"t\"},\"status\":"
	     "{\"phase\":\"Terminating\"}}",
	     false, false, "t|Terminating|<unknown>"},
	    {"services",
	     "{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":"
	     "\"LoadBalancer\",\"clusterIP\":\"10.96.0.2\"}}",
	     false, false,
	     "lb|LoadBalancer|10.96.0.2|<pending>|<none>|<unknown>"},
	    {"services",
	     "{\"metadata\":{\"name\":\"ext\"},\"spec\":{\"type\":"
	     "\"ExternalName\",\"externalName\":\"a.example\"}}",
	     false, false,
	     "ext|ExternalName|<none>|a.example|<none>|<unknown>"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *got =
		    row_text(cases[i].res, cases[i].json, cases[i].wide,
			     cases[i].header);

		assert_string_equal(got, cases[i].want);
	}
}

static char *jp(const char *tmpl, const char *json)
{
	_cleanup_json_ json_t *obj = load(json);
	struct jsonpath *p = NULL;
	struct kf_error err;
	char *out;

	kf_error_init(&err);
	if (jsonpath_parse(tmpl, &err, &p) < 0)
		fail_msg("parse %s: %s", tmpl, err.msg);
	out = jsonpath_text(p, obj);
	jsonpath_free(p);
	assert_non_null(out);
	return out;
}

static void test_jsonpath(void **state)
{
	static const char list[] =
	    "{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"a\","
	    "\"labels\":{\"app.kubernetes.io/name\":\"x\"}},\"status\":{"
	    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},{"
	    "\"type\":\"PodScheduled\",\"status\":\"False\"}],\"n\":3}},"
	    "{\"metadata\":{\"name\":\"b\"},\"status\":{\"n\":4.5,\"ok\":"
	    "true}}]}";
	const struct {
		const char *tmpl, *want;
	} cases[] = {
	    {"{.kind}", "List"},
	    {"kind={.kind}!", "kind=List!"},
	    {"{.items[*].metadata.name}", "a b"},
	    {"{.items[0].metadata.name}", "a"},
	    {"{.items[-1].metadata.name}", "b"},
	    {"{.items[5].metadata.name}", ""},
	    {"{.nope.deeper}", ""},
	    {"{.items[0].metadata.labels['app.kubernetes.io/name']}", "x"},
	    {"{.items[0].status.conditions[?(@.type==\"Ready\")].status}",
	     "True"},
	    {"{.items[0].status.conditions[?(@.status != 'True')].type}",
	     "PodScheduled"},
	    {"{.items[?(@.status.ok)].metadata.name}", "b"},
	    {"{.items[?(@.status.n==3)].metadata.name}", "a"},
	    {"{range .items[*]}{.metadata.name}:{.status.n}{\"\\n\"}{end}",
	     "a:3\nb:4.5\n"},
	    {"{range .items}[{.metadata.name}]{end}", "[a][b]"},
	    {"{.items[1].status}", "{\"n\":4.5,\"ok\":true}"},
	    {"{.items[1].status.ok}", "true"},
	    {"{$.kind}", "List"},
	    {"{range .items[*]}{$.kind}{end}", "ListList"},
	    {"{.items[0].metadata.labels.*}", "x"},
	};
	static const char *const bad[] = {
	    "{.a",	"{range .items[*]}{.x}", "{end}", "{.a[1:2]}",
	    "{..name}", "{.a[?(@.x==)]}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *got = jp(cases[i].tmpl, list);

		if (strcmp(got, cases[i].want))
			fail_msg("%s: got '%s', want '%s'", cases[i].tmpl, got,
				 cases[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jsonpath *p = NULL;
		struct kf_error err;

		kf_error_init(&err);
		if (jsonpath_parse(bad[i], &err, &p) == 0) {
			jsonpath_free(p);
			fail_msg("%s parsed", bad[i]);
		}
		assert_true(err.msg[0] != '\0');
	}
}

static void test_jsonpath_limits(void **state)
{
	char *big = malloc(JSONPATH_TEXT_MAX + 2);
	struct jsonpath *p = NULL;
	struct kf_error err;
	char nest[JSONPATH_DEPTH_MAX * 20 + 64] = "";

	(void)state;
	memset(big, 'x', JSONPATH_TEXT_MAX + 1);
	big[JSONPATH_TEXT_MAX + 1] = '\0';
	kf_error_init(&err);
	assert_int_equal(jsonpath_parse(big, &err, &p), -EINVAL);
	free(big);
	for (int i = 0; i <= JSONPATH_DEPTH_MAX; i++)
		strcat(nest, "{range .a}");
	kf_error_init(&err);
	assert_int_equal(jsonpath_parse(nest, &err, &p), -EINVAL);
	jsonpath_free(NULL);
}

static void test_flags(void **state)
{
	bool all = false, watch = false, wait = true;
	const char *ns = NULL, *out = NULL;
	long long replicas = -1, timeout = 0;
	struct flag_list files = {0};
	const struct flag flags[] = {
	    {"all-namespaces", 'A', FLAG_BOOL, &all, "false", "x"},
	    {"filename", 'f', FLAG_LIST, &files, "[]", "x"},
	    {"namespace", 'n', FLAG_STRING, &ns, "''", "x"},
	    {"output", 'o', FLAG_STRING, &out, "''", "x"},
	    {"replicas", 0, FLAG_INT, &replicas, "0", "x"},
	    {"timeout", 0, FLAG_DURATION, &timeout, "0s", "x"},
	    {"wait", 0, FLAG_BOOL, &wait, "true", "x"},
	    {"watch", 'w', FLAG_BOOL, &watch, "false", "x"},
	    {NULL},
	};
	const struct command_help h = {"get", "d", "", "get"};
	char a0[] = "get", a1[] = "pods", a2[] = "-Aw", a3[] = "-oyaml",
	     a4[] = "--namespace=kube-system", a5[] = "web", a6[] = "-f",
	     a7[] = "a.yaml,b.yaml", a8[] = "--replicas", a9[] = "3",
	     a10[] = "--timeout=1m30s", a11[] = "--wait=false", a12[] = "--",
	     a13[] = "-not-a-flag";
	char *argv[] = {a0, a1, a2,  a3,  a4,  a5,  a6,	 a7,
			a8, a9, a10, a11, a12, a13, NULL};
	int n = 0;

	(void)state;
	assert_int_equal(flags_parse(&h, flags, 14, argv, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(argv[1], "pods");
	assert_string_equal(argv[2], "web");
	assert_string_equal(argv[3], "-not-a-flag");
	assert_true(all);
	assert_true(watch);
	assert_false(wait);
	assert_string_equal(out, "yaml");
	assert_string_equal(ns, "kube-system");
	assert_int_equal(files.n, 2);
	assert_string_equal(files.v[1], "b.yaml");
	assert_int_equal(replicas, 3);
	assert_int_equal(timeout, 90000);
}

static void test_flag_errors(void **state)
{
	bool b = false;
	long long i = 0;
	const char *s = NULL;
	const struct flag flags[] = {
	    {"overwrite", 0, FLAG_BOOL, &b, "false", "x"},
	    {"replicas", 0, FLAG_INT, &i, "0", "x"},
	    {"namespace", 'n', FLAG_STRING, &s, "''", "x"},
	    {NULL},
	};
	const struct command_help h = {"label", "d", "", "label"};
	const char *const bad[][3] = {
	    {"label", "--nope", NULL},
	    {"label", "-x", NULL},
	    {"label", "-n", NULL},
	    {"label", "--namespace", NULL},
	    {"label", "--replicas=x", NULL},
	    {"label", "--overwrite=maybe", NULL},
	};
	long long ms;

	(void)state;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char a0[32], a1[64];
		char *argv[] = {a0, a1, NULL};
		int n = -1;
		FILE *saved = stderr;

		snprintf(a0, sizeof(a0), "%s", bad[k][0]);
		snprintf(a1, sizeof(a1), "%s", bad[k][1]);
		stderr = fopen("/dev/null", "w");
		assert_int_equal(flags_parse(&h, flags, 2, argv, &n), -EINVAL);
		fclose(stderr);
		stderr = saved;
		assert_int_equal(n, -1); /* untouched on failure */
	}
	assert_int_equal(flags_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(flags_duration("2h", &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(flags_duration("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(flags_duration("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(flags_duration("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(flags_duration("-1s", &ms), -EINVAL);
	assert_int_equal(flags_duration("10x", &ms), -EINVAL);
	assert_int_equal(flags_duration("", &ms), -EINVAL);
	assert_int_equal(flags_duration("99999999999999h", &ms), -EINVAL);
}

static void test_label_patch(void **state)
{
	_cleanup_json_ json_t *cur = load("{\"tier\":\"web\",\"app\":\"x\"}");
	_cleanup_json_ json_t *patch = NULL;
	struct label_change ch[4];
	struct kf_error err;
	char a[] = "tier=db", b[] = "app-", c[] = "new=1", d[] = "=v",
	     e[] = "tier=web";
	bool removes_only;

	(void)state;
	assert_true(label_is_change("a=b"));
	assert_true(label_is_change("a-"));
	assert_false(label_is_change("pods"));
	assert_false(label_is_change("pod/web-"));
	kf_error_init(&err);
	assert_int_equal(label_parse(a, &ch[0], &err), 0);
	assert_string_equal(ch[0].key, "tier");
	assert_string_equal(ch[0].value, "db");
	assert_int_equal(label_parse(b, &ch[1], &err), 0);
	assert_null(ch[1].value);
	assert_int_equal(label_parse(c, &ch[2], &err), 0);
	assert_int_equal(label_parse(d, &ch[3], &err), -EINVAL);

	/* without --overwrite a different value is refused */
	kf_error_init(&err);
	assert_int_equal(label_patch(cur, "labels", ch, 3, false, &err, &patch,
				     &removes_only),
			 -EEXIST);
	assert_string_equal(err.msg, "'tier' already has a value (web), and "
				     "--overwrite is false");
	kf_error_init(&err);
	assert_int_equal(label_patch(cur, "annotations", ch, 1, false, &err,
				     &patch, &removes_only),
			 -EEXIST);
	assert_string_equal(err.msg, "--overwrite is false but found the "
				     "following declared annotation(s): 'tier' "
				     "already has a value (web)");
	/* the same value is not a conflict */
	assert_int_equal(label_parse(e, &ch[3], &err), 0);
	assert_int_equal(label_patch(cur, "labels", &ch[3], 1, false, &err,
				     &patch, &removes_only),
			 0);
	json_decref(patch);
	patch = NULL;
	/* with --overwrite: sets and removals in one merge patch */
	assert_int_equal(label_patch(cur, "labels", ch, 3, true, &err, &patch,
				     &removes_only),
			 0);
	assert_false(removes_only);
	{
		_cleanup_free_ char *s =
		    json_dumps(patch, JSON_COMPACT | JSON_SORT_KEYS);

		assert_string_equal(s,
				    "{\"metadata\":{\"labels\":{\"app\":null,"
				    "\"new\":\"1\",\"tier\":\"db\"}}}");
	}
	json_decref(patch);
	patch = NULL;
	assert_int_equal(label_patch(cur, "labels", &ch[1], 1, false, &err,
				     &patch, &removes_only),
			 0);
	assert_true(removes_only);
	json_decref(patch);
	patch = NULL;
	/* setting and removing one key at once is refused */
	{
		char x[] = "k=v", y[] = "k-";

		label_parse(x, &ch[0], &err);
		label_parse(y, &ch[1], &err);
		kf_error_init(&err);
		assert_int_equal(label_patch(cur, "labels", ch, 2, true, &err,
					     &patch, &removes_only),
				 -EINVAL);
		assert_string_equal(err.msg, "can not both modify and remove a "
					     "label in the same command");
	}
}

static void test_refs(void **state)
{
	char a1[] = "po,svc", a2[] = "web", a3[] = "db";
	char b1[] = "deploy/nginx", b2[] = "pod/web";
	char c1[] = "all";
	char d1[] = "widgets";
	char e1[] = "pods", e2[] = "pod/web";
	char f1[] = "pod/", f2[] = "a/b/c";
	char *a[] = {a1, a2, a3}, *b[] = {b1, b2}, *c[] = {c1}, *d[] = {d1};
	char *e[] = {e1, e2}, *f[] = {f1}, *g[] = {f2};
	struct refs r = {0};
	int ret;

	(void)state;
	assert_int_equal(refs_parse("get", 3, a, &r), 0);
	assert_int_equal(r.nkinds, 2);
	assert_int_equal(r.n, 4);
	assert_true(r.by_name);
	assert_string_equal(r.v[0].kind->resource, "pods");
	assert_string_equal(r.v[0].name, "web");
	assert_string_equal(r.v[1].name, "db");
	assert_string_equal(r.v[2].kind->resource, "services");
	assert_string_equal(ref_type(r.v[2].kind), "service");
	refs_release(&r);

	assert_int_equal(refs_parse("get", 2, b, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(ref_type(r.v[0].kind), "deployment.apps");
	assert_string_equal(ref_resource(r.v[0].kind), "deployments.apps");
	assert_string_equal(r.v[0].name, "nginx");
	assert_string_equal(r.v[1].kind->kind, "Pod");
	refs_release(&r);

	assert_int_equal(refs_parse("get", 1, c, &r), 0);
	assert_false(r.by_name);
	assert_true(r.nkinds >= 3);
	for (size_t i = 0; i < r.n; i++)
		assert_null(r.v[i].name);
	refs_release(&r);

	QUIET(ret = refs_parse("get", 1, d, &r));
	assert_int_equal(ret, -EINVAL);
	QUIET(ret = refs_parse("get", 2, e, &r));
	assert_int_equal(ret, -EINVAL);
	QUIET(ret = refs_parse("get", 1, f, &r));
	assert_int_equal(ret, -EINVAL);
	QUIET(ret = refs_parse("get", 1, g, &r));
	assert_int_equal(ret, -EINVAL);
	QUIET(ret = refs_parse("get", 0, NULL, &r));
	assert_int_equal(ret, -EINVAL);
	assert_null(r.v);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_manifests(void **state)
{
	char dir[] = "/tmp/kubefs-test-cli-XXXXXX";
	char p[1024], sub[256];
	struct manifests m = {0};
	struct flag_list files = {0};
	const char *ns;
	int ret;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(p, sizeof(p), "%s/b.yaml", dir);
	write_text(p, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
		      "---\n# only a comment\n---\napiVersion: v1\nkind: "
		      "ConfigMap\nmetadata: {name: c, namespace: team}\n");
	snprintf(p, sizeof(p), "%s/a.json", dir);
	write_text(p, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":"
		      "[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
		      "\"metadata\":{\"name\":\"a\"}}]}");
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	write_text(p, "not yaml: [");
	snprintf(p, sizeof(p), "%s/d.yml", sub);
	write_text(p, "apiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n");

	files.v[files.n++] = dir;
	assert_int_equal(manifests_read(&files, false, &m), 0);
	assert_int_equal(m.n, 3); /* a.json's item, then b.yaml's two */
	assert_string_equal(jstr(m.v[0].obj, "metadata.name"), "a");
	assert_string_equal(m.v[0].kind->kind, "Deployment");
	assert_string_equal(jstr(m.v[2].obj, "metadata.name"), "c");
	assert_non_null(strstr(m.v[1].source, "b.yaml"));
	/* the namespace: the document's, else the flag's; they must agree */
	assert_int_equal(manifest_namespace(&m.v[1], "x", false, &ns), 0);
	assert_string_equal(ns, "x");
	assert_int_equal(manifest_namespace(&m.v[2], "x", false, &ns), 0);
	assert_string_equal(ns, "team");
	QUIET(ret = manifest_namespace(&m.v[2], "x", true, &ns));
	assert_int_equal(ret, -EINVAL);
	manifests_release(&m);

	assert_int_equal(manifests_read(&files, true, &m), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.v[3].kind->kind, "Namespace");
	assert_int_equal(manifest_namespace(&m.v[3], "x", true, &ns), 0);
	assert_null(ns); /* cluster-scoped */
	manifests_release(&m);

	/* errors: a missing path, bad YAML, an unknown kind, no kind; the
	 * good documents read before stay */
	snprintf(p, sizeof(p), "%s/bad.yaml", sub);
	write_text(p, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"
		      "---\napiVersion: x/v1\nkind: Widget\nmetadata: {name: "
		      "w}\n---\nmetadata: {name: nokind}\n");
	files.n = 0;
	files.v[files.n++] = p;
	QUIET(ret = manifests_read(&files, false, &m));
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(m.n, 1);
	manifests_release(&m);
	snprintf(p, sizeof(p), "%s/missing.yaml", dir);
	QUIET(ret = manifests_read(&files, false, &m));
	assert_int_equal(ret, -ENOENT);
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	QUIET(ret = manifests_read(&files, false, &m));
	assert_int_equal(ret, -EINVAL);
	manifests_release(&m);

	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

static void test_reasons(void **state)
{
	(void)state;
	assert_string_equal(cli_reason(-ENOENT, "x"), "NotFound");
	assert_string_equal(cli_reason(-EEXIST, "x"), "AlreadyExists");
	assert_string_equal(cli_reason(-ESTALE, "x"), "Conflict");
	assert_string_equal(cli_reason(-EINVAL, "Pod \"x\" is invalid: y"),
			    "Invalid");
	assert_string_equal(cli_reason(-EINVAL, "the name does not match"),
			    "BadRequest");
	assert_string_equal(cli_reason(-EACCES, "x"), "Forbidden");
	assert_string_equal(cli_reason(-EFBIG, "x"), "RequestEntityTooLarge");
	assert_string_equal(cli_reason(-EAGAIN, "x"), "TooManyRequests");
	assert_null(cli_reason(-ENOMEM, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_age),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_tabwriter),
	    cmocka_unit_test(test_labels_selector),
	    cmocka_unit_test(test_pod_status),
	    cmocka_unit_test(test_columns),
	    cmocka_unit_test(test_jsonpath),
	    cmocka_unit_test(test_jsonpath_limits),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_flag_errors),
	    cmocka_unit_test(test_label_patch),
	    cmocka_unit_test(test_refs),
	    cmocka_unit_test(test_manifests),
	    cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
