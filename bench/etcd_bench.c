/*
 * etcd_bench — the same object writes as fs_bench, made against etcd
 * (v3, through its JSON gateway on loopback), as the baseline a user
 * would otherwise put under Kubernetes.
 *
 *   etcd_bench --endpoint http://127.0.0.1:PORT [--objects N]
 *              [--writers 1,8,64]
 *
 * Other options with a value are ignored (fs-bench.sh passes fs_bench's).
 * For each writer count: N puts of new keys (create), N puts of the same
 * keys (replace), N range reads (read) and N deletes, split among the
 * writers, each writer with its own kept-alive connection. Values are the
 * size of fs_bench's ConfigMaps. Prints one line per operation and writer
 * count: "etcd OP WRITERS OPS_PER_SECOND FAILED". etcd acknowledges a
 * write once its log entry is fsync'd, as kubefs does at close().
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/phase.h"

enum op { OP_CREATE, OP_READ, OP_REPLACE, OP_DELETE, OP_COUNT };
static const char *const op_names[] = {"create", "read", "replace", "delete"};
static const char *const op_paths[] = {"/v3/kv/put", "/v3/kv/range",
				       "/v3/kv/put", "/v3/kv/deleterange"};

static void b64(const char *in, size_t n, char *out)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16 |
			     (unsigned char)in[i + 1] << 8 |
			     (unsigned char)in[i + 2];

		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
		out[o++] = t[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: "
						       "application/json");
	char url[512], key[128], val[1024], kb[256], vb[1400], body[2048];
	long code;

	snprintf(url, sizeof(url), "%s%s", j->target, op_paths[j->op]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	for (int i = j->first; i < j->first + j->count; i++) {
		int kn = snprintf(key, sizeof(key),
				  "/registry/configmaps/default/b-%d", i);
		int vn = snprintf(
		    val, sizeof(val),
		    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		    "\"metadata\":{\"name\":\"b-%d\",\"namespace\":"
		    "\"default\",\"labels\":{\"app\":\"bench\"}},\"data\":"
		    "{\"generation\":\"%d\",\"payload\":\"%s%s\"}}",
		    i, j->op == OP_REPLACE ? 2 : 1,
		    "0123456789abcdef0123456789abcdef0123456789abcdef",
		    "0123456789abcdef0123456789abcdef0123456789abcdef");

		b64(key, kn, kb);
		b64(val, vn, vb);
		if (j->op == OP_CREATE || j->op == OP_REPLACE)
			snprintf(body, sizeof(body),
				 "{\"key\":\"%s\",\"value\":\"%s\"}", kb, vb);
		else
			snprintf(body, sizeof(body), "{\"key\":\"%s\"}", kb);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (curl_easy_perform(c) != CURLE_OK ||
		    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) !=
			CURLE_OK ||
		    code != 200)
			j->failures++;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *endpoint = NULL;
	int n = 2000, counts[8] = {1, 8, 64}, ncounts = 3, failures = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--endpoint") && i + 1 < argc) {
			endpoint = argv[++i];
		} else if (!strcmp(argv[i], "--objects") && i + 1 < argc) {
			n = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--writers") && i + 1 < argc) {
			char *p = argv[++i];

			ncounts = 0;
			while (*p && ncounts < 8) {
				int w = (int)strtol(p, &p, 10);

				if (w >= 1 && w <= 64)
					counts[ncounts++] = w;
				if (*p && *p++ != ',')
					return 2;
			}
		} else if (argv[i][0] == '-' && i + 1 < argc) {
			i++; /* fs_bench's options, passed along: not ours */
		} else {
			endpoint = NULL;
			break;
		}
	}
	if (!endpoint || n < 1) {
		fprintf(stderr, "usage: etcd_bench --endpoint URL "
				"[--objects N] [--writers 1,8,64]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (int ci = 0; ci < ncounts; ci++)
		for (int op = 0; op < OP_COUNT; op++) {
			int f = 0;
			double r =
			    run_phase(run_job, endpoint, op, n, counts[ci], &f);

			printf("etcd %s %d %.0f %d\n", op_names[op], counts[ci],
			       r, f);
			fflush(stdout);
			failures += f;
		}
	curl_global_cleanup();
	return failures ? 1 : 0;
}
