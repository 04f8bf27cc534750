/*
 * encryption_bench — what encryption at rest costs a Secret's write and
 * read at the store boundary: store_write(), store_get() and a
 * store_list() of every Secret, through an EncryptionConfiguration whose
 * first provider is secretbox, aesgcm or aescbc, against the identity
 * provider (the baseline: the same transformer hook, no cipher), in the
 * same run, alternating, on one thread.
 *
 *   encryption_bench [DIR] [--secrets N] [--bytes B] [--sync]
 *
 * N Secrets (default 2000) of B bytes of JSON (default 512) are written,
 * each read back ten times, and listed ten times. Without --sync the
 * store skips the disk sync, so the numbers are the CPU's (with it, a
 * write's sync dwarfs the cipher). DIR (default: a new directory under
 * the current one) is removed at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apiserver/encryption.h"
#include "store/store.h"

#define ROUNDS 3
#define READS_PER_SECRET 10
#define LISTS 10

static const char *const providers[] = {"identity", "secretbox", "aesgcm",
					"aescbc"};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct encryption *config(const char *provider)
{
	static const char key[] =
	    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
	struct encryption *enc = NULL;
	struct kf_error err;
	char text[1024];

	if (!strcmp(provider, "identity"))
		snprintf(text, sizeof(text),
			 "kind: EncryptionConfiguration\n"
			 "apiVersion: apiserver.config.k8s.io/v1\n"
			 "resources: [{resources: [secrets], providers: "
			 "[{identity: {}}]}]\n");
	else
		snprintf(text, sizeof(text),
			 "kind: EncryptionConfiguration\n"
			 "apiVersion: apiserver.config.k8s.io/v1\n"
			 "resources: [{resources: [secrets], providers: "
			 "[{%s: {keys: [{name: k, secret: %s}]}}]}]\n",
			 provider, key);
	kf_error_init(&err);
	if (encryption_new(text, strlen(text), &err, &enc) < 0) {
		fprintf(stderr, "encryption_bench: %s\n", err.msg);
		exit(1);
	}
	return enc;
}

struct result {
	double write_s, read_s, list_s;
};

static int count_one(void *ud, const char *key, size_t key_len,
		     const char *data, size_t len, uint64_t rv)
{
	(void)key;
	(void)key_len;
	(void)data;
	(void)rv;
	*(size_t *)ud += len;
	return 0;
}

static void remove_store(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static void run(const char *dir, const char *provider, int n, const char *value,
		bool sync, struct result *res)
{
	struct encryption *enc = config(provider);
	struct store_config cfg = {.path = dir, .no_sync = !sync};
	struct store *st;
	char key[64], *data;
	size_t len, total = 0;
	uint64_t rv;
	double t;

	cfg.transformer = encryption_transformer(enc);
	if (store_open(&cfg, &st) < 0) {
		fprintf(stderr, "encryption_bench: cannot open %s\n", dir);
		exit(1);
	}
	t = now();
	for (int i = 0; i < n; i++) {
		struct store_op op = {.type = STORE_PUT,
				      .key = key,
				      .data = value,
				      .len = strlen(value)};

		snprintf(key, sizeof(key), "core/secrets/default/s%d", i);
		if (store_write(st, &op, 1, NULL) < 0)
			exit(1);
	}
	res->write_s += now() - t;
	t = now();
	for (int j = 0; j < READS_PER_SECRET; j++) {
		for (int i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "core/secrets/default/s%d",
				 i);
			if (store_get(st, key, &data, &len, &rv) < 0)
				exit(1);
			free(data);
		}
	}
	res->read_s += now() - t;
	t = now();
	for (int j = 0; j < LISTS; j++)
		if (store_list(st, "core/secrets/", count_one, &total, NULL) <
		    0)
			exit(1);
	res->list_s += now() - t;
	store_free(st);
	encryption_free(enc);
	remove_store(dir);
}

int main(int argc, char **argv)
{
	struct result res[4] = {0};
	const char *dir = NULL;
	int n = 2000, bytes = 512;
	bool sync = false;
	char sub[4096], *value;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--secrets") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
			bytes = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sync"))
			sync = true;
		else
			dir = argv[i];
	}
	if (n <= 0 || bytes < 64) {
		fprintf(stderr, "usage: encryption_bench [DIR] [--secrets N] "
				"[--bytes B>=64] [--sync]\n");
		return 2;
	}
	value = malloc((size_t)bytes + 1);
	if (!value)
		return 1;
	/* a Secret's JSON: a base64 payload inside */
	snprintf(
	    value, (size_t)bytes + 1,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"k\":\"");
	for (size_t i = strlen(value); i < (size_t)bytes - 3; i++)
		value[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"[i % 32];
	memcpy(value + bytes - 3, "\"}}", 4);
	snprintf(sub, sizeof(sub), "%s/encryption-bench.%ld", dir ? dir : ".",
		 (long)getpid());
	mkdir(dir ? dir : ".", 0700);
	for (int r = 0; r < ROUNDS; r++)
		for (int p = 0; p < 4; p++)
			run(sub, providers[p], n, value, sync, &res[p]);
	free(value);
	printf("%d Secrets of %d bytes, %s, %d rounds; ops/s (ratio to "
	       "identity)\n",
	       n, bytes, sync ? "synced writes" : "no disk sync", ROUNDS);
	printf("%-10s %16s %16s %16s\n", "provider", "writes/s", "gets/s",
	       "listed/s");
	for (int p = 0; p < 4; p++) {
		double w = n * ROUNDS / res[p].write_s;
		double g =
		    (double)n * READS_PER_SECRET * ROUNDS / res[p].read_s;
		double l = (double)n * LISTS * ROUNDS / res[p].list_s;
		double w0 = n * ROUNDS / res[0].write_s;
		double g0 =
		    (double)n * READS_PER_SECRET * ROUNDS / res[0].read_s;
		double l0 = (double)n * LISTS * ROUNDS / res[0].list_s;

		printf("%-10s %9.0f (%.2f) %9.0f (%.2f) %9.0f (%.2f)\n",
		       providers[p], w, w / w0, g, g / g0, l, l / l0);
	}
	return 0;
}
