/*
 * test_flags.c — pflag's syntax and sentences (api/flags.h) and the
 * klog line header (api/klog.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/flags.h"
#include "api/klog.h"

struct vals {
	bool all, watch, fake;
	const char *name;
	long long n, ms;
	double ratio;
	struct flag_list files;
	char seen[64];
	long long weight;
};

static int set_weight(void *ud, const char *name, const char *text,
		      struct kf_error *err)
{
	struct vals *v = ud;

	if (strcmp(text, "3") != 0)
		return kf_error_set(err, -EINVAL, "must be 3");
	snprintf(v->seen, sizeof(v->seen), "%s", name);
	v->weight = 3;
	return 0;
}

/* Parse the NULL-terminated arguments; returns the result, positional
 * arguments joined by ' ' in pos. */
static int run(struct vals *v, struct kf_error *err, char *pos, ...)
{
	struct flag_func weight = {set_weight, v, false};
	const struct flag flags[] = {
	    {"all-namespaces", 'A', FLAG_BOOL, &v->all, "false", ""},
	    {"watch", 'w', FLAG_BOOL, &v->watch, "false", ""},
	    {"fake", 0, FLAG_BOOL, &v->fake, "false", ""},
	    {"name", 'n', FLAG_STRING, &v->name, "''", ""},
	    {"count", 'c', FLAG_INT, &v->n, "0", ""},
	    {"timeout", 0, FLAG_DURATION, &v->ms, "0s", ""},
	    {"ratio", 0, FLAG_DOUBLE, &v->ratio, "1", ""},
	    {"filename", 'f', FLAG_LIST, &v->files, "[]", ""},
	    {"weight-*", 0, FLAG_FUNC, &weight, "", ""},
	    {NULL},
	};
	static char args[16][64];
	char *argv[17];
	int argc = 0, n = 0, r;
	va_list ap;
	const char *a;

	argv[argc++] = "cmd";
	va_start(ap, pos);
	while ((a = va_arg(ap, const char *))) {
		snprintf(args[argc], sizeof(args[argc]), "%s", a);
		argv[argc] = args[argc];
		argc++;
	}
	va_end(ap);
	memset(v, 0, sizeof(*v));
	kf_error_init(err);
	r = flags_parse_argv(flags, argc, argv, err, &n);
	pos[0] = '\0';
	for (int i = 1; r == 0 && i < n; i++) {
		strcat(pos, i > 1 ? " " : "");
		strcat(pos, argv[i]);
	}
	return r;
}

static void test_syntax(void **state)
{
	struct vals v;
	struct kf_error err;
	char pos[256];

	(void)state;
	assert_int_equal(run(&v, &err, pos, "pods", "--name", "x", "-Aw", "web",
			     "--count=3", NULL),
			 0);
	assert_string_equal(pos, "pods web");
	assert_string_equal(v.name, "x");
	assert_true(v.all && v.watch);
	assert_int_equal(v.n, 3);
	assert_int_equal(run(&v, &err, pos, "-nfoo", "-c", "7", "-A=false",
			     "--fake=T", "--", "--name", "-", NULL),
			 0);
	assert_string_equal(v.name, "foo");
	assert_int_equal(v.n, 7);
	assert_false(v.all);
	assert_true(v.fake);
	assert_string_equal(pos, "--name -");
	assert_int_equal(run(&v, &err, pos, "-n=bar", "--timeout", "1m30s",
			     "--ratio=0.5", "-f", "a,b", "--filename=c", NULL),
			 0);
	assert_string_equal(v.name, "bar");
	assert_int_equal(v.ms, 90000);
	assert_true(v.ratio == 0.5);
	assert_int_equal(v.files.n, 3);
	assert_string_equal(v.files.v[2], "c");
	/* a prefix flag gets the whole name */
	assert_int_equal(run(&v, &err, pos, "--weight-NodeAffinity=3", NULL),
			 0);
	assert_string_equal(v.seen, "weight-NodeAffinity");
	assert_int_equal(run(&v, &err, pos, "--help", "--nope", NULL),
			 FLAGS_HELP);
	assert_int_equal(run(&v, &err, pos, "-h", NULL), FLAGS_HELP);
}

static void expect(const char *msg, const char *a, const char *b)
{
	struct vals v;
	struct kf_error err;
	char pos[256];

	assert_int_equal(run(&v, &err, pos, a, b, NULL), -EINVAL);
	assert_string_equal(err.msg, msg);
}

static void test_errors(void **state)
{
	(void)state;
	expect("unknown flag: --nope", "--nope", NULL);
	expect("unknown flag: --nope", "--nope=1", NULL);
	expect("unknown shorthand flag: 'x' in -Ax", "-Ax", NULL);
	expect("flag needs an argument: --name", "--name", NULL);
	expect("flag needs an argument: 'n' in -n", "-n", NULL);
	expect("invalid argument \"x\" for \"-c, --count\" flag: "
	       "strconv.ParseInt: parsing \"x\": invalid syntax",
	       "--count", "x");
	expect("invalid argument \"99999999999999999999\" for \"-c, --count\" "
	       "flag: strconv.ParseInt: parsing \"99999999999999999999\": "
	       "value out of range",
	       "-c99999999999999999999", NULL);
	expect("invalid argument \"maybe\" for \"--fake\" flag: "
	       "strconv.ParseBool: parsing \"maybe\": invalid syntax",
	       "--fake=maybe", NULL);
	expect("invalid argument \"soon\" for \"--timeout\" flag: time: "
	       "invalid duration \"soon\"",
	       "--timeout=soon", NULL);
	expect("invalid argument \"x\" for \"--ratio\" flag: "
	       "strconv.ParseFloat: parsing \"x\": invalid syntax",
	       "--ratio", "x");
	expect("invalid argument \"4\" for \"--weight-X\" flag: must be 3",
	       "--weight-X", "4");
	expect("unknown flag: --weight-", "--weight-=3", NULL);
}

static void test_durations(void **state)
{
	struct kf_error err;
	uint64_t ns;
	long long ms;

	(void)state;
	assert_int_equal(go_duration_parse("1h0m0.25s", &err, &ns), 0);
	assert_true(ns == 3600250000000ull);
	kf_error_init(&err);
	assert_int_equal(go_duration_parse("2", &err, &ns), -EINVAL);
	assert_string_equal(err.msg, "time: missing unit in duration \"2\"");
	assert_int_equal(go_duration_parse("-1s", &err, &ns), -ERANGE);
	assert_int_equal(flags_duration("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(flags_duration("1500us", &ms), 0);
	assert_int_equal(ms, 1);
	assert_int_equal(flags_duration("-1s", &ms), -EINVAL);
}

static void test_parse_only(void **state)
{
	bool fake = false;
	const struct flag flags[] = {
	    {"fake", 0, FLAG_BOOL, &fake, "false", ""},
	    {NULL},
	};
	char a0[] = "kubefs-x", a1[] = "--fake", a2[] = "extra", a3[] = "-h";
	char *argv[] = {a0, a1, a2, NULL};
	char *only[] = {a0, a1, NULL};
	char *help[] = {a0, a3, NULL};
	struct kf_error err;

	(void)state;
	kf_error_init(&err);
	assert_int_equal(flags_parse_only(flags, 3, argv, "kubefs-x", &err),
			 -EINVAL);
	assert_string_equal(err.msg, "unexpected argument \"extra\": "
				     "kubefs-x takes only flags");
	fake = false;
	assert_int_equal(flags_parse_only(flags, 2, only, "kubefs-x", &err), 0);
	assert_true(fake);
	assert_int_equal(flags_parse_only(flags, 2, help, "kubefs-x", &err),
			 FLAGS_HELP);
}

static void test_klog_header(void **state)
{
	struct timespec t = {.tv_sec = 1136214245, .tv_nsec = 123456789};
	char buf[128];

	(void)state;
	assert_int_equal(
	    klog_header('I', &t, 4242, "kubefs-sched", buf, sizeof(buf)),
	    strlen("I0102 15:04:05.123456    4242 kubefs-sched] "));
	assert_string_equal(buf,
			    "I0102 15:04:05.123456    4242 kubefs-sched] ");
	klog_header('E', &t, 7, "x", buf, 8);
	assert_string_equal(buf, "E0102 1");
}

static void test_go_durations_table(void **state)
{
	static const struct {
		const char *in;
		uint64_t ns;
	} ok[] = {
	    {"0", 0},
	    {"100ms", 100000000},
	    {"0.1s", 100000000},
	    {"1.5s", 1500000000},
	    {"2m30s", 150000000000ull},
	    {"1h", 3600000000000ull},
	    {"10us", 10000},
	    {"10\xc2\xb5s", 10000},
	    {"7ns", 7},
	    {"+3s", 3000000000ull},
	    {".5s", 500000000},
	    {"1h0m0.25s", 3600250000000ull},
	};
	static const struct {
		const char *in, *msg;
		int r;
	} bad[] = {
	    {"", "time: invalid duration \"\"", -EINVAL},
	    {"abc", "time: invalid duration \"abc\"", -EINVAL},
	    {"1", "time: missing unit in duration \"1\"", -EINVAL},
	    {"1d", "time: unknown unit \"d\" in duration \"1d\"", -EINVAL},
	    {".s", "time: invalid duration \".s\"", -EINVAL},
	    {"-1s", "must not be negative", -ERANGE},
	    {"99999999999999999999h", "time: invalid duration", -EINVAL},
	    {"6000000h", "time: invalid duration", -EINVAL},
	};
	struct kf_error err;
	uint64_t ns;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		kf_error_init(&err);
		ns = 42;
		if (go_duration_parse(ok[i].in, &err, &ns) < 0)
			fail_msg("%s: %s", ok[i].in, err.msg);
		assert_int_equal(ns, ok[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kf_error_init(&err);
		ns = 42;
		assert_int_equal(go_duration_parse(bad[i].in, &err, &ns),
				 bad[i].r);
		assert_int_equal(ns, 42); /* untouched */
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s: got \"%s\"", bad[i].in, err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syntax),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_parse_only),
	    cmocka_unit_test(test_klog_header),
	    cmocka_unit_test(test_go_durations_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
