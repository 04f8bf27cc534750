/*
 * test_codec.c — YAML/JSON decoding, limits, canonical encoders.
 *
 * Runs from the repository root (tests/data/codec/, examples/).
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
#include "api/codec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static json_t *decode_ok(const char *text)
{
	struct kf_error err;
	json_t *docs = NULL;
	int r;

	kf_error_init(&err);
	r = codec_decode(text, strlen(text), NULL, &err, &docs);
	if (r < 0)
		fail_msg("decode failed (%d): %s\n--- input:\n%s", r, err.msg,
			 text);
	return docs;
}

static json_t *decode_one_ok(const char *text)
{
	_cleanup_json_ json_t *docs = decode_ok(text);

	assert_int_equal(json_array_size(docs), 1);
	return json_incref(json_array_get(docs, 0));
}

/* Decoding must fail with code; the message must contain want. */
static void decode_fails(const char *text, size_t len, int code,
			 const char *want)
{
	json_t *docs = (json_t *)(uintptr_t)0x1;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = codec_decode(text, len, NULL, &err, &docs);
	if (r != code || !strstr(err.msg, want))
		fail_msg("want %d \"%s\", got %d \"%s\"", code, want, r,
			 err.msg);
	assert_int_equal(err.code, code);
	assert_ptr_equal(docs, (json_t *)(uintptr_t)0x1);
}

static void decode_fails_s(const char *text, int code, const char *want)
{
	decode_fails(text, strlen(text), code, want);
}

/* encode → decode gives the same tree; encoding again the same bytes. */
static void assert_round_trip(const json_t *doc)
{
	char *(*const enc[])(const json_t *, size_t *) = {
	    codec_encode_yaml, codec_encode_json, codec_encode_json_line};

	for (size_t i = 0; i < ARRAY_SIZE(enc); i++) {
		_cleanup_free_ char *text = NULL, *again = NULL;
		_cleanup_json_ json_t *back = NULL;
		struct kf_error err;
		size_t len;

		text = enc[i](doc, &len);
		assert_non_null(text);
		assert_int_equal(strlen(text), len);
		kf_error_init(&err);
		if (codec_decode_one(text, len, NULL, &err, &back) < 0)
			fail_msg("re-decode failed: %s\n--- text:\n%s", err.msg,
				 text);
		if (!json_equal(back, (json_t *)doc))
			fail_msg("tree changed\n--- text:\n%s", text);
		again = enc[i](back, NULL);
		assert_string_equal(text, again);
	}
}

static void assert_yaml(const json_t *doc, const char *want)
{
	_cleanup_free_ char *y = codec_encode_yaml(doc, NULL);

	assert_non_null(y);
	assert_string_equal(y, want);
	assert_round_trip(doc);
}

/* The canonical YAML of text (one document) is want. */
static void assert_canonical(const char *text, const char *want)
{
	_cleanup_json_ json_t *doc = decode_one_ok(text);

	assert_yaml(doc, want);
}

static void assert_json_of(const char *text, const char *want)
{
	_cleanup_json_ json_t *doc = decode_one_ok(text);
	_cleanup_free_ char *j = codec_encode_json_line(doc, NULL);

	assert_string_equal(j, want);
}

/* got equals want (stolen). */
static void assert_json_eq(const json_t *got, json_t *want)
{
	bool eq = json_equal((json_t *)got, want);

	json_decref(want);
	assert_true(eq);
}

static char *slurp(const char *path, size_t *ret_len)
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
		if (ret_len)
			*ret_len = (size_t)n;
	}
	return buf;
}

static void test_deployment_example(void **state)
{
	_cleanup_free_ char *text = slurp("examples/deployment.yaml", NULL);
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *y = NULL;
	json_t *c;

	assert_non_null(text);
	doc = decode_one_ok(text);
	assert_string_equal(
	    json_string_value(json_object_get(doc, "apiVersion")), "apps/v1");
	assert_true(json_is_integer(
	    json_object_get(json_object_get(doc, "spec"), "replicas")));
	c = json_array_get(
	    json_object_get(
		json_object_get(
		    json_object_get(json_object_get(doc, "spec"), "template"),
		    "spec"),
		"containers"),
	    0);
	assert_string_equal(json_string_value(json_object_get(c, "image")),
			    "docker.io/nginx:latest");
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(c, "ports"), 0),
			     "containerPort")),
			 80);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(c, "resources"), "requests"),
		"cpu")),
	    "100m");
	y = codec_encode_yaml(doc, NULL);
	assert_string_equal(y, "apiVersion: apps/v1\n"
			       "kind: Deployment\n"
			       "metadata:\n"
			       "  labels:\n"
			       "    app: nginx\n"
			       "  name: nginx\n"
			       "spec:\n"
			       "  replicas: 1\n"
			       "  selector:\n"
			       "    matchLabels:\n"
			       "      app: nginx\n"
			       "  template:\n"
			       "    metadata:\n"
			       "      labels:\n"
			       "        app: nginx\n"
			       "    spec:\n"
			       "      containers:\n"
			       "      - image: docker.io/nginx:latest\n"
			       "        name: leader\n"
			       "        ports:\n"
			       "        - containerPort: 80\n"
			       "        resources:\n"
			       "          requests:\n"
			       "            cpu: 100m\n"
			       "            memory: 100Mi\n");
	assert_round_trip(doc);
}

static void test_scalar_types(void **state)
{
	static const struct {
		const char *in, *json;
	} cases[] = {
	    {"a: ", "{\"a\":null}"},
	    {"a: ~", "{\"a\":null}"},
	    {"a: null", "{\"a\":null}"},
	    {"a: NULL", "{\"a\":null}"},
	    {"a: nULL", "{\"a\":\"nULL\"}"},
	    {"a: true", "{\"a\":true}"},
	    {"a: False", "{\"a\":false}"},
	    {"a: yes", "{\"a\":\"yes\"}"},
	    {"a: on", "{\"a\":\"on\"}"},
	    {"a: 42", "{\"a\":42}"},
	    {"a: -42", "{\"a\":-42}"},
	    {"a: +7", "{\"a\":7}"},
	    {"a: 0777", "{\"a\":777}"},
	    {"a: 0o17", "{\"a\":15}"},
	    {"a: 0x1F", "{\"a\":31}"},
	    {"a: 0x7FFFFFFFFFFFFFFF", "{\"a\":9223372036854775807}"},
	    {"a: -9223372036854775808", "{\"a\":-9223372036854775808}"},
	    {"a: 1_000", "{\"a\":\"1_000\"}"},
	    {"a: 1.5", "{\"a\":1.5}"},
	    {"a: 1.", "{\"a\":1.0}"},
	    {"a: .5", "{\"a\":0.5}"},
	    {"a: 1e3", "{\"a\":1000.0}"},
	    {"a: -2.5E-3", "{\"a\":-0.0025}"},
	    {"a: 1e-999", "{\"a\":0.0}"},
	    {"a: 0.1", "{\"a\":0.1}"},
	    {"a: 100m", "{\"a\":\"100m\"}"},
	    {"a: 1.2.3", "{\"a\":\"1.2.3\"}"},
	    {"a: 12:30", "{\"a\":\"12:30\"}"},
	    {"a: 2001-12-14", "{\"a\":\"2001-12-14\"}"},
	    {"a: '42'", "{\"a\":\"42\"}"},
	    {"a: \"true\"", "{\"a\":\"true\"}"},
	    {"a: |\n  1\n", "{\"a\":\"1\\n\"}"},
	    {"a: !!str 42", "{\"a\":\"42\"}"},
	    {"a: !!int \"42\"", "{\"a\":42}"},
	    {"a: !!float 1", "{\"a\":1.0}"},
	    {"a: !!float '0x10'", "{\"a\":16.0}"},
	    {"a: !!bool 'True'", "{\"a\":true}"},
	    {"a: !!null ''", "{\"a\":null}"},
	    {"a: ! 12", "{\"a\":\"12\"}"},
	    {"a: !custom 12", "{\"a\":\"12\"}"},
	    {"a: \"\\u00e9\\t\"", "{\"a\":\"\xc3\xa9\\t\"}"},
	    {"1: a\ntrue: b\nnull: c\n1.5: d\n0x10: e",
	     "{\"1\":\"a\",\"1.5\":\"d\",\"16\":\"e\",\"null\":\"c\","
	     "\"true\":\"b\"}"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_json_of(cases[i].in, cases[i].json);
}

static void test_quoting(void **state)
{
	static const struct {
		const char *s, *yaml;
	} cases[] = {
	    {"plain", "plain"},
	    {"true", "\"true\""},
	    {"True", "\"True\""},
	    {"yes", "\"yes\""},
	    {"y", "\"y\""},
	    {"off", "\"off\""},
	    {"1", "\"1\""},
	    {"-1", "\"-1\""},
	    {"1e3", "\"1e3\""},
	    {"1.5", "\"1.5\""},
	    {".5", "\".5\""},
	    {"0x1F", "\"0x1F\""},
	    {"0o17", "\"0o17\""},
	    {"0b101", "\"0b101\""},
	    {"1_000", "\"1_000\""},
	    {"12:30", "\"12:30\""},
	    {"2001-12-14", "\"2001-12-14\""},
	    {".inf", "\".inf\""},
	    {".NaN", "\".NaN\""},
	    {"null", "\"null\""},
	    {"Null", "\"Null\""},
	    {"~", "\"~\""},
	    {"", "\"\""},
	    {" a", "\" a\""},
	    {"a ", "\"a \""},
	    {"a: b", "\"a: b\""},
	    {"a:", "\"a:\""},
	    {"a:b", "a:b"},
	    {"http://x:80/y", "http://x:80/y"},
	    {"#x", "\"#x\""},
	    {"a #x", "\"a #x\""},
	    {"a#x", "a#x"},
	    {"- x", "\"- x\""},
	    {"-", "\"-\""},
	    {"-x", "-x"},
	    {"--port=80", "--port=80"},
	    {"---", "\"---\""},
	    {"...", "\"...\""},
	    {"@x", "\"@x\""},
	    {"`x", "\"`x\""},
	    {"!x", "\"!x\""},
	    {"&x", "\"&x\""},
	    {"*x", "\"*x\""},
	    {"%x", "\"%x\""},
	    {"?x", "\"?x\""},
	    {"[x", "\"[x\""},
	    {"{x", "\"{x\""},
	    {"'x", "\"'x\""},
	    {"\"x", "\"\\\"x\""},
	    {"a\\b", "a\\b"},
	    {"|x", "\"|x\""},
	    {">x", "\">x\""},
	    {"<<", "\"<<\""},
	    {"=", "\"=\""},
	    {"a\tb", "\"a\\tb\""},
	    {"a\rb", "\"a\\rb\""},
	    {"a\x7f", "\"a\\u007F\""},
	    {"a\x01", "\"a\\u0001\""},
	    {"h\xc3\xa9llo", "h\xc3\xa9llo"},
	    {"\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"},
	    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
	    {"a\xc2\x85", "\"a\\u0085\""},
	    {"a\xe2\x80\xa8", "\"a\\u2028\""},
	    {"\xef\xbb\xbfx", "\"\\uFEFFx\""},
	    {"100Mi", "100Mi"},
	    {"docker.io/nginx:latest", "docker.io/nginx:latest"},
	    {"a\nb", "|-\n  a\n  b"},
	    {"a\nb\n", "|\n  a\n  b"},
	    {"a\n\n", "|+\n  a\n"},
	    {"a\n\nb", "|-\n  a\n\n  b"},
	    {"\ta\nb", "\"\\ta\\nb\""},
	    {" a\nb", "\" a\\nb\""},
	    {"\na", "\"\\na\""},
	    {"a \nb", "\"a \\nb\""},
	    {"a\nb ", "\"a\\nb \""},
	    {"a\r\nb", "\"a\\r\\nb\""},
	    {"a\nb\tc", "|-\n  a\n  b\tc"},
	    {"a\n#b\n- c", "|-\n  a\n  #b\n  - c"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_json_ json_t *doc =
		    json_pack("{s:s}", "k", cases[i].s);
		_cleanup_free_ char *want = NULL;
		const char *v = cases[i].yaml;

		assert_non_null(doc);
		assert_true(asprintf(&want, "k: %s\n", v) > 0);
		assert_yaml(doc, want);
		/* The same string as a key. */
		json_decref(doc);
		doc = json_pack("{s:i}", cases[i].s, 1);
		assert_round_trip(doc);
	}
}

static void test_reals(void **state)
{
	static const struct {
		double v;
		const char *yaml;
	} cases[] = {
	    {1.0, "1.0"},	 {0.1, "0.1"},
	    {-0.0, "-0.0"},	 {1e300, "1.0e+300"},
	    {1.5e-7, "1.5e-07"}, {123456.789, "123456.789"},
	    {1e16, "1.0e+16"},	 {0.30000000000000004, "0.30000000000000004"},
	    {2.5, "2.5"},	 {-3.0, "-3.0"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_json_ json_t *doc = json_real(cases[i].v);
		_cleanup_free_ char *want = NULL;

		assert_true(asprintf(&want, "%s\n", cases[i].yaml) > 0);
		assert_yaml(doc, want);
	}
}

static void test_shapes(void **state)
{
	static const struct {
		const char *in, *yaml;
	} cases[] = {
	    {"{}", "{}\n"},
	    {"[]", "[]\n"},
	    {"a: {}\nb: []", "a: {}\nb: []\n"},
	    {"- 1\n- [2, [3]]\n- []\n- {}\n- {x: 1, y: [2]}",
	     "- 1\n- - 2\n  - - 3\n- []\n- {}\n- x: 1\n  \"y\":\n  - 2\n"},
	    {"a:\n  b:\n  - c: 1\n    d:\n    - e\n",
	     "a:\n  b:\n  - c: 1\n    d:\n    - e\n"},
	    {"a:\n- |\n  x\n- b: |-\n    y\n    z",
	     "a:\n- |\n  x\n- b: |-\n    y\n    z\n"},
	    {"z: 1\nstatus: {}\nb: 2\nspec: 3\nkind: K\nmetadata: 4\n"
	     "apiVersion: v\nA: 5",
	     "apiVersion: v\nkind: K\nmetadata: 4\nspec: 3\nstatus: {}\n"
	     "A: 5\nb: 2\nz: 1\n"},
	    {"a: {spec: 1, kind: 2, b: 3}",
	     "a:\n  b: 3\n  kind: 2\n  spec: 1\n"},
	    {"hello", "hello\n"},
	    {"42", "42\n"},
	    {"\"true\"", "\"true\"\n"},
	    {"null", "null\n"},
	    {"|\n  a\n  b\n", "|\n  a\n  b\n"},
	    {"- a\n- - b\n", "- a\n- - b\n"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_canonical(cases[i].in, cases[i].yaml);
}

static void test_long_keys(void **state)
{
	_cleanup_json_ json_t *doc = json_object(), *list = NULL;
	char key[1500];

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	json_object_set_new(doc, key, json_pack("{s:s}", "a", "b"));
	key[0] = 'l';
	json_object_set_new(doc, key, json_pack("[i,i]", 1, 2));
	key[0] = 'm';
	json_object_set_new(doc, key, json_string("v"));
	key[1200] = '\0';
	key[0] = ' ';
	json_object_set_new(doc, key, json_integer(1));
	assert_round_trip(doc);
	list = json_pack("[O]", doc);
	assert_round_trip(list);
}

static void test_json_output(void **state)
{
	_cleanup_json_ json_t *doc =
	    json_pack("{s:s,s:{s:s},s:s,s:s,s:[i,f,b,n]}", "z",
		      "q\"\\\n\x01\x7f", "metadata", "name", "x", "kind", "Pod",
		      "apiVersion", "v1", "b", 1, 2.5, 1);
	_cleanup_free_ char *line = codec_encode_json_line(doc, NULL);
	_cleanup_free_ char *full = NULL;
	size_t len;

	assert_string_equal(line,
			    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
			    "\"metadata\":{\"name\":\"x\"},\"b\":[1,2.5,true,"
			    "null],\"z\":\"q\\\"\\\\\\n\\u0001\\u007f\"}");
	full = codec_encode_json(doc, &len);
	assert_int_equal(len, strlen(line) + 1);
	assert_memory_equal(full, line, strlen(line));
	assert_int_equal(full[len - 1], '\n');
	assert_round_trip(doc);
}

static void test_syntax_errors(void **state)
{
	decode_fails_s("a: b\nc: d: e\n", -EINVAL,
		       "error converting YAML to JSON: yaml: line 2: mapping "
		       "values are not allowed in this context");
	decode_fails_s("a: [1, 2\nb: 3\n", -EINVAL,
		       "error converting YAML to JSON: yaml: line ");
	decode_fails_s("a: \"abc\n", -EINVAL, "yaml: line ");
	decode_fails_s("a: *nope\n", -EINVAL,
		       "yaml: line 1: unknown anchor 'nope' referenced");
	decode_fails_s("a: &a [*a]\n", -EINVAL, "value contains itself");
	decode_fails_s("? [a]\n: b\n", -EINVAL, "line 1: invalid map key");
	decode_fails_s("a: &k [1]\n*k : 2\n", -EINVAL, "invalid map key");
	decode_fails_s("a: !!int abc\n", -EINVAL,
		       "line 1: cannot decode \"abc\" as a !!int");
	decode_fails_s("a:\n  <<: 1\n", -EINVAL,
		       "line 2: map merge requires map or sequence of maps");
	decode_fails_s("a: \"\\0\"\n", -EINVAL, "NUL");
	decode_fails_s("{\"a\":\"\\u0000\"}", -EINVAL,
		       "\\u0000 is not allowed in strings");
	decode_fails_s("{\"a\": 1,\n \"b\" \"c\"}", -EINVAL,
		       "error parsing JSON: line 2 column");
	decode_fails_s("{\"a\":1}\n{\"b\":[1,}", -EINVAL,
		       "error parsing JSON: line 2 column ");
	decode_fails_s("a: .inf\n", -EINVAL, "json: unsupported value: +Inf");
	decode_fails_s("a: -.Inf\n", -EINVAL, "json: unsupported value: -Inf");
	decode_fails_s("a: .nan\n", -EINVAL, "json: unsupported value: NaN");
}

static void test_duplicates(void **state)
{
	decode_fails_s("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
		       "  name: b\n",
		       -EINVAL,
		       "error converting YAML to JSON: yaml: line 5: key "
		       "\"name\" already set in map");
	decode_fails_s("{a: 1, a: 2}", -EINVAL, "error parsing JSON");
	decode_fails_s("{\"a\": 1, \"a\": 2}", -EINVAL, "duplicate");
	decode_fails_s("1: a\n\"1\": b\n", -EINVAL, "key \"1\" already set");
	decode_fails_s("b: &b {x: 1}\nd:\n  <<: *b\n  y: 1\n  y: 2\n", -EINVAL,
		       "line 5: key \"y\" already set in map");
}

static void test_invalid_utf8(void **state)
{
	decode_fails_s("a: \"\xff\"\n", -EINVAL, "yaml: line 1: invalid");
	decode_fails_s("a: 1\nb: \xc0\xaf\n", -EINVAL, "yaml: line 2: ");
	decode_fails_s("a: \xed\xa0\x80\n", -EINVAL, "yaml: line 1: ");
	decode_fails_s("a: \"\\ud800\"\n", -EINVAL, "yaml: line 1: ");
	decode_fails_s("{\"a\": \"\xc3\x28\"}", -EINVAL,
		       "error parsing JSON: line 1 column");
	decode_fails_s("a: \x01\n", -EINVAL, "control characters");
	decode_fails("a: b\0c\n", 7, -EINVAL, "control characters");
}

static void test_huge_numbers(void **state)
{
	decode_fails_s("a: 9223372036854775808\n", -EINVAL,
		       "yaml: line 1: number 9223372036854775808 is out of "
		       "the range of a 64-bit integer");
	decode_fails_s("a: -9223372036854775809\n", -EINVAL,
		       "out of the range");
	decode_fails_s("a: 0x8000000000000000\n", -EINVAL, "out of the range");
	decode_fails_s("a: 1e400\n", -EINVAL,
		       "number 1e400 is out of the range of a 64-bit float");
	decode_fails_s("{\"a\": 99999999999999999999}", -EINVAL,
		       "error parsing JSON: line 1 column");
	decode_fails_s("{\"a\": 1e400}", -EINVAL, "error parsing JSON");
}

static char *billion_laughs(void)
{
	char *s = NULL, *p;
	size_t n;
	FILE *f = open_memstream(&s, &n);

	fprintf(f, "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
	for (char c = 'b'; c <= 'i'; c++) {
		fprintf(f, "%c: &%c [", c, c);
		for (int i = 0; i < 9; i++)
			fprintf(f, "%s*%c", i ? "," : "", c - 1);
		fprintf(f, "]\n");
	}
	fclose(f);
	p = s;
	return p;
}

static void test_limits(void **state)
{
	_cleanup_free_ char *big = malloc(CODEC_MAX_BYTES + 2);
	_cleanup_free_ char *lol = billion_laughs();
	char deep[2 * 10000 + 1], aliases[2048];
	int n;

	memset(big, ' ', CODEC_MAX_BYTES + 1);
	big[0] = 'a', big[1] = ':';
	decode_fails(big, CODEC_MAX_BYTES + 1, -EFBIG,
		     "the object is too large: 1572865 bytes, the limit is "
		     "1572864 bytes");

	memset(deep, '[', 10000);
	decode_fails(deep, 10000, -EFBIG, "exceeded max depth of 64");
	memset(deep + 10000, ']', 10000);
	decode_fails(deep, 20000, -EFBIG, "exceeded max depth of 64");

	n = 0;
	for (int i = 0; i < 65; i++)
		n += sprintf(deep + n, "%*sa:\n", 2 * i, "");
	decode_fails(deep, (size_t)n, -EFBIG,
		     "yaml: line 65: exceeded max depth of 64");
	n = 0;
	for (int i = 0; i < 64; i++)
		n += sprintf(deep + n, "%*sa:\n", 2 * i, "");
	json_decref(decode_ok(deep));

	n = sprintf(deep, "x:\n");
	for (int i = 0; i < 65; i++)
		n += sprintf(deep + n, "- ");
	decode_fails(deep, (size_t)n, -EFBIG, "exceeded max depth");

	decode_fails_s(lol, -EFBIG, "document contains excessive aliasing");

	n = sprintf(aliases, "a: &a 1\nb: [");
	for (int i = 0; i < 101; i++)
		n += sprintf(aliases + n, "%s*a", i ? "," : "");
	sprintf(aliases + n, "]\n");
	decode_fails_s(aliases, -EFBIG,
		       "excessive aliasing (more than 100 aliases)");
	sprintf(aliases + n - 3, "]\n");
	json_decref(decode_ok(aliases));
}

static int decode_lim(const char *text, const struct codec_limits *lim,
		      struct kf_error *err)
{
	json_t *docs = NULL;
	int r = codec_decode(text, strlen(text), lim, err, &docs);

	json_decref(docs);
	return r;
}

static void test_custom_limits(void **state)
{
	struct codec_limits lim = {.max_bytes = 1000,
				   .max_depth = 3,
				   .max_aliases = 2,
				   .max_nodes = 10};
	struct kf_error err;
	json_t *docs = NULL;

	kf_error_init(&err);
	assert_int_equal(codec_decode("a: {b: [c]}", 11, &lim, &err, &docs), 0);
	json_decref(docs);
	docs = NULL;
	assert_int_equal(codec_decode("a: {b: [[c]]}", 13, &lim, &err, &docs),
			 -EFBIG);
	assert_int_equal(codec_decode("[[[[1]]]]", 9, &lim, &err, &docs),
			 -EFBIG);
	/* An alias may not lift a subtree over the depth limit. */
	assert_int_equal(decode_lim("a: &x [[1]]\nb: {c: *x}", &lim, &err),
			 -EFBIG);
	assert_int_equal(decode_lim("a: &x [[1]]\nb: *x", &lim, &err), 0);
	/* Node count: 11 scalars. */
	assert_int_equal(
	    codec_decode("[1,2,3,4,5,6,7,8,9,10]", 22, &lim, &err, &docs),
	    -EFBIG);
	assert_int_equal(decode_lim("- 1\n- 2\n- 3\n- 4\n- 5\n- 6\n- 7\n"
				    "- 8\n- 9\n- 10\n",
				    &lim, &err),
			 -EFBIG);
	assert_non_null(strstr(err.msg, "too many nodes"));
	/* Expansion counts the aliased subtree every time. */
	assert_int_equal(
	    codec_decode("a: &a [1,2,3]\nb: *a\nc: *a", 25, &lim, &err, &docs),
	    -EFBIG);
	assert_non_null(strstr(err.msg, "excessive aliasing"));
	assert_null(docs);
	/* A NULL error struct is fine. */
	assert_int_equal(codec_decode("a: b: c", 7, NULL, NULL, &docs),
			 -EINVAL);
	assert_null(docs);
}

static void test_anchors_and_merges(void **state)
{
	_cleanup_json_ json_t *doc =
	    decode_one_ok("base: &b {x: 1, y: {deep: 2}}\n"
			  "other: &o {x: 9, z: 3}\n"
			  "d:\n  w: 0\n  <<: [*b, *o]\n  y: 4\n"
			  "e:\n  <<: {x: 5}\n  x: 6\n"
			  "f: *b\n"
			  "g: [*b, &s text, *s]\n");
	json_t *f;

	assert_json_of("a: &x {k: v}\nb: *x\n",
		       "{\"a\":{\"k\":\"v\"},\"b\":{\"k\":\"v\"}}");
	f = json_object_get(doc, "f");
	assert_true(json_equal(f, json_object_get(doc, "base")));
	/* Aliases are copies: changing one leaves the others alone. */
	json_object_set_new(json_object_get(f, "y"), "deep", json_integer(7));
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(doc, "base"), "y"), "deep")),
	    2);
	assert_json_eq(
	    json_object_get(doc, "d"),
	    json_pack("{s:i,s:i,s:i,s:i}", "w", 0, "x", 1, "y", 4, "z", 3));
	assert_json_eq(json_object_get(doc, "e"), json_pack("{s:i}", "x", 6));
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(doc, "g"), 2)),
	    "text");
	/* A quoted "<<" is an ordinary key. */
	assert_json_of("\"<<\": {a: 1}", "{\"<<\":{\"a\":1}}");
	assert_json_of("a: {<<: [], b: 1}", "{\"a\":{\"b\":1}}");
	/* Anchors do not cross documents. */
	decode_fails_s("a: &x 1\n---\nb: *x\n", -EINVAL, "unknown anchor");
}

static void test_multi_document(void **state)
{
	_cleanup_json_ json_t *docs =
	    decode_ok("---\n# only a comment\n---\na: 1\n---\n---\n- 2\n...\n"
		      "--- hello\n--- null\n");
	_cleanup_json_ json_t *none = decode_ok("  \n# nothing\n\n");
	_cleanup_json_ json_t *empty = decode_ok("");
	struct kf_error err;
	json_t *one = NULL;

	assert_int_equal(json_array_size(docs), 4);
	assert_true(json_is_object(json_array_get(docs, 0)));
	assert_true(json_is_array(json_array_get(docs, 1)));
	assert_string_equal(json_string_value(json_array_get(docs, 2)),
			    "hello");
	assert_true(json_is_null(json_array_get(docs, 3)));
	assert_int_equal(json_array_size(none), 0);
	assert_int_equal(json_array_size(empty), 0);

	kf_error_init(&err);
	assert_int_equal(
	    codec_decode_one("a: 1\n---\nb: 2\n", 14, NULL, &err, &one),
	    -EINVAL);
	assert_string_equal(err.msg, "expected one object, found 2");
	assert_int_equal(codec_decode_one("# x\n", 4, NULL, &err, &one),
			 -EINVAL);
	assert_string_equal(err.msg, "expected one object, found 0");
	assert_null(one);
	assert_int_equal(codec_decode_one("a: 1\n", 5, NULL, &err, &one), 0);
	assert_true(json_is_object(one));
	json_decref(one);
}

static void test_json_streams(void **state)
{
	_cleanup_json_ json_t *docs = decode_ok(
	    "  {\"a\": 1}{\"b\": [true, false, null]}\n[1, 2.5, \"x\"]\n");
	_cleanup_json_ json_t *flow = decode_one_ok("{a: 1, b: [x, \"y\"]}");

	assert_int_equal(json_array_size(docs), 3);
	assert_true(json_is_real(json_array_get(json_array_get(docs, 2), 1)));
	assert_json_eq(flow, json_pack("{s:i,s:[s,s]}", "a", 1, "b", "x", "y"));
	/* A line of JSON can hold several objects; errors count lines. */
	decode_fails_s("{\"a\":1}\n\n  {\"a\":1,\"a\":2}\n", -EINVAL,
		       "error parsing JSON: line 3 column ");
	decode_fails_s("{\"a\":1} 5", -EINVAL, "error parsing JSON");
}

static void test_flatten_lists(void **state)
{
	_cleanup_json_ json_t *docs = decode_ok(
	    "kind: Pod\nmetadata: {name: a}\n---\n"
	    "apiVersion: v1\nkind: List\nitems:\n"
	    "- {kind: Pod, metadata: {name: b}}\n"
	    "- {kind: PodList, items: [{kind: Pod, metadata: {name: c}}]}\n"
	    "---\nkind: List\nitems: []\n"
	    "---\nkind: ConfigMapList\n"
	    "items: [{kind: ConfigMap, metadata: {name: d}}]\n"
	    "---\nkind: List\nitems: notalist\n");
	const char *names[] = {"a", "b", "c", "d"};

	assert_int_equal(codec_flatten_lists(docs), 0);
	assert_int_equal(json_array_size(docs), 5);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(
		    json_string_value(json_object_get(
			json_object_get(json_array_get(docs, i), "metadata"),
			"name")),
		    names[i]);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(docs, 4), "items")),
			    "notalist");
	assert_int_equal(codec_flatten_lists(docs), 0);
	assert_int_equal(json_array_size(docs), 5);
}

/* Deterministic pseudo-random trees of awkward strings and numbers. */
static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static json_t *random_tree(int depth)
{
	static const char *const strs[] = {
	    "",	     "a",     "true",  "1",   "1.5",   "0x1F",
	    "null",  "~",     " a",    "a ",  "a: b",  "#x",
	    "- x",   "@x",    "`x",    "yes", "a\nb",  "a\nb\n",
	    "a\n\n", "\na",   "a \nb", "\t",  "é",     "\xe2\x80\xa8",
	    "x\x7f", "-",     "---",   "<<",  "key",   "spec",
	    "kind",  "{}",    "[]",    "'q'", "\"q\"", "a#b",
	    "a\\b",  "12:30", "-x",    "1_0", ".inf",  "apiVersion",
	};
	uint32_t t = depth > 5 ? rnd(5) : rnd(8);
	json_t *v;

	switch (t) {
	case 0:
		return json_string(strs[rnd(ARRAY_SIZE(strs))]);
	case 1:
		return json_integer((json_int_t)rnd(2000000) - 1000000);
	case 2:
		return json_real(((double)rnd(1000000) - 500000) /
				 (1 + rnd(1000)));
	case 3:
		return rnd(3) ? json_boolean(rnd(2)) : json_null();
	case 4:
		return json_string(strs[rnd(ARRAY_SIZE(strs))]);
	case 5:
	case 6:
		v = json_object();
		for (uint32_t i = rnd(5); i > 0; i--)
			json_object_set_new(v, strs[rnd(ARRAY_SIZE(strs))],
					    random_tree(depth + 1));
		return v;
	default:
		v = json_array();
		for (uint32_t i = rnd(5); i > 0; i--)
			json_array_append_new(v, random_tree(depth + 1));
		return v;
	}
}

static void test_fixed_point_random(void **state)
{
	for (int i = 0; i < 2000; i++) {
		_cleanup_json_ json_t *doc = random_tree(0);

		assert_round_trip(doc);
	}
}

static const char *errno_name(int code)
{
	switch (-code) {
	case EINVAL:
		return "EINVAL";
	case EFBIG:
		return "EFBIG";
	case ENOMEM:
		return "ENOMEM";
	default:
		return "E?";
	}
}

/* Canonical YAML of each document, "---" between documents. */
static char *render_docs(const json_t *docs)
{
	char *out = NULL;
	size_t n = 0, i;
	FILE *f = open_memstream(&out, &n);
	json_t *doc;

	json_array_foreach (docs, i, doc) {
		_cleanup_free_ char *y = codec_encode_yaml(doc, NULL);

		fprintf(f, "%s%s", i ? "---\n" : "", y);
		assert_round_trip(doc);
	}
	fclose(f);
	return out;
}

static void run_data_case(const char *dir)
{
	_cleanup_free_ char *ipath = NULL, *epath = NULL, *input = NULL,
			    *expected = NULL, *got = NULL;
	_cleanup_json_ json_t *docs = NULL;
	struct kf_error err;
	size_t ilen;
	int r;

	assert_true(asprintf(&ipath, "%s/input", dir) > 0);
	assert_true(asprintf(&epath, "%s/expected", dir) > 0);
	input = slurp(ipath, &ilen);
	expected = slurp(epath, NULL);
	if (!input || !expected)
		fail_msg("%s: missing input or expected", dir);
	kf_error_init(&err);
	r = codec_decode(input, ilen, NULL, &err, &docs);
	if (r < 0)
		assert_true(asprintf(&got, "error: %s: %s\n", errno_name(r),
				     err.msg) > 0);
	else
		got = render_docs(docs);
	if (strcmp(got, expected))
		fail_msg("%s:\n--- expected:\n%s--- got:\n%s", dir, expected,
			 got);
}

static void test_data_cases(void **state)
{
	const char *root = "tests/data/codec";
	struct dirent **ents;
	int n, ran = 0;

	n = scandir(root, &ents, NULL, alphasort);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		char dir[512];

		if (ents[i]->d_name[0] != '.') {
			snprintf(dir, sizeof(dir), "%s/%s", root,
				 ents[i]->d_name);
			run_data_case(dir);
			ran++;
		}
		free(ents[i]);
	}
	free(ents);
	assert_true(ran >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deployment_example),
	    cmocka_unit_test(test_scalar_types),
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_reals),
	    cmocka_unit_test(test_shapes),
	    cmocka_unit_test(test_long_keys),
	    cmocka_unit_test(test_json_output),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_huge_numbers),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_custom_limits),
	    cmocka_unit_test(test_anchors_and_merges),
	    cmocka_unit_test(test_multi_document),
	    cmocka_unit_test(test_json_streams),
	    cmocka_unit_test(test_flatten_lists),
	    cmocka_unit_test(test_fixed_point_random),
	    cmocka_unit_test(test_data_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
