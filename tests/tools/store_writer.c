/*
 * store_writer — load for the store's crash tests: K threads write their
 * own keys with increasing sequence numbers until killed (or --count
 * writes each), and report every write on stdout, one write(2) per line:
 *
 *   TRY PUT key seq hash    before a write is handed to the store
 *   TRY DEL key - -
 *   ACK PUT key rv hash     after store_write() returned 0: durable
 *   ACK DEL key rv -
 *
 * hash is the FNV-1a 64 of the whole value, in hex. Every value ends in
 * " crc=XXXXXXXX", the FNV-1a 32 of what precedes it, so a reader can
 * tell a torn value. Thread T owns the keys w/T/0..N-1, w/T/mirror and
 * w/T/tmp:
 *  - each write puts w/T/(seq % N), expecting the rv it last saw;
 *  - every 4th write also puts w/T/mirror with the same seq in the same
 *    batch (atomicity: the two are seen together or not at all);
 *  - every 5th write puts or deletes w/T/tmp.
 * On start each thread resumes from what the store holds, so runs can be
 * killed and restarted on the same store. See store_check for the checks.
 *
 *   store_writer DIR [--threads K] [--keys N] [--count M] [--map BYTES]
 *                [--map-max BYTES] [--keep-events E] [--keep-seconds S]
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/hash.h"
#include "store/store.h"

#define MAX_THREADS 64
#define MAX_KEYS 64
#define VALUE_MAX 16384

struct opts {
	const char *dir;
	int threads;
	int keys;
	long count; /* writes per thread; 0: until killed */
	struct store_config cfg;
};

struct thread {
	struct store *s;
	const struct opts *o;
	int id;
	uint64_t seq;
	uint64_t rv[MAX_KEYS]; /* last rv seen of w/T/i, 0: absent */
	uint64_t mirror_rv;
	uint64_t tmp_rv;
	uint64_t rand;
};

static uint32_t fnv32(const char *p, size_t n)
{
	return fnv1a32(FNV1A32_OFFSET, p, n);
}

static uint64_t fnv64(const char *p, size_t n)
{
	return fnv1a(FNV1A_OFFSET, p, n);
}

static uint64_t next_rand(struct thread *t)
{
	t->rand ^= t->rand << 13;
	t->rand ^= t->rand >> 7;
	t->rand ^= t->rand << 17;
	return t->rand;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line, one write(2): lines of threads never interleave. */
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		abort();
	if (write(STDOUT_FILENO, line, (size_t)n) != n)
		_exit(3);
}

static void die(const char *what, const char *key, int r)
{
	say("ERROR %s %s: %s\n", what, key, strerror(-r));
	_exit(1);
}

/* Build the value of key at seq into buf; returns its length. */
static size_t make_value(struct thread *t, const char *key, uint64_t seq,
			 char *buf)
{
	uint64_t pick = next_rand(t) % 10;
	size_t pad, n;

	if (pick < 4)
		pad = 20 + next_rand(t) % 180;
	else if (pick < 9)
		pad = 200 + next_rand(t) % 1800;
	else
		pad = 2000 + next_rand(t) % 10000;
	n = (size_t)snprintf(buf, VALUE_MAX, "key=%s seq=%" PRIu64 " pad=", key,
			     seq);
	for (size_t i = 0; i < pad; i++)
		buf[n++] = (char)('a' + (seq + i) % 26);
	n += (size_t)snprintf(buf + n, VALUE_MAX - n, " crc=%08x",
			      fnv32(buf, n));
	return n;
}

/* The seq a stored value carries, 0 if none. */
static uint64_t value_seq(const char *v)
{
	const char *p = strstr(v, " seq=");

	return p ? strtoull(p + 5, NULL, 10) : 0;
}

/* Learn the thread's keys from the store, so a restart continues. */
static void resume(struct thread *t)
{
	char key[64], *data;
	size_t len;
	uint64_t rv;
	int r;

	for (int i = 0; i <= t->o->keys + 1; i++) {
		if (i < t->o->keys)
			snprintf(key, sizeof(key), "w/%d/%d", t->id, i);
		else
			snprintf(key, sizeof(key), "w/%d/%s", t->id,
				 i == t->o->keys ? "mirror" : "tmp");
		r = store_get(t->s, key, &data, &len, &rv);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			die("get", key, r);
		if (value_seq(data) > t->seq)
			t->seq = value_seq(data);
		free(data);
		if (i < t->o->keys)
			t->rv[i] = rv;
		else if (i == t->o->keys)
			t->mirror_rv = rv;
		else
			t->tmp_rv = rv;
	}
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	static __thread char val[2][VALUE_MAX];
	char key[2][64];
	struct store_op ops[2];
	uint64_t hash[2];

	resume(t);
	for (long w = 0; !t->o->count || w < t->o->count; w++) {
		uint64_t seq = ++t->seq;
		int i = (int)(seq % (uint64_t)t->o->keys);
		size_t n = 1, idx;
		int r;

		memset(ops, 0, sizeof(ops));
		snprintf(key[0], sizeof(key[0]), "w/%d/%d", t->id, i);
		ops[0].type = STORE_PUT;
		ops[0].key = key[0];
		ops[0].len = make_value(t, key[0], seq, val[0]);
		ops[0].data = val[0];
		ops[0].expect_rv = t->rv[i] ? t->rv[i] : STORE_RV_ABSENT;
		if (seq % 4 == 0) {
			snprintf(key[1], sizeof(key[1]), "w/%d/mirror", t->id);
			ops[1].type = STORE_PUT;
			ops[1].key = key[1];
			ops[1].len = make_value(t, key[1], seq, val[1]);
			ops[1].data = val[1];
			n = 2;
		} else if (seq % 5 == 0) {
			snprintf(key[0], sizeof(key[0]), "w/%d/tmp", t->id);
			if (t->tmp_rv) {
				ops[0].type = STORE_DELETE;
				ops[0].data = NULL;
				ops[0].len = 0;
				ops[0].expect_rv = t->tmp_rv;
			} else {
				ops[0].len = make_value(t, key[0], seq, val[0]);
				ops[0].expect_rv = STORE_RV_ABSENT;
			}
		}
		for (size_t j = 0; j < n; j++) {
			if (ops[j].type == STORE_DELETE) {
				say("TRY DEL %s - -\n", ops[j].key);
				continue;
			}
			hash[j] = fnv64(ops[j].data, ops[j].len);
			say("TRY PUT %s %" PRIu64 " %016" PRIx64 "\n",
			    ops[j].key, seq, hash[j]);
		}
		r = store_write(t->s, ops, n, &idx);
		if (r < 0)
			die("write", ops[idx < n ? idx : 0].key, r);
		for (size_t j = 0; j < n; j++) {
			if (ops[j].type == STORE_DELETE)
				say("ACK DEL %s %" PRIu64 " -\n", ops[j].key,
				    ops[j].ret_rv);
			else
				say("ACK PUT %s %" PRIu64 " %016" PRIx64 "\n",
				    ops[j].key, ops[j].ret_rv, hash[j]);
		}
		if (seq % 5 == 0 && seq % 4 != 0)
			t->tmp_rv =
			    ops[0].type == STORE_DELETE ? 0 : ops[0].ret_rv;
		else
			t->rv[i] = ops[0].ret_rv;
		if (n == 2)
			t->mirror_rv = ops[1].ret_rv;
	}
	return NULL;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: store_writer DIR [--threads K] [--keys N] "
		"[--count M]\n"
		"       [--map BYTES] [--map-max BYTES] [--keep-events E] "
		"[--keep-seconds S]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct thread th[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	struct opts o = {.threads = 4, .keys = 8};
	struct store *s;
	int r;

	if (argc < 2)
		return usage();
	o.dir = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		unsigned long long v;

		if (i + 1 >= argc)
			return usage();
		v = strtoull(argv[++i], NULL, 0);
		if (!strcmp(a, "--threads"))
			o.threads = (int)v;
		else if (!strcmp(a, "--keys"))
			o.keys = (int)v;
		else if (!strcmp(a, "--count"))
			o.count = (long)v;
		else if (!strcmp(a, "--map"))
			o.cfg.map_size = v;
		else if (!strcmp(a, "--map-max"))
			o.cfg.map_size_max = v;
		else if (!strcmp(a, "--keep-events"))
			o.cfg.keep_events = v;
		else if (!strcmp(a, "--keep-seconds"))
			o.cfg.keep_seconds = (unsigned)v;
		else
			return usage();
	}
	if (o.threads < 1 || o.threads > MAX_THREADS || o.keys < 1 ||
	    o.keys > MAX_KEYS)
		return usage();
	o.cfg.path = o.dir;
	r = store_open(&o.cfg, &s);
	if (r < 0) {
		say("ERROR open %s: %s\n", o.dir, strerror(-r));
		return 1;
	}
	for (int i = 0; i < o.threads; i++) {
		th[i].s = s;
		th[i].o = &o;
		th[i].id = i;
		th[i].rand = (uint64_t)time(NULL) * 2654435761u ^
			     (uint64_t)getpid() << 16 ^ (uint64_t)(i + 1);
		if (pthread_create(&tid[i], NULL, thread_main, &th[i]))
			return 1;
	}
	for (int i = 0; i < o.threads; i++)
		pthread_join(tid[i], NULL);
	store_free(s);
	return 0;
}
