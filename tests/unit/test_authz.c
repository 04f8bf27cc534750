/*
 * test_authz.c — kubefs-fs's authentication and authorization over a
 * real store: identities (root is system:masters, unknown uids are
 * "uid:N"), decisions following RBAC writes and deletes through the
 * store's event log, and impersonation read from a process's
 * environment and checked against the real identity's rights, and the
 * mode bits a file server (an NFS export) is shown.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "fs/access.h"
#include "fs/authz.h"

#define NOBODY 54321 /* a uid and gid with no name */

struct fx {
	char dir[64];
	struct store *st;
	struct authz *a;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_config sc = {0};
	struct authz_config ac = {0};

	snprintf(f->dir, sizeof(f->dir), "/tmp/kubefs-test-authz.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	sc.path = f->dir;
	sc.no_sync = true;
	if (store_open(&sc, &f->st) < 0)
		return -1;
	ac.store = f->st;
	if (authz_new(&ac, &f->a) < 0)
		return -1;
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	authz_free(f->a);
	store_free(f->st);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void put(struct fx *f, const char *key, const char *json)
{
	struct store_op op = {.type = STORE_PUT,
			      .key = key,
			      .data = json,
			      .len = strlen(json),
			      .expect_rv = STORE_RV_ANY};

	assert_int_equal(store_write(f->st, &op, 1, NULL), 0);
}

#define R "\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
#define CR_KEY "rbac.authorization.k8s.io/clusterroles//reader"
#define CRB_KEY "rbac.authorization.k8s.io/clusterrolebindings//nobody"

/* The ClusterRoleBinding CRB_KEY of ClusterRole "reader" to one subject
 * (kind User or Group). */
static void bind_reader(struct fx *f, const char *kind, const char *name)
{
	char json[512];

	snprintf(json, sizeof(json),
		 "{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{"
		 "\"name\":\"nobody\"},\"roleRef\":{\"apiGroup\":"
		 "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
		 "\"name\":\"reader\"},\"subjects\":[{\"kind\":\"%s\","
		 "\"name\":\"%s\"}]}",
		 kind, name);
	put(f, CRB_KEY, json);
}

static void del(struct fx *f, const char *key)
{
	struct store_op op = {
	    .type = STORE_DELETE, .key = key, .expect_rv = STORE_RV_ANY};

	assert_int_equal(store_write(f->st, &op, 1, NULL), 0);
}

static void test_identities(void **state)
{
	struct fx *f = *state;
	struct kfs_identity *root, *n;
	gid_t extra[] = {0};

	assert_int_equal(authz_identity(f->a, 0, 0, NULL, 0, 0, &root), 0);
	assert_string_equal(root->user.name, "root");
	assert_true(root->masters);
	assert_string_equal(root->user.groups[root->user.ngroups - 1],
			    "system:authenticated");
	kfs_identity_put(root);
	assert_int_equal(authz_identity(f->a, NOBODY, NOBODY, extra, 1, 0, &n),
			 0);
	assert_string_equal(n->user.name, "uid:54321");
	assert_int_equal(n->user.ngroups, 3);
	assert_string_equal(n->user.groups[0], "gid:54321");
	assert_string_equal(n->user.groups[1], "root");
	assert_false(n->masters);
	kfs_identity_put(n);
}

static void test_decisions_follow_store(void **state)
{
	struct fx *f = *state;
	struct kfs_identity *n;
	struct rbac_attrs get = {"get", true, "",	 "configmaps",
				 "",	"c",  "default", NULL};
	struct kf_error err;

	assert_int_equal(authz_identity(f->a, NOBODY, NOBODY, NULL, 0, 0, &n),
			 0);
	assert_int_equal(authz_check(f->a, n, &get, &err), -EACCES);
	assert_string_equal(err.msg,
			    "configmaps \"c\" is forbidden: User \"uid:54321\" "
			    "cannot get resource \"configmaps\" in API group "
			    "\"\" in the namespace \"default\"");
	/* a binding to a missing role: still refused, and why */
	bind_reader(f, "User", "uid:54321");
	assert_int_equal(authz_check(f->a, n, &get, &err), -EACCES);
	assert_non_null(strstr(err.msg, ": RBAC: clusterrole.rbac."
					"authorization.k8s.io \"reader\" not "
					"found"));
	put(f, CR_KEY,
	    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"reader\"},"
	    "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],"
	    "\"verbs\":[\"get\"]}]}");
	assert_int_equal(authz_check(f->a, n, &get, &err), 0);
	assert_int_equal(authz_check(f->a, n, &get, &err), 0); /* cached */
	del(f, CRB_KEY);
	assert_int_equal(authz_check(f->a, n, &get, &err), -EACCES);
	kfs_identity_put(n);
}

/* A child whose exec'd environment is var and var2 (may be NULL). */
static pid_t child_with(const char *var, const char *var2)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = {"sleep", "30", NULL};
		char *envp[] = {(char *)var, (char *)var2, NULL};

		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	/* wait until the exec has replaced the environment */
	for (int i = 0; i < 500; i++) {
		char path[64], buf[4096];
		FILE *fp;
		size_t n = 0;

		snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
		fp = fopen(path, "r");
		if (fp) {
			n = fread(buf, 1, sizeof(buf), fp);
			fclose(fp);
		}
		if (n && memmem(buf, n, var, strlen(var)))
			break;
		usleep(10000);
	}
	return pid;
}

/* A child whose exec'd environment asks to act as alice. */
static pid_t impersonator(const char *groups)
{
	char g[128];

	snprintf(g, sizeof(g), "KUBEFS_AS_GROUPS=%s", groups);
	return child_with("KUBEFS_AS=alice", g);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_impersonation(void **state)
{
	struct fx *f = *state;
	struct kfs_identity *id;
	struct rbac_attrs list = {"list", true, "", "pods", "", "", "x", NULL};
	struct kf_error err;
	pid_t pid = impersonator("devs");

	/* without the right: refused, naming the right */
	assert_int_equal(
	    authz_identity(f->a, NOBODY, NOBODY, NULL, 0, pid, &id), 0);
	assert_string_equal(id->user.name, "alice");
	assert_int_equal(authz_check(f->a, id, &list, &err), -EACCES);
	assert_string_equal(err.msg,
			    "users \"alice\" is forbidden: User \"uid:54321\" "
			    "cannot impersonate resource \"users\" in API "
			    "group \"\" at the cluster scope");
	kfs_identity_put(id);
	/* users but not groups */
	put(f, CR_KEY,
	    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"reader\"},"
	    "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"users\"],"
	    "\"verbs\":[\"impersonate\"]}]}");
	bind_reader(f, "User", "uid:54321");
	assert_int_equal(
	    authz_identity(f->a, NOBODY, NOBODY, NULL, 0, pid, &id), 0);
	assert_int_equal(authz_check(f->a, id, &list, &err), -EACCES);
	assert_string_equal(err.msg,
			    "groups \"devs\" is forbidden: User \"uid:54321\" "
			    "cannot impersonate resource \"groups\" in API "
			    "group \"\" at the cluster scope");
	kfs_identity_put(id);
	/* root may impersonate anyone, and then has alice's rights only */
	assert_int_equal(authz_identity(f->a, 0, 0, NULL, 0, pid, &id), 0);
	assert_string_equal(id->user.name, "alice");
	assert_int_equal(id->user.ngroups, 2);
	assert_string_equal(id->user.groups[0], "devs");
	assert_false(id->masters);
	assert_int_equal(authz_check(f->a, id, &list, &err), -EACCES);
	assert_string_equal(err.msg,
			    "pods is forbidden: User \"alice\" cannot list "
			    "resource \"pods\" in API group \"\" in the "
			    "namespace \"x\"");
	kfs_identity_put(id);
	reap(pid);
}

/* The mode a file server sees on configmaps/default/c (root's 0644). */
static mode_t server_mode(struct fx *f, const struct kfs_identity *id)
{
	struct node *n = kfs_node_new(NODE_OBJECT, 1, "c");
	struct stat st = {.st_mode = S_IFREG | 0644, .st_uid = 0};

	assert_non_null(n);
	n->kind = kinds_by_path("core", "v1", "configmaps");
	n->ns = strdup("default");
	n->objname = strdup("c");
	kfs_access_stat(f->a, id, n, &st);
	kfs_node_free(n);
	assert_int_equal(st.st_uid, 0);
	return st.st_mode & 07777;
}

/* A file server (KUBEFS_FILE_SERVER=1, root) sees root's rights as the
 * owner's and any authenticated user's as everybody else's: what RBAC
 * grants one user alone does not show. */
static void test_file_server(void **state)
{
	struct fx *f = *state;
	struct kfs_identity *id, *user;
	pid_t pid = child_with("KUBEFS_FILE_SERVER=1", NULL);
	struct rbac_attrs get = {"get", true, "",	 "configmaps",
				 "",	"c",  "default", NULL};
	struct kf_error err;

	assert_int_equal(authz_identity(f->a, 0, 0, NULL, 0, pid, &id), 0);
	assert_true(id->masters);
	assert_true(id->file_server);
	assert_int_equal(server_mode(f, id), 0600);
	/* a grant to one user: that user may read, the server shows none */
	put(f, CR_KEY,
	    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"reader\"},"
	    "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],"
	    "\"verbs\":[\"get\"]}]}");
	bind_reader(f, "User", "uid:54321");
	assert_int_equal(
	    authz_identity(f->a, NOBODY, NOBODY, NULL, 0, 0, &user), 0);
	assert_int_equal(authz_check(f->a, user, &get, &err), 0);
	kfs_identity_put(user);
	assert_int_equal(server_mode(f, id), 0600);
	/* granted to every authenticated user: shown to all */
	bind_reader(f, "Group", "system:authenticated");
	assert_int_equal(server_mode(f, id), 0644);
	kfs_identity_put(id);
	/* root without the variable, or another user with it: no server */
	assert_int_equal(authz_identity(f->a, 0, 0, NULL, 0, 0, &id), 0);
	assert_false(id->file_server);
	kfs_identity_put(id);
	assert_int_equal(
	    authz_identity(f->a, NOBODY, NOBODY, NULL, 0, pid, &id), 0);
	assert_false(id->file_server);
	kfs_identity_put(id);
	reap(pid);
}

static json_t *J(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

/* Answer review (JSON) for id: 0 and *ret, or the error's sentence. */
static int review(struct fx *f, const struct kfs_identity *id, const char *text,
		  struct kf_error *err, json_t **ret)
{
	struct kfs fs;
	_cleanup_json_ json_t *doc = J(text);

	memset(&fs, 0, sizeof(fs));
	fs.authz = f->a;
	kf_error_init(err);
	return kfs_review(&fs, id, doc, "default", err, ret);
}

static bool allowed(const json_t *resp)
{
	return json_is_true(
	    json_object_get(json_object_get(resp, "status"), "allowed"));
}

#define SSAR                                                                   \
	"{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"                \
	"\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":"        \
	"{\"verb\":\"list\",\"resource\":\"pods\",\"namespace\":"              \
	"\"default\"}}}"
#define SAR(spec)                                                              \
	"{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"                \
	"\"SubjectAccessReview\",\"spec\":{" spec "}}"
#define NONRES                                                                 \
	"\"nonResourceAttributes\":{\"verb\":\"get\",\"path\":\"/metrics\"}"

/* The review kinds: created, answered as can-i, never stored. */
static void test_reviews(void **state)
{
	struct fx *f = *state;
	struct kfs_identity *root, *n;
	_cleanup_json_ json_t *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct kf_error err;

	assert_int_equal(authz_identity(f->a, 0, 0, NULL, 0, 0, &root), 0);
	assert_int_equal(authz_identity(f->a, NOBODY, NOBODY, NULL, 0, 0, &n),
			 0);
	assert_int_equal(review(f, root, SSAR, &err, &a), 0);
	assert_true(allowed(a));
	/* creating a review is a right too (system:basic-user's) */
	assert_int_equal(review(f, n, SSAR, &err, &b), -EACCES);
	assert_string_equal(
	    err.msg, "selfsubjectaccessreviews.authorization.k8s.io is "
		     "forbidden: User \"uid:54321\" cannot create resource "
		     "\"selfsubjectaccessreviews\" in API group "
		     "\"authorization.k8s.io\" at the cluster scope");
	/* a SubjectAccessReview's subject is its user and groups only */
	assert_int_equal(
	    review(
		f, root,
		SAR("\"user\":\"bob\",\"groups\":[\"system:masters\"]," NONRES),
		&err, &b),
	    0);
	assert_true(allowed(b));
	assert_int_equal(
	    review(f, root, SAR("\"user\":\"bob\"," NONRES), &err, &c), 0);
	assert_false(allowed(c));
	assert_int_equal(review(f, root, SAR(NONRES), &err, &d), -EINVAL);
	assert_string_equal(err.msg,
			    "SubjectAccessReview.authorization.k8s.io \"\" is "
			    "invalid: spec.user: Invalid value: \"\": at least "
			    "one of user or group must be specified");
	assert_int_equal(review(f, root, SAR("\"user\":\"bob\""), &err, &d),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "SubjectAccessReview.authorization.k8s.io \"\" is "
			    "invalid: spec.resourceAttributes: Invalid value: "
			    "\"null\": exactly one of nonResourceAttributes or "
			    "resourceAttributes must be specified");
	json_decref(a);
	a = NULL;
	assert_int_equal(
	    review(f, n,
		   "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":"
		   "\"SelfSubjectReview\"}",
		   &err, &a),
	    -EACCES);
	assert_int_equal(
	    review(f, root,
		   "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":"
		   "\"SelfSubjectReview\"}",
		   &err, &a),
	    0);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(a, "status"), "userInfo"),
		"username")),
	    "root");
	kfs_identity_put(root);
	kfs_identity_put(n);
}

/* The Node authorizer: a node reads what its pods use, and no more. */
static void test_node_authorizer(void **state)
{
	static const char *const groups[] = {"system:nodes"};
	struct fx *f = *state;
	struct kfs_identity *n1, *n2;
	struct rbac_attrs at = {"get", true, "",	"secrets",
				"",    "s",  "default", NULL};
	char reason[RBAC_REASON_MAX];

	put(f, "core/pods/default/p",
	    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
	    "\"p\",\"namespace\":\"default\"},\"spec\":{\"nodeName\":\"n1\","
	    "\"volumes\":[{\"name\":\"v\",\"projected\":{\"sources\":[{"
	    "\"secret\":{\"name\":\"s\"}}]}}],\"containers\":[{\"name\":"
	    "\"c\",\"env\":[{\"name\":\"E\",\"valueFrom\":{"
	    "\"configMapKeyRef\":{\"name\":\"cm\",\"key\":\"k\"}}}]}]}}");
	assert_int_equal(authz_identity_named("system:node:n1", groups, 1, &n1),
			 0);
	assert_int_equal(authz_identity_named("system:node:n2", groups, 1, &n2),
			 0);
	assert_true(authz_allowed(f->a, n1, &at, reason, sizeof(reason)));
	assert_false(authz_allowed(f->a, n2, &at, reason, sizeof(reason)));
	assert_string_equal(reason, "no relationship found between node 'n2' "
				    "and this object");
	at.resource = "configmaps";
	at.name = "cm";
	assert_true(authz_allowed(f->a, n1, &at, NULL, 0));
	at.name = "other";
	assert_false(authz_allowed(f->a, n1, &at, NULL, 0));
	at.verb = "list";
	at.name = "";
	assert_false(authz_allowed(f->a, n1, &at, NULL, 0));
	/* its endpoint's Secret, in kube-system */
	at.verb = "get";
	at.resource = "secrets";
	at.name = "kubefs-node-endpoint-n1";
	at.namespace = "kube-system";
	assert_true(authz_allowed(f->a, n1, &at, NULL, 0));
	assert_false(authz_allowed(f->a, n2, &at, NULL, 0));
	kfs_identity_put(n1);
	kfs_identity_put(n2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reviews, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_node_authorizer, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_identities, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_server, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_decisions_follow_store, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_impersonation, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
