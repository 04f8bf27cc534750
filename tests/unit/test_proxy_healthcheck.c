/*
 * test_proxy_healthcheck.c — healthCheckNodePort servers
 * (proxy/healthcheck.h): which Services get one and their local endpoint
 * counts, the response kube-proxy gives, and a real server on loopback
 * answering 200 and then 503 as the count changes and closing the port
 * when the Service goes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "proxy/healthcheck.h"

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

#define LB(name, etp, hc)                                                      \
	"{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"shop\"},"        \
	"\"spec\":{\"type\":\"LoadBalancer\",\"externalTrafficPolicy\":\"" etp \
	"\",\"healthCheckNodePort\":" hc "}}"

#define EP(pod, ip, node, ready)                                               \
	"{\"addresses\":[\"" ip "\"],\"nodeName\":\"" node "\","               \
	"\"targetRef\":{\"kind\":\"Pod\",\"name\":\"" pod "\"},"               \
	"\"conditions\":{\"ready\":" ready "}}"

#define SLICE(svc, name, type, eps)                                            \
	"{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"shop\","         \
	"\"labels\":{\"kubernetes.io/service-name\":\"" svc "\"}},"            \
	"\"addressType\":\"" type "\",\"endpoints\":[" eps "]}"

static void test_wanted(void **state)
{
	_cleanup_json_ json_t *svcs =
	    load("[" LB("web", "Local", "31001") "," LB(
		"api", "Cluster",
		"31002") "," LB("idle", "Local",
				"31003") ","
					 "{\"metadata\":{\"name\":\"np\","
					 "\"namespace\":\"shop\"},"
					 "\"spec\":{\"type\":\"NodePort\","
					 "\"externalTrafficPolicy\":"
					 "\"Local\"}}]");
	_cleanup_json_ json_t *slices = load("[" SLICE(
	    "web", "web-4", "IPv4",
	    EP("a", "10.244.1.2", "node-a", "true") "," EP("b", "10.244.1.3", "node-a", "false") "," EP(
		"c", "10.244.2.2", "node-b",
		"true")) "," SLICE("web", "web-6", "IPv6",
				   EP("a", "fd00::2", "node-a",
				      "true")) "," SLICE("web", "web-x", "IPv4",
							 EP("d", "10.244.1.9",
							    "node-a",
							    "true")) "," SLICE("idle",
									       "idle-4",
									       "IPv4",
									       EP("e",
										  "10.244.2.9",
										  "node-b",
										  "true")) "]");
	_cleanup_json_ json_t *w = NULL;

	assert_int_equal(healthcheck_wanted(svcs, slices, "node-a", &w), 0);
	assert_int_equal(json_object_size(w), 2);
	/* a once over both families, d; not b (unready), not c (node-b) */
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(w, "31001"), "localEndpoints")),
			 2);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(w, "31001"), "namespace")),
			    "shop");
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(w, "31003"), "localEndpoints")),
			 0);
	assert_null(json_object_get(w, "31002"));
}

static void test_response(void **state)
{
	_cleanup_json_ json_t *e = load(
	    "{\"namespace\":\"shop\",\"name\":\"web\",\"localEndpoints\":2}");
	_cleanup_free_ char *r = NULL, *r0 = NULL;
	size_t len;

	assert_int_equal(healthcheck_response(e, &r, &len), 0);
	assert_int_equal(len, strlen(r));
	assert_true(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17));
	assert_non_null(strstr(r, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(r, "\r\nX-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(
	    r, "\r\n\r\n{\"service\":{\"namespace\":\"shop\",\"name\":\"web\"},"
	       "\"localEndpoints\":2,\"serviceProxyHealthy\":true}"));
	json_object_set_new(e, "localEndpoints", json_integer(0));
	assert_int_equal(healthcheck_response(e, &r0, &len), 0);
	assert_true(!strncmp(r0, "HTTP/1.1 503 Service Unavailable\r\n", 34));
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* GET / on 127.0.0.1:port; the whole reply, or NULL when refused. Retries
 * a refused connection up to 10 s (the server thread opens it async). */
static char *get(int port, bool want_refused)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[2048];
	size_t len = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int tries = 0; tries < 1000; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		ssize_t n;

		assert_true(fd >= 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			close(fd);
			if (want_refused)
				return NULL;
			usleep(10000);
			continue;
		}
		if (want_refused) {
			close(fd);
			usleep(10000);
			continue;
		}
		assert_int_equal(write(fd, req, sizeof(req) - 1),
				 (ssize_t)sizeof(req) - 1);
		while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
			len += (size_t)n;
		close(fd);
		buf[len] = '\0';
		return strdup(buf);
	}
	fail_msg("port %d: %s", port,
		 want_refused ? "still open" : "never answered");
	return NULL;
}

static void test_server(void **state)
{
	struct healthcheck_config cfg = {.node_name = "node-a",
					 .address = "127.0.0.1"};
	struct healthcheck *h = NULL;
	int port = free_port();
	char key[16];
	_cleanup_json_ json_t *w = json_object();
	_cleanup_free_ char *r1 = NULL, *r2 = NULL;

	snprintf(key, sizeof(key), "%d", port);
	json_object_set_new(w, key,
			    json_pack("{s:s, s:s, s:i}", "namespace", "shop",
				      "name", "web", "localEndpoints", 3));
	assert_int_equal(healthcheck_new(&cfg, &h), 0);
	assert_int_equal(healthcheck_set(h, w), 0);
	r1 = get(port, false);
	assert_true(!strncmp(r1, "HTTP/1.1 200 OK\r\n", 17));
	assert_non_null(strstr(r1, "\"localEndpoints\":3"));
	json_object_set_new(json_object_get(w, key), "localEndpoints",
			    json_integer(0));
	assert_int_equal(healthcheck_set(h, w), 0);
	r2 = get(port, false);
	assert_true(!strncmp(r2, "HTTP/1.1 503 ", 13));
	json_object_clear(w);
	assert_int_equal(healthcheck_set(h, w), 0);
	assert_null(get(port, true));
	healthcheck_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wanted),
	    cmocka_unit_test(test_response),
	    cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
