/*
 * store_bench — durable writes per second of the kubefs store (LMDB, one
 * group commit for all waiting writers) against a careful program's way
 * of storing one file per object (write a temporary file, fsync it,
 * rename it over the object, fsync the directory), on the same disk, in
 * the same run, with 1, 8 and 64 concurrent writers of ~1 KiB values.
 *
 *   store_bench [DIR] [--seconds S]
 *
 * DIR (default: a new directory under the current one) must be on the
 * disk to measure; a tmpfs makes every sync free and is reported. For
 * each writer count the baseline runs for S seconds (default 3), then
 * the store does the same number of writes (stopping after 2 S at most),
 * in three alternating rounds. Everything it creates is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define VALUE_LEN 1024
#define KEYS_PER_WRITER 64
#define MAX_WRITERS 64
#define ROUNDS 3 /* alternations of baseline and store per writer count */

static const int writer_counts[] = {1, 8, 64};

struct phase {
	const char *dir;
	struct store *s;
	int writers;
	long quota;	    /* writes per writer; 0: until the deadline */
	double deadline;    /* monotonic seconds */
	_Atomic long done;  /* writes completed */
	_Atomic int failed; /* errno of the first failure */
};

struct writer {
	struct phase *p;
	int id;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_value(char *buf, int id, long i)
{
	int n = snprintf(buf, VALUE_LEN,
			 "{\"writer\":%d,\"seq\":%ld,\"pad\":\"", id, i);

	for (; n < VALUE_LEN - 3; n++)
		buf[n] = (char)('a' + (n + i) % 26);
	memcpy(buf + VALUE_LEN - 3, "\"}\n", 3);
}

static bool keep_going(struct writer *w, long i)
{
	struct phase *p = w->p;

	if (atomic_load(&p->failed))
		return false;
	if (p->quota)
		return i < p->quota && now() < p->deadline;
	return now() < p->deadline;
}

/* The baseline: one file per object, replaced the careful way. */
static void *file_writer(void *arg)
{
	struct writer *w = arg;
	struct phase *p = w->p;
	char val[VALUE_LEN], tmp[512], dst[512];
	int dfd = open(p->dir, O_RDONLY | O_DIRECTORY);

	if (dfd < 0) {
		atomic_store(&p->failed, errno);
		return NULL;
	}
	for (long i = 0; keep_going(w, i); i++) {
		int fd;

		fill_value(val, w->id, i);
		snprintf(tmp, sizeof(tmp), "%s/.w%d.tmp", p->dir, w->id);
		snprintf(dst, sizeof(dst), "%s/w%d-%ld", p->dir, w->id,
			 i % KEYS_PER_WRITER);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, val, VALUE_LEN) != VALUE_LEN ||
		    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, dst) < 0 ||
		    fsync(dfd) < 0) {
			atomic_store(&p->failed, errno ? errno : EIO);
			break;
		}
		atomic_fetch_add(&p->done, 1);
	}
	close(dfd);
	return NULL;
}

static void *store_writer(void *arg)
{
	struct writer *w = arg;
	struct phase *p = w->p;
	char val[VALUE_LEN], key[64];
	int r;

	for (long i = 0; keep_going(w, i); i++) {
		struct store_op op = {
		    .type = STORE_PUT,
		    .key = key,
		    .data = val,
		    .len = VALUE_LEN,
		};

		fill_value(val, w->id, i);
		snprintf(key, sizeof(key), "bench/v1/objects/w%d/%ld", w->id,
			 i % KEYS_PER_WRITER);
		r = store_write(p->s, &op, 1, NULL);
		if (r < 0) {
			atomic_store(&p->failed, -r);
			break;
		}
		atomic_fetch_add(&p->done, 1);
	}
	return NULL;
}

/* Run writers threads of fn; returns the elapsed seconds. */
static double run(struct phase *p, void *(*fn)(void *))
{
	static struct writer w[MAX_WRITERS];
	pthread_t t[MAX_WRITERS];
	double start = now();

	for (int i = 0; i < p->writers; i++) {
		w[i].p = p;
		w[i].id = i;
		if (pthread_create(&t[i], NULL, fn, &w[i])) {
			fprintf(stderr, "store_bench: pthread_create failed\n");
			exit(1);
		}
	}
	for (int i = 0; i < p->writers; i++)
		pthread_join(t[i], NULL);
	return now() - start;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return "unknown";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53:
		return "ext4";
	case 0x58465342:
		return "xfs";
	case 0x9123683E:
		return "btrfs";
	case 0x01021994:
		return "tmpfs";
	case 0x794c7630:
		return "overlayfs";
	case 0x2fc12fc1:
		return "zfs";
	default:
		return "other";
	}
}

static void fail(const char *what, int e)
{
	fprintf(stderr, "store_bench: %s: %s\n", what, strerror(e));
	exit(1);
}

int main(int argc, char **argv)
{
	char base[4096], dir[4200];
	const char *arg_dir = NULL;
	double seconds = 3;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (argv[i][0] != '-' && !arg_dir)
			arg_dir = argv[i];
		else {
			fprintf(stderr,
				"usage: store_bench [DIR] [--seconds S]\n");
			return 2;
		}
	}
	if (seconds <= 0 || seconds > 60)
		seconds = 3;
	/* Not /tmp: it is often a tmpfs, where a sync costs nothing. */
	snprintf(base, sizeof(base), "%s/store-bench.XXXXXX",
		 arg_dir ? arg_dir : ".");
	if (arg_dir && mkdir(arg_dir, 0700) < 0 && errno != EEXIST)
		fail(arg_dir, errno);
	if (!mkdtemp(base))
		fail("mkdtemp", errno);

	printf("store_bench: durable ~1 KiB writes, kubefs store (LMDB, "
	       "group commit)\n"
	       "vs one file per write (write tmp + fsync + rename + fsync "
	       "dir), same disk:\n%s (%s)\n",
	       base, fs_name(base));
	if (!strcmp(fs_name(base), "tmpfs"))
		printf("note: this is a tmpfs: syncs cost nothing here, the "
		       "numbers say little about a disk\n");
	printf("\n%8s %12s %12s %8s %14s\n", "writers", "kubefs w/s",
	       "files w/s", "ratio", "commits/write");

	for (size_t k = 0; k < sizeof(writer_counts) / sizeof(int); k++) {
		int writers = writer_counts[k];
		struct store_config cfg = {0};
		struct store_stats stats;
		struct store *s;
		double tf = 0, ts = 0;
		long nf = 0, ns = 0;
		int r;

		snprintf(dir, sizeof(dir), "%s/store-%d", base, writers);
		cfg.path = dir;
		r = store_open(&cfg, &s);
		if (r < 0)
			fail("store_open", -r);
		snprintf(dir, sizeof(dir), "%s/files-%d", base, writers);
		if (mkdir(dir, 0700) < 0)
			fail(dir, errno);
		/* Alternate short rounds, so that a disk that slows down or
		 * speeds up (a shared machine) weighs on both sides alike. */
		for (int round = 0; round < ROUNDS; round++) {
			struct phase files = {.writers = writers, .dir = dir};
			struct phase st = {.writers = writers, .s = s};
			long n;

			files.deadline = now() + seconds / ROUNDS;
			tf += run(&files, file_writer);
			if (atomic_load(&files.failed))
				fail("baseline", atomic_load(&files.failed));
			n = atomic_load(&files.done);
			nf += n;
			/* The same number of writes, split over the writers. */
			st.quota = (n + writers - 1) / writers;
			st.deadline = now() + 2 * seconds / ROUNDS;
			ts += run(&st, store_writer);
			if (atomic_load(&st.failed))
				fail("store_write", atomic_load(&st.failed));
			ns += atomic_load(&st.done);
		}
		r = store_stat(s, &stats);
		if (r < 0)
			fail("store_stat", -r);
		store_free(s);

		printf("%8d %12.0f %12.0f %8.2f %14.3f\n", writers,
		       (double)ns / ts, (double)nf / tf,
		       ((double)ns / ts) / ((double)nf / tf),
		       stats.writes
			   ? (double)stats.commits / (double)stats.writes
			   : 0.0);
		fflush(stdout);
	}
	rm_rf(base);
	return 0;
}
