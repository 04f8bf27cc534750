/*
 * test_admission_node.c — NodeRestriction (apiserver/admission.h) through
 * the server's writes on a real store, as the user a node agent is
 * (server_request_user()), with Kubernetes' sentences.
 */
#include "test_admission_fx.h"

static const char *const node_groups[] = {"system:nodes",
					  "system:authenticated"};
static const struct rbac_user node1 = {"system:node:n1", node_groups, 2};
static const struct rbac_user nameless = {"kubelet", node_groups, 2};

#define POD(node)                                                              \
	"spec: {nodeName: " node ", containers: [{name: c, image: i}]}\n"

/* Set up as the server itself: two nodes, a pod on each. */
static void objects(struct fx *f)
{
	struct kf_error err;

	server_request_user(NULL);
	assert_int_equal(put(f, "nodes", NULL, "n1", "metadata: {}\n", &err),
			 0);
	assert_int_equal(put(f, "nodes", NULL, "n2", "metadata: {}\n", &err),
			 0);
	assert_int_equal(put(f, "pods", "default", "p1", POD("n1"), &err), 0);
	assert_int_equal(put(f, "pods", "default", "p2", POD("n2"), &err), 0);
}

static int status(struct fx *f, const char *pod, const char *yaml,
		  struct kf_error *err)
{
	_cleanup_json_ json_t *in = Y(yaml);

	kf_error_init(err);
	return server_put(f->srv, K("pods"), "default", pod, in, SERVER_STATUS,
			  err, NULL);
}

static void test_node_pods(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	objects(f);
	server_request_user(&node1);
	assert_int_equal(status(f, "p1", "status: {phase: Running}\n", &err),
			 0);
	expect(status(f, "p2", "status: {phase: Running}\n", &err), &err,
	       -EACCES,
	       "pods \"p2\" is forbidden: node \"n1\" can only update pod "
	       "status for pods with spec.nodeName set to itself");
	expect(put(f, "pods", "default", "p1",
		   "metadata: {labels: {a: b}}\n" POD("n1"), &err),
	       &err, -EACCES,
	       "pods \"p1\" is forbidden: unexpected operation \"UPDATE\", "
	       "node \"n1\" can only create and delete mirror pods");
	expect(put(f, "pods", "default", "new", POD("n1"), &err), &err, -EACCES,
	       "pods \"new\" is forbidden: pod does not have "
	       "\"kubernetes.io/config.mirror\" annotation, node \"n1\" can "
	       "only create mirror pods");
	expect(put(f, "pods", "default", "m",
		   "metadata: {annotations: {kubernetes.io/config.mirror: "
		   "x}}\n" POD("n2"),
		   &err),
	       &err, -EACCES,
	       "pods \"m\" is forbidden: node \"n1\" can only create pods with "
	       "spec.nodeName set to itself");
	kf_error_init(&err);
	expect(server_delete(f->srv, K("pods"), "default", "p2", 0, 0, &err),
	       &err, -EACCES,
	       "pods \"p2\" is forbidden: node \"n1\" can only delete pods "
	       "with spec.nodeName set to itself");
	kf_error_init(&err);
	expect(server_delete(f->srv, K("pods"), "default", "p1", 0, 0, &err),
	       &err, 0, "");
	/* other kinds are RBAC's business */
	assert_int_equal(
	    put(f, "configmaps", "default", "c", "data: {a: b}\n", &err), 0);
	server_request_user(&nameless);
	expect(status(f, "p2", "status: {phase: Running}\n", &err), &err,
	       -EACCES,
	       "pods \"p2\" is forbidden: could not determine node from user "
	       "\"kubelet\"");
	server_request_user(NULL);
	assert_int_equal(status(f, "p2", "status: {phase: Running}\n", &err),
			 0);
}

static void test_node_nodes(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	objects(f);
	server_request_user(&node1);
	expect(
	    put(f, "nodes", NULL, "n2", "metadata: {labels: {a: b}}\n", &err),
	    &err, -EACCES,
	    "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify "
	    "node \"n2\"");
	kf_error_init(&err);
	expect(
	    server_delete(f->srv, K("nodes"), NULL, "n2", 0, 0, &err), &err,
	    -EACCES,
	    "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify "
	    "node \"n2\"");
	assert_int_equal(
	    put(f, "nodes", NULL, "n1", "metadata: {labels: {a: b}}\n", &err),
	    0);
	expect(put(f, "nodes", NULL, "n1",
		   "metadata: {labels: {a: b, "
		   "node-restriction.kubernetes.io/z: x, "
		   "eu.node-restriction.kubernetes.io/y: x, "
		   "example.com/node-restriction.kubernetes.io: x}}\n",
		   &err),
	       &err, -EACCES,
	       "nodes \"n1\" is forbidden: is not allowed to modify labels: "
	       "eu.node-restriction.kubernetes.io/y, "
	       "node-restriction.kubernetes.io/z");
	expect(
	    put(f, "nodes", NULL, "n1",
		"metadata: {labels: {a: b}}\n"
		"spec: {taints: [{key: k, effect: NoSchedule}]}\n",
		&err),
	    &err, -EACCES,
	    "nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify "
	    "taints");
	server_request_user(NULL);
	kf_error_init(&err);
	assert_int_equal(
	    server_delete(f->srv, K("nodes"), NULL, "n1", 0, 0, &err), 0);
	server_request_user(&node1);
	expect(
	    put(f, "nodes", NULL, "n1",
		"metadata: {labels: {node-restriction.kubernetes.io/z: x}}\n",
		&err),
	    &err, -EACCES,
	    "nodes \"n1\" is forbidden: node \"n1\" is not allowed to set "
	    "the following labels: node-restriction.kubernetes.io/z");
	assert_int_equal(
	    put(f, "nodes", NULL, "n1", "metadata: {labels: {a: b}}\n", &err),
	    0);
	server_request_user(NULL);
}

/* kubefs's own rule: of all Secrets, a node writes its endpoint's. */
static void test_node_secret(void **state)
{
	struct fx *f = *state;
	struct kf_error err;

	server_request_user(&node1);
	assert_int_equal(put(f, "secrets", "kube-system",
			     "kubefs-node-endpoint-n1", "data: {token: eA==}\n",
			     &err),
			 0);
	expect(put(f, "secrets", "kube-system", "kubefs-node-endpoint-n2",
		   "data: {token: eA==}\n", &err),
	       &err, -EACCES,
	       "secrets \"kubefs-node-endpoint-n2\" is forbidden: node \"n1\" "
	       "may only write the secret "
	       "kube-system/kubefs-node-endpoint-n1");
	expect(put(f, "secrets", "default", "kubefs-node-endpoint-n1",
		   "data: {token: eA==}\n", &err),
	       &err, -EACCES,
	       "secrets \"kubefs-node-endpoint-n1\" is forbidden: node \"n1\" "
	       "may only write the secret "
	       "kube-system/kubefs-node-endpoint-n1");
	server_request_user(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_node_pods, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_node_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_node_secret, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
