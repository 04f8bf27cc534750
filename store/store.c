/*
 * store.c — opening and closing the LMDB environment, its map size, the
 * resize lock, statistics and snapshots.
 */
#include "store/store_i.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"

/*
 * LMDB must not open one environment twice in a process (closing one
 * handle would drop the other's file locks), so open stores are listed
 * here and a second store_open() of the same directory fails. Entries
 * inherited through fork() belong to the parent and are ignored.
 */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store *registry;

/* The store whose resize lock this thread holds shared, and how deeply,
 * so that a callback of store_list()/store_events() may read again. */
static __thread struct store *tls_store;
static __thread unsigned tls_depth;

int store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_TXN_FULL:
	case MDB_BAD_VALSIZE:
		return -EFBIG;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		return -EINVAL;
	default:
		if (rc > 0)
			return -rc;
		return -EIO; /* MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_PANIC */
	}
}

void store_lock_shared(struct store *s)
{
	if (tls_store == s) {
		tls_depth++;
		return;
	}
	pthread_rwlock_rdlock(&s->resize_lock);
	if (!tls_store) {
		tls_store = s;
		tls_depth = 1;
	}
}

void store_unlock_shared(struct store *s)
{
	if (tls_store == s) {
		if (--tls_depth)
			return;
		tls_store = NULL;
	}
	pthread_rwlock_unlock(&s->resize_lock);
}

int store_map_adopt(struct store *s)
{
	int rc;

	pthread_rwlock_wrlock(&s->resize_lock);
	rc = mdb_env_set_mapsize(s->env, 0);
	pthread_rwlock_unlock(&s->resize_lock);
	return store_errno(rc);
}

int store_map_grow(struct store *s)
{
	MDB_envinfo info;
	size_t size;
	int rc;

	pthread_rwlock_wrlock(&s->resize_lock);
	rc = mdb_env_info(s->env, &info);
	if (rc)
		goto out;
	if (info.me_mapsize >= s->map_max) {
		pthread_rwlock_unlock(&s->resize_lock);
		return -ENOSPC;
	}
	size =
	    info.me_mapsize > s->map_max / 2 ? s->map_max : info.me_mapsize * 2;
	rc = mdb_env_set_mapsize(s->env, size);
out:
	pthread_rwlock_unlock(&s->resize_lock);
	return store_errno(rc);
}

int store_read_begin(struct store *s, MDB_txn **ret_txn)
{
	MDB_txn *txn;
	int rc, r;

	for (int tries = 0;; tries++) {
		store_lock_shared(s);
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
		if (rc == 0) {
			*ret_txn = txn;
			return 0;
		}
		store_unlock_shared(s);
		/* Another process grew the map past ours: adopt its size,
		 * unless this thread is inside a callback holding a read
		 * transaction (the resize needs none active). */
		if (rc != MDB_MAP_RESIZED || tls_store == s || tries >= 3)
			return store_errno(rc);
		r = store_map_adopt(s);
		if (r < 0)
			return r;
	}
}

void store_read_end(struct store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	store_unlock_shared(s);
}

int store_meta_get(struct store *s, MDB_txn *txn, const char *name,
		   uint64_t *ret)
{
	MDB_val k = {strlen(name), (void *)name}, v;
	int rc;

	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		*ret = 0;
		return 0;
	}
	if (rc)
		return store_errno(rc);
	if (v.mv_size != sizeof(uint64_t))
		return -EIO;
	memcpy(ret, v.mv_data, sizeof(uint64_t));
	return 0;
}

int store_meta_put(struct store *s, MDB_txn *txn, const char *name,
		   uint64_t val)
{
	MDB_val k = {strlen(name), (void *)name}, v = {sizeof(val), &val};

	return store_errno(mdb_put(txn, s->dbi_meta, &k, &v, 0));
}

int store_live_pages(struct store *s, MDB_txn *txn, size_t *ret_pages)
{
	const MDB_dbi dbis[] = {0 /* free pages */, 1 /* main */,
				s->dbi_objects, s->dbi_log, s->dbi_meta};
	size_t pages = 2; /* the two meta pages */
	MDB_stat st;
	int rc;

	for (size_t i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
		rc = mdb_stat(txn, dbis[i], &st);
		if (rc)
			return store_errno(rc);
		pages += st.ms_branch_pages + st.ms_leaf_pages +
			 st.ms_overflow_pages;
	}
	*ret_pages = pages;
	return 0;
}

uint64_t store_now(struct store *s)
{
	struct timespec ts;

	if (s->clock)
		return s->clock(s->clock_ud);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec;
}

void store_set_clock(struct store *s, store_clock_fn fn, void *ud)
{
	s->clock = fn;
	s->clock_ud = ud;
}

/* mkdir -p with mode 0700 for each missing component. */
static int make_dirs(const char *path)
{
	_cleanup_free_ char *p = strdup(path);
	struct stat st;

	if (!p)
		return -ENOMEM;
	for (char *c = p + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char save = *c;

		*c = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -errno;
		*c = save;
		if (!save)
			break;
	}
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int registry_add(struct store *s)
{
	int r = 0;

	pthread_mutex_lock(&registry_lock);
	for (struct store *o = registry; o; o = o->reg_next) {
		if (o->pid == s->pid && o->dev == s->dev && o->ino == s->ino) {
			r = -EBUSY;
			goto out;
		}
	}
	s->reg_next = registry;
	registry = s;
out:
	pthread_mutex_unlock(&registry_lock);
	return r;
}

static void registry_remove(struct store *s)
{
	pthread_mutex_lock(&registry_lock);
	for (struct store **o = &registry; *o; o = &(*o)->reg_next) {
		if (*o == s) {
			*o = s->reg_next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
}

static size_t round_pages(size_t n, size_t psize)
{
	if (n > SIZE_MAX - psize)
		return SIZE_MAX / psize * psize;
	return (n + psize - 1) / psize * psize;
}

/* Open the DBIs (creating them in a new store) and check the format. */
static int open_dbis(struct store *s)
{
	MDB_txn *txn;
	uint64_t format;
	int rc, r;

	for (int tries = 0;; tries++) {
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc != MDB_MAP_RESIZED || tries >= 3)
			break;
		rc = mdb_env_set_mapsize(s->env, 0);
		if (rc)
			return store_errno(rc);
	}
	if (rc)
		return store_errno(rc);
	rc = mdb_dbi_open(txn, "objects", MDB_CREATE, &s->dbi_objects);
	if (!rc)
		rc = mdb_dbi_open(txn, "log", MDB_CREATE, &s->dbi_log);
	if (!rc)
		rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->dbi_meta);
	if (rc) {
		r = store_errno(rc);
		goto out_abort;
	}
	r = store_meta_get(s, txn, "format", &format);
	if (r < 0)
		goto out_abort;
	if (format == 0)
		r = store_meta_put(s, txn, "format", STORE_FORMAT);
	else if (format != STORE_FORMAT)
		r = -EINVAL;
	if (r < 0)
		goto out_abort;
	return store_errno(mdb_txn_commit(txn));
out_abort:
	mdb_txn_abort(txn);
	return r;
}

/* Make the environment's files themselves durable: fsync the directory
 * that holds their names. */
static int sync_dir(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

static int env_open(struct store *s, const struct store_config *cfg,
		    size_t map_size)
{
	unsigned flags = MDB_NOTLS | (cfg->no_sync ? MDB_NOSYNC : 0);
	MDB_envinfo info;
	MDB_stat st;
	int rc, dead, fd;

	rc = mdb_env_create(&s->env);
	if (rc) {
		s->env = NULL;
		return store_errno(rc);
	}
	rc = mdb_env_set_maxdbs(s->env, 4);
	if (!rc)
		rc = mdb_env_set_maxreaders(s->env, STORE_MAX_READERS);
	if (!rc)
		rc = mdb_env_set_mapsize(s->env, map_size);
	if (!rc)
		rc = mdb_env_open(s->env, cfg->path, flags, 0600);
	if (rc)
		return store_errno(rc);
	/* A map size persisted by an earlier or another process (after
	 * growth) wins over the configured initial size, up to map_max
	 * (LMDB never maps less than the data in use). */
	rc = mdb_env_set_mapsize(s->env, 0);
	if (!rc)
		rc = mdb_env_info(s->env, &info);
	if (!rc && info.me_mapsize < map_size)
		rc = mdb_env_set_mapsize(s->env, map_size);
	else if (!rc && info.me_mapsize > s->map_max)
		rc = mdb_env_set_mapsize(s->env, s->map_max);
	if (!rc)
		rc = mdb_env_stat(s->env, &st);
	if (rc)
		return store_errno(rc);
	s->psize = st.ms_psize;
	/* LMDB 0.9 opens data.mdb without O_CLOEXEC: keep it from programs
	 * this process runs. */
	if (mdb_env_get_fd(s->env, &fd) == 0 && fd >= 0)
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	/* Free the reader slots of processes that died (kill -9). */
	mdb_reader_check(s->env, &dead);
	return 0;
}

int store_open(const struct store_config *cfg, struct store **ret)
{
	struct store *s;
	pthread_rwlockattr_t attr;
	size_t map_size, psize = (size_t)sysconf(_SC_PAGESIZE);
	struct stat st;
	int r;

	if (!cfg || !cfg->path || !*cfg->path || !ret)
		return -EINVAL;
	r = make_dirs(cfg->path);
	if (r < 0)
		return r;
	if (stat(cfg->path, &st) < 0)
		return -errno;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->pid = getpid();
	s->xf = cfg->transformer;
	s->keep_events =
	    cfg->keep_events ? cfg->keep_events : STORE_DEF_KEEP_EVENTS;
	s->keep_seconds =
	    cfg->keep_seconds ? cfg->keep_seconds : STORE_DEF_KEEP_SECONDS;
	map_size = round_pages(
	    cfg->map_size ? cfg->map_size : STORE_DEF_MAP_SIZE, psize);
	s->map_max = round_pages(
	    cfg->map_size_max ? cfg->map_size_max : STORE_DEF_MAP_MAX, psize);
	if (s->map_max < map_size)
		s->map_max = map_size;
	s->reserve = s->map_max / 8 < STORE_RESERVE_MAX ? s->map_max / 8
							: STORE_RESERVE_MAX;

	/* Writers first, so a resize is not starved by a stream of reads. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->resize_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&s->lock, NULL);

	r = registry_add(s);
	if (r < 0) {
		s->pid = 0; /* not registered: store_free must not unlink */
		goto out_free;
	}
	r = env_open(s, cfg, map_size);
	if (r < 0)
		goto out_free;
	r = open_dbis(s);
	if (r < 0)
		goto out_free;
	r = sync_dir(cfg->path);
	if (r < 0)
		goto out_free;
	*ret = s;
	return 0;
out_free:
	store_free(s);
	return r;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	if (s->pid)
		registry_remove(s);
	pthread_rwlock_destroy(&s->resize_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int store_stat(struct store *s, struct store_stats *ret)
{
	struct store_stats st = {0};
	MDB_envinfo info;
	MDB_stat ms = {0};
	MDB_txn *txn;
	size_t pages;
	int r;

	r = store_read_begin(s, &txn);
	if (r < 0)
		return r;
	r = store_live_pages(s, txn, &pages);
	if (r == 0)
		r = store_errno(mdb_stat(txn, s->dbi_objects, &ms));
	st.objects = ms.ms_entries;
	if (r == 0)
		r = store_errno(mdb_stat(txn, s->dbi_log, &ms));
	st.log_events = ms.ms_entries;
	if (r == 0)
		r = store_errno(mdb_env_info(s->env, &info));
	store_read_end(s, txn);
	if (r < 0)
		return r;
	st.map_size = info.me_mapsize;
	st.used_bytes = pages * s->psize;
	st.commits = atomic_load(&s->commits);
	st.writes = atomic_load(&s->writes);
	*ret = st;
	return 0;
}

int store_snapshot(struct store *s, int fd)
{
	int rc;

	for (int tries = 0;; tries++) {
		/* The copy runs its own read transaction: no resize meanwhile.
		 * It fails with MDB_MAP_RESIZED before writing anything. */
		store_lock_shared(s);
		rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
		store_unlock_shared(s);
		if (rc != MDB_MAP_RESIZED || tls_store == s || tries >= 3)
			break;
		int r = store_map_adopt(s);

		if (r < 0)
			return r;
	}
	return store_errno(rc);
}
