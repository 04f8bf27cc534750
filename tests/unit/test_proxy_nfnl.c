/*
 * test_proxy_nfnl.c — incremental syncs written as a netlink batch
 * (proxy/nfnl.h) against the same difference written as an nft script:
 * in two private network namespaces the same table is loaded with nft,
 * one gets the difference through netlink, the other through nft, and
 * their listings must hold the same words; and the drift check's read of
 * a chain. Needs root and nft (skipped otherwise); what the writer
 * refuses (-EOPNOTSUPP) is checked always.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "proxy/nfnl.h"
#include "proxy/nft.h"
#include "proxy/rules.h"
#include "test_proxy_svc.h"

/* One slice over the ready addresses ips[0..n). */
static json_t *slices(const char *const *ips, size_t n)
{
	json_t *eps = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(eps, json_pack("{s:[s], s:s, s:{s:b}}",
						     "addresses", ips[i],
						     "nodeName", "node-a",
						     "conditions", "ready", 1));
	return json_pack("[{s:s, s:[{s:s, s:i, s:s}], s:o}]", "addressType",
			 "IPv4", "ports", "name", "http", "port", 8080,
			 "protocol", "TCP", "endpoints", eps);
}

static struct rules_frag *frag(const json_t *s, const json_t *sl)
{
	struct rules_frag *f = NULL;

	assert_int_equal(rules_service(&cfg, RULES_IP4, s, sl, NULL, &f), 0);
	return f;
}

static char *text(FILE *(*open)(char **, size_t *), struct rules_frag *old,
		  struct rules_frag *new, bool whole)
{
	char *t = NULL;
	size_t len = 0;
	FILE *m = open(&t, &len);

	assert_non_null(m);
	if (whole)
		rules_write_full(m, &cfg, RULES_IP4, &old, 1);
	else
		rules_write_diff(m, &cfg, RULES_IP4, &old, &new, 1);
	fclose(m);
	return t;
}

static bool can_netns(void)
{
	return getuid() == 0 && system("command -v nft >/dev/null 2>&1") == 0 &&
	       system("unshare -n true 2>/dev/null") == 0;
}

/* The words of a listing, sorted: hash sets list their elements in an
 * order of their own in each namespace. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *words(const char *listing)
{
	_cleanup_free_ char *copy = strdup(listing);
	char **w = NULL, *save = NULL, *out = NULL;
	size_t n = 0, len = 0;
	FILE *m;

	for (char *t = strtok_r(copy, " \t\n,{}", &save); t;
	     t = strtok_r(NULL, " \t\n,{}", &save)) {
		w = realloc(w, (n + 1) * sizeof(*w));
		assert_non_null(w);
		w[n++] = t;
	}
	qsort(w, n, sizeof(*w), cmp_str);
	m = open_memstream(&out, &len);
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s\n", w[i]);
	fclose(m);
	free(w);
	return out;
}

/*
 * In a new network namespace: base (nft), then the difference old ->
 * new through netlink (nl) or nft; the listing of the table, malloc'd.
 */
static char *apply_in_netns(const char *base, struct rules_frag *old,
			    struct rules_frag *new, bool nl)
{
	int fd[2], status;
	char *out = NULL;
	size_t len = 0;
	FILE *m;
	char buf[4096];
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *list[] = {"list", "table", "ip", "kubefs", NULL};
		struct kf_error err;
		struct nfnl *sock = NULL;
		struct nfnl_batch *b = NULL;
		char *listing = NULL, *diff = NULL;
		int r;

		close(fd[0]);
		kf_error_init(&err);
		if (unshare(CLONE_NEWNET) < 0 ||
		    nft_apply(base, strlen(base), &err) < 0)
			_exit(2);
		if (nl) {
			r = nfnl_open(&sock);
			r = r ?: nfnl_batch_new(&b);
			r = r
				?: nfnl_batch_diff(b, &cfg, RULES_IP4, &old,
						   &new, 1, NULL);
			r = r ?: nfnl_batch_send(sock, b, &err);
			if (r < 0) {
				dprintf(fd[1], "netlink: %d %s\n", r, err.msg);
				_exit(3);
			}
		} else {
			diff = text(open_memstream, old, new, false);
			if (nft_apply(diff, strlen(diff), &err) < 0)
				_exit(4);
		}
		if (nft_query(list, &err, &listing) < 0)
			_exit(5);
		dprintf(fd[1], "%s", listing);
		_exit(0);
	}
	close(fd[1]);
	m = open_memstream(&out, &len);
	while ((got = read(fd[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)got, m);
	fclose(m);
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child exited %d: %s", WEXITSTATUS(status), out);
	return out;
}

/* The same end state whichever writes the difference. */
static void same_either_way(struct rules_frag *old, struct rules_frag *new)
{
	_cleanup_free_ char *base = text(open_memstream, old, NULL, true);
	_cleanup_free_ char *a = NULL, *b = NULL, *wa = NULL, *wb = NULL;

	if (!can_netns())
		return;
	a = apply_in_netns(base, old, new, true);
	b = apply_in_netns(base, old, new, false);
	wa = words(a);
	wb = words(b);
	assert_string_equal(wa, wb);
}

/* Encodable or not, before anything is sent. */
static int encodes(struct rules_frag *old, struct rules_frag *new)
{
	struct nfnl_batch *b = NULL;
	size_t cmds = 0;
	int r;

	assert_int_equal(nfnl_batch_new(&b), 0);
	r = nfnl_batch_diff(b, &cfg, RULES_IP4, &old, &new, 1, &cmds);
	nfnl_batch_free(b);
	return r < 0 ? r : (int)cmds;
}

static const char *const three[] = {"10.244.1.2", "10.244.1.3", "10.244.1.4"};
static const char *const moved[] = {"10.244.1.2", "10.244.1.3", "10.244.1.9"};

/* One endpoint replaced: elements only. */
static void test_endpoint_changed(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *a = slices(three, 3), *b = slices(moved, 3);
	struct rules_frag *fa = frag(s, a), *fb = frag(s, b);

	assert_int_equal(encodes(fa, fb), 4);
	same_either_way(fa, fb);
	rules_frag_free(fa);
	rules_frag_free(fb);
}

/* Another endpoint count: the balancing chain's rules rewritten. */
static void test_endpoint_count_changed(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *a = slices(three, 3), *b = slices(three, 2);
	struct rules_frag *fa = frag(s, a), *fb = frag(s, b);

	assert_true(encodes(fa, fb) > 4);
	same_either_way(fa, fb);
	same_either_way(fb, fa);
	rules_frag_free(fa);
	rules_frag_free(fb);
}

/* The last endpoint gone: verdict map elements move to the reject map,
 * the chain is emptied (it and its sets stay); endpoints again; the
 * Service deleted: everything goes. */
static void test_endpoints_gone_and_service_deleted(void **state)
{
	_cleanup_json_ json_t *s = svc("\"type\":\"NodePort\"");
	_cleanup_json_ json_t *a = slices(three, 3);
	struct rules_frag *fa, *fnone;

	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(s, "spec"), "ports"),
			   0),
	    "nodePort", json_integer(30080));
	fa = frag(s, a);
	fnone = frag(s, NULL);
	assert_true(encodes(fa, fnone) > 0);
	same_either_way(fa, fnone);
	assert_true(encodes(fnone, fa) > 0);
	same_either_way(fnone, fa);
	assert_true(encodes(fa, NULL) > 0);
	same_either_way(fa, NULL);
	rules_frag_free(fa);
	rules_frag_free(fnone);
}

/* Rule forms and sets of other layouts (affinity's endpoint chains and
 * timeout sets) are nft's. */
static void test_refused(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *aff = svc("\"sessionAffinity\":\"ClientIP\"");
	_cleanup_json_ json_t *a = slices(three, 3), *b = slices(three, 2);
	struct rules_frag *fa = frag(s, a), *fnone = frag(s, NULL);
	struct rules_frag *xa = frag(aff, a), *xb = frag(aff, b);

	assert_int_equal(encodes(xa, xb), -EOPNOTSUPP);
	rules_frag_free(fa);
	rules_frag_free(fnone);
	rules_frag_free(xa);
	rules_frag_free(xb);
}

/* A new Service: its sets, chains, rules and elements, then gone. */
static void test_service_added(void **state)
{
	_cleanup_json_ json_t *s = svc("\"type\":\"NodePort\"");
	_cleanup_json_ json_t *a = slices(three, 3);
	struct rules_frag *fa;

	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(s, "spec"), "ports"),
			   0),
	    "nodePort", json_integer(30080));
	fa = frag(s, a);
	assert_true(encodes(NULL, fa) > 0);
	same_either_way(NULL, fa);
	rules_frag_free(fa);
}

/* The drift check: the services chain looks up service-ips until
 * someone flushes the table, or deletes it. */
static void test_chain_looks_up(void **state)
{
	_cleanup_json_ json_t *s = svc(NULL);
	_cleanup_json_ json_t *a = slices(three, 3);
	struct rules_frag *fa = frag(s, a);
	_cleanup_free_ char *base = text(open_memstream, fa, NULL, true);
	int status;
	pid_t pid;

	rules_frag_free(fa);
	if (!can_netns())
		return;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const char flush[] = "flush table ip kubefs\n";
		static const char del[] = "delete table ip kubefs\n";
		struct kf_error err;
		struct nfnl *n = NULL;
		bool yes = false, no = true;

		kf_error_init(&err);
		if (unshare(CLONE_NEWNET) < 0 || nfnl_open(&n) < 0 ||
		    nft_apply(base, strlen(base), &err) < 0)
			_exit(2);
		if (nfnl_chain_looks_up(n, RULES_IP4, "kubefs", "services",
					"service-ips", &yes) < 0 ||
		    !yes)
			_exit(3);
		if (nft_apply(flush, strlen(flush), &err) < 0 ||
		    nfnl_chain_looks_up(n, RULES_IP4, "kubefs", "services",
					"service-ips", &no) < 0 ||
		    no)
			_exit(4);
		no = true;
		if (nft_apply(del, strlen(del), &err) < 0 ||
		    nfnl_chain_looks_up(n, RULES_IP4, "kubefs", "services",
					"service-ips", &no) < 0 ||
		    no)
			_exit(5);
		nfnl_close(n);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endpoint_changed),
	    cmocka_unit_test(test_endpoint_count_changed),
	    cmocka_unit_test(test_endpoints_gone_and_service_deleted),
	    cmocka_unit_test(test_service_added),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_chain_looks_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
