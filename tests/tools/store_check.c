/*
 * store_check — after store_writer was killed, check the store against
 * what the writer reported (its stdout, all runs on this store appended
 * in LOG):
 *
 *  - every acknowledged write is there: a key holds the value of its last
 *    ACK (same rv, same hash), or the value of a write tried after it (a
 *    larger rv, that TRY's hash: the write in flight when a writer died,
 *    one per run at most); an ACKed delete left the key absent (or a put
 *    tried after it is there);
 *  - nothing else is there: every key is one the writer tried;
 *  - no value is torn: each value's own " crc=" matches its bytes, and
 *    says the key it is stored under;
 *  - batches are atomic: the mirror key and the key written with it in
 *    one batch agree;
 *  - the event log is whole: contiguous rvs from the oldest resumable rv
 *    to the current rv, each old value equal to the key's previous event,
 *    and for every key the last event agrees with the object table.
 *
 *   store_check DIR LOG [--keys N]
 *
 * Prints "OK ..." and exits 0, or prints "FAIL: ..." lines and exits 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/hash.h"
#include "store/store.h"

#define TABLE_SIZE 65536 /* keys; power of two */
#define KEY_LEN 64

enum { OP_NONE, OP_PUT, OP_DEL };

struct kstate {
	char key[KEY_LEN]; /* "" for a free slot */
	int ack_op;	   /* last acknowledged write */
	uint64_t ack_rv;
	uint64_t ack_hash;
	/* writes tried after the last ACK (in flight when a writer died) */
	size_t ntries;
	int *try_ops;
	uint64_t *try_hashes;
	/* from the store */
	bool seen_object;
	int ev_type; /* last event in the log, 0: none */
	uint64_t ev_rv;
	uint64_t ev_hash;
};

static struct kstate table[TABLE_SIZE];
static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (++failures > 20)
		return;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static uint32_t fnv32(const char *p, size_t n)
{
	return fnv1a32(FNV1A32_OFFSET, p, n);
}

static uint64_t fnv64(const char *p, size_t n)
{
	return fnv1a(FNV1A_OFFSET, p, n);
}

/* The slot of key; created when create is set, else NULL if unknown. */
static struct kstate *lookup(const char *key, size_t len, bool create)
{
	uint32_t h;

	if (len == 0 || len >= KEY_LEN)
		return NULL;
	h = fnv32(key, len);
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		struct kstate *k = &table[(h + i) & (TABLE_SIZE - 1)];

		if (!k->key[0]) {
			if (!create)
				return NULL;
			memcpy(k->key, key, len);
			k->key[len] = '\0';
			return k;
		}
		if (strlen(k->key) == len && !memcmp(k->key, key, len))
			return k;
	}
	return NULL;
}

/* The decimal number at the start of p (len bytes, not NUL-terminated). */
static uint64_t value_seq(const char *p, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		n = n * 10 + (uint64_t)(p[i] - '0');
	return n;
}

/* Eight hex digits (not NUL-terminated: values are borrowed bytes). */
static unsigned long hex8(const char *p)
{
	char buf[9];

	memcpy(buf, p, 8);
	buf[8] = '\0';
	return strtoul(buf, NULL, 16);
}

/* A value as store_writer makes it: "key=K seq=S pad=... crc=XXXXXXXX".
 * Returns its seq, or 0 (after a FAIL) if torn or misplaced. */
static uint64_t check_value(const char *what, const char *key, size_t key_len,
			    const char *v, size_t len)
{
	char head[KEY_LEN + 8];
	unsigned long crc;
	const char *c;

	if (len < 14 || memcmp(v + len - 13, " crc=", 5) != 0) {
		fail("%s %.*s: value without its checksum (%zu bytes)", what,
		     (int)key_len, key, len);
		return 0;
	}
	crc = hex8(v + len - 8);
	if (crc != fnv32(v, len - 13)) {
		fail("%s %.*s: torn value: checksum %08lx, bytes say %08x",
		     what, (int)key_len, key, crc, fnv32(v, len - 13));
		return 0;
	}
	snprintf(head, sizeof(head), "key=%.*s seq=", (int)key_len, key);
	if (len < strlen(head) || memcmp(v, head, strlen(head)) != 0) {
		fail("%s %.*s: holds another key's value", what, (int)key_len,
		     key);
		return 0;
	}
	c = v + strlen(head);
	return value_seq(c, len - strlen(head));
}

static int add_try(struct kstate *k, int op, uint64_t hash)
{
	int *ops = realloc(k->try_ops, (k->ntries + 1) * sizeof(*ops));
	uint64_t *hashes;

	if (!ops)
		return -1;
	k->try_ops = ops;
	hashes = realloc(k->try_hashes, (k->ntries + 1) * sizeof(*hashes));
	if (!hashes)
		return -1;
	k->try_hashes = hashes;
	ops[k->ntries] = op;
	hashes[k->ntries++] = hash;
	return 0;
}

/* Was op (with hash, for a put) tried after the last ACK? */
static bool tried(const struct kstate *k, int op, uint64_t hash)
{
	for (size_t i = 0; i < k->ntries; i++)
		if (k->try_ops[i] == op &&
		    (op == OP_DEL || k->try_hashes[i] == hash))
			return true;
	return false;
}

static int read_log(const char *path, size_t *ret_acks)
{
	char line[512], op[8], verb[8], key[KEY_LEN], a[32], b[32];
	FILE *f = fopen(path, "r");
	size_t acks = 0;

	if (!f) {
		printf("FAIL: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct kstate *k;
		uint64_t rv;

		if (!strchr(line, '\n'))
			break; /* a line cut by the kill */
		if (!strncmp(line, "ERROR", 5)) {
			fail("the writer failed: %s", line);
			continue;
		}
		if (sscanf(line, "%7s %7s %63s %31s %31s", verb, op, key, a,
			   b) != 5 ||
		    !(k = lookup(key, strlen(key), true))) {
			fail("bad line in the writer's log: %s", line);
			continue;
		}
		if (!strcmp(verb, "TRY")) {
			if (add_try(k, strcmp(op, "DEL") ? OP_PUT : OP_DEL,
				    strtoull(b, NULL, 16)) < 0) {
				fclose(f);
				printf("FAIL: out of memory\n");
				return -1;
			}
			continue;
		}
		rv = strtoull(a, NULL, 10);
		if (rv <= k->ack_rv)
			fail("%s: acknowledged rv %" PRIu64
			     " after rv %" PRIu64,
			     key, rv, k->ack_rv);
		k->ack_op = strcmp(op, "DEL") ? OP_PUT : OP_DEL;
		k->ack_rv = rv;
		k->ack_hash = strtoull(b, NULL, 16);
		k->ntries = 0;
		acks++;
	}
	fclose(f);
	*ret_acks = acks;
	return 0;
}

/* Every acknowledged write survived; nothing but tried writes is there. */
static void check_acked(struct store *s, uint64_t current)
{
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		struct kstate *k = &table[i];
		char *data;
		size_t len;
		uint64_t rv, h;
		int r;

		if (!k->key[0])
			continue;
		r = store_get(s, k->key, &data, &len, &rv);
		if (r == -ENOENT) {
			if (k->ack_op == OP_PUT && !tried(k, OP_DEL, 0))
				fail("%s: acknowledged put at rv %" PRIu64
				     " is lost",
				     k->key, k->ack_rv);
			continue;
		}
		if (r < 0) {
			fail("%s: store_get: %s", k->key, strerror(-r));
			continue;
		}
		h = fnv64(data, len);
		free(data);
		if (rv > current)
			fail("%s: rv %" PRIu64
			     " beyond the current rv %" PRIu64,
			     k->key, rv, current);
		if (k->ack_op == OP_PUT && rv == k->ack_rv && h == k->ack_hash)
			continue;
		if (rv > k->ack_rv && tried(k, OP_PUT, h))
			continue;
		fail("%s: holds rv %" PRIu64 " hash %016" PRIx64
		     "; last acknowledged %s at rv %" PRIu64 " hash %016" PRIx64
		     "%s",
		     k->key, rv, h, k->ack_op == OP_DEL ? "delete" : "put",
		     k->ack_rv, k->ack_hash,
		     k->ntries ? ", and tries after it" : "");
	}
}

struct scan {
	int keys; /* keys per writer thread */
	uint64_t mirror_seq[256];
	uint64_t key_seq[256][64];
	size_t objects;
};

static int scan_one(void *ud, const char *key, size_t key_len, const char *data,
		    size_t len, uint64_t rv)
{
	struct scan *sc = ud;
	struct kstate *k = lookup(key, key_len, false);
	unsigned t;
	char name[16];
	uint64_t seq;

	sc->objects++;
	if (!k) {
		fail("%.*s: a key the writer never wrote", (int)key_len, key);
		return 0;
	}
	k->seen_object = true;
	seq = check_value("object", key, key_len, data, len);
	if (!seq)
		return 0;
	if (sscanf(key, "w/%u/%15s", &t, name) != 2 || t >= 256)
		return 0;
	if (!strcmp(name, "mirror"))
		sc->mirror_seq[t] = seq;
	else if (strcmp(name, "tmp") && atoi(name) < 64)
		sc->key_seq[t][atoi(name)] = seq;
	(void)rv;
	return 0;
}

/* A mirror write and the key write of the same batch are seen together. */
static void check_batches(struct scan *sc)
{
	for (unsigned t = 0; t < 256; t++) {
		uint64_t m = sc->mirror_seq[t];

		if (m && sc->key_seq[t][m % sc->keys] < m)
			fail("w/%u/mirror has seq %" PRIu64 " but w/%u/%" PRIu64
			     " only %" PRIu64 ": a batch was split",
			     t, m, t, m % sc->keys,
			     sc->key_seq[t][m % sc->keys]);
		for (int i = 0; i < sc->keys; i++) {
			uint64_t q = sc->key_seq[t][i];

			if (q && q % 4 == 0 && m < q)
				fail("w/%u/%d has seq %" PRIu64
				     " but w/%u/mirror only %" PRIu64
				     ": a batch was split",
				     t, i, q, t, m);
		}
	}
}

struct walk {
	uint64_t next;
	uint64_t last;
	size_t events;
};

static int walk_one(void *ud, const struct store_event *ev)
{
	struct walk *w = ud;
	struct kstate *k = lookup(ev->key, ev->key_len, false);

	if (ev->rv != w->next)
		fail("event log: rv %" PRIu64 " where %" PRIu64 " was due",
		     ev->rv, w->next);
	w->next = ev->rv + 1;
	w->last = ev->rv;
	w->events++;
	if (!k) {
		fail("event %" PRIu64 ": unknown key %.*s", ev->rv,
		     (int)ev->key_len, ev->key);
		return 0;
	}
	check_value("event data", ev->key, ev->key_len, ev->data, ev->len);
	if (ev->type == STORE_EV_ADDED) {
		if (ev->old)
			fail("event %" PRIu64 ": ADDED with an old value",
			     ev->rv);
		if (k->ev_type && k->ev_type != STORE_EV_DELETED)
			fail("event %" PRIu64 ": ADDED %s, which exists",
			     ev->rv, k->key);
	} else {
		if (!ev->old) {
			fail("event %" PRIu64 ": no old value", ev->rv);
		} else {
			check_value("event old", ev->key, ev->key_len, ev->old,
				    ev->old_len);
			if (k->ev_type == STORE_EV_DELETED)
				fail("event %" PRIu64 ": %s after DELETED",
				     ev->rv, k->key);
			else if (k->ev_type &&
				 fnv64(ev->old, ev->old_len) != k->ev_hash)
				fail("event %" PRIu64
				     ": old value of %s is not its previous "
				     "value",
				     ev->rv, k->key);
		}
	}
	k->ev_type = ev->type;
	k->ev_rv = ev->rv;
	k->ev_hash = fnv64(ev->data, ev->len);
	return 0;
}

/* For every key, the last event in the log agrees with the objects, and
 * every object changed after the oldest resumable rv has its event. */
static void check_log_vs_objects(struct store *s, uint64_t oldest)
{
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		struct kstate *k = &table[i];
		char *data;
		size_t len;
		uint64_t rv;
		int r;

		if (!k->key[0])
			continue;
		r = store_get(s, k->key, &data, &len, &rv);
		if (r == -ENOENT) {
			if (k->ev_type && k->ev_type != STORE_EV_DELETED)
				fail("%s: absent, but its last event (rv "
				     "%" PRIu64 ") is not DELETED",
				     k->key, k->ev_rv);
			continue;
		}
		if (r < 0)
			continue;
		if (rv > oldest &&
		    (k->ev_rv != rv || k->ev_type == STORE_EV_DELETED ||
		     fnv64(data, len) != k->ev_hash))
			fail("%s: object at rv %" PRIu64
			     " disagrees with its last event (rv %" PRIu64 ")",
			     k->key, rv, k->ev_rv);
		if (k->ev_type && rv < k->ev_rv)
			fail("%s: object at rv %" PRIu64
			     " older than its last event (rv %" PRIu64 ")",
			     k->key, rv, k->ev_rv);
		free(data);
	}
}

int main(int argc, char **argv)
{
	struct store_config cfg = {0};
	static struct scan sc;
	struct walk w = {0};
	struct store *s;
	uint64_t current, oldest;
	size_t acks;
	int r;

	sc.keys = 8;
	if (argc == 5 && !strcmp(argv[3], "--keys"))
		sc.keys = atoi(argv[4]);
	else if (argc != 3) {
		fprintf(stderr, "usage: store_check DIR LOG [--keys N]\n");
		return 2;
	}
	if (sc.keys < 1 || sc.keys > 64)
		return 2;
	if (read_log(argv[2], &acks) < 0)
		return 1;
	cfg.path = argv[1];
	r = store_open(&cfg, &s);
	if (r < 0) {
		printf("FAIL: store_open %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	current = store_current_rv(s);
	oldest = store_oldest_resumable_rv(s);
	check_acked(s, current);
	r = store_list(s, "", scan_one, &sc, NULL);
	if (r)
		fail("store_list: %s", strerror(-r));
	check_batches(&sc);
	if (oldest > current)
		fail("oldest resumable rv %" PRIu64 " > current %" PRIu64,
		     oldest, current);
	w.next = oldest + 1;
	r = store_events(s, oldest, 0, walk_one, &w);
	if (r)
		fail("store_events(%" PRIu64 "): %s", oldest, strerror(-r));
	if (w.last != current)
		fail("event log ends at rv %" PRIu64 ", current rv is %" PRIu64,
		     w.last, current);
	check_log_vs_objects(s, oldest);
	store_free(s);
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("OK rv=%" PRIu64 " oldest=%" PRIu64 " objects=%zu events=%zu "
	       "acks=%zu\n",
	       current, oldest, sc.objects, w.events, acks);
	return 0;
}
