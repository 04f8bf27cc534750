/* rootfile.c — the read-only text files at the root of the mount. */
#include "fs/fs_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/version.h"
#include "apiserver/watch.h"

static const char readme[] =
    "kubefs: a Kubernetes cluster as a filesystem.\n"
    "\n"
    "  GROUP/VERSION/RESOURCE/NAMESPACE/NAME   a namespaced object (YAML)\n"
    "  GROUP/VERSION/RESOURCE/NAME             a cluster-scoped object\n"
    "  core/v1/pods/default/web                e.g. the pod web\n"
    "\n"
    "Any directory (and this one) is a drop box: write a manifest there\n"
    "to apply it:\n"
    "  cp deployment.yaml apps/v1/deployments/\n"
    "Edit an object with any editor, sed -i, or > ; append (>>) merges.\n"
    "  echo 3 > apps/v1/deployments/default/web@scale\n"
    "  rm core/v1/pods/default/web\n"
    "Unlisted names: NAME@json NAME@status NAME@scale NAME@binding\n"
    "NAME@eviction NAME@log and @watch?resourceVersion=N&labelSelector=...\n"
    "\n"
    "  resources   the served resources      errors   your rejected writes\n"
    "  healthz     ok when serving           metrics  Prometheus text\n"
    "  snapshot    a consistent copy of the store (cp snapshot backup.mdb)\n";

static char *text_resources(size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < kinds_count(); i++) {
		const struct kind_info *k = kinds_at(i);
		static const char *const subs[] = {"status", "scale", "binding",
						   "log", "eviction"};
		bool first = true;

		fprintf(f, "%s/%s/%s %s %s ", k->path_group, k->version,
			k->resource, k->kind,
			k->namespaced ? "namespaced" : "cluster");
		for (unsigned b = 0; b < 5; b++)
			if (k->subresources & (1u << b)) {
				fprintf(f, "%s%s", first ? "" : ",", subs[b]);
				first = false;
			}
		fprintf(f, "%s\n", first ? "-" : "");
	}
	fclose(f);
	*ret_len = len;
	return buf;
}

static char *text_metrics(struct kfs *fs, size_t *ret_len)
{
	struct store_stats st = {0};
	char *buf = NULL;
	size_t len = 0, rc_objects, rc_bytes;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	store_stat(fs->store, &st);
	render_cache_stats(fs->render, &rc_objects, &rc_bytes);
	fprintf(f,
		"# HELP kubefs_store_objects Objects in the store.\n"
		"# TYPE kubefs_store_objects gauge\n"
		"kubefs_store_objects %llu\n"
		"# HELP kubefs_store_resource_version Newest resourceVersion.\n"
		"# TYPE kubefs_store_resource_version gauge\n"
		"kubefs_store_resource_version %llu\n"
		"# HELP kubefs_store_used_bytes Bytes in use in the LMDB map.\n"
		"# TYPE kubefs_store_used_bytes gauge\n"
		"kubefs_store_used_bytes %zu\n"
		"# HELP kubefs_store_map_bytes Size of the LMDB map.\n"
		"# TYPE kubefs_store_map_bytes gauge\n"
		"kubefs_store_map_bytes %zu\n"
		"# HELP kubefs_store_commits_total Durable commits.\n"
		"# TYPE kubefs_store_commits_total counter\n"
		"kubefs_store_commits_total %llu\n"
		"# HELP kubefs_store_writes_total Writes committed.\n"
		"# TYPE kubefs_store_writes_total counter\n"
		"kubefs_store_writes_total %llu\n"
		"# HELP kubefs_store_log_events Events kept for watch resume.\n"
		"# TYPE kubefs_store_log_events gauge\n"
		"kubefs_store_log_events %llu\n",
		(unsigned long long)st.objects,
		(unsigned long long)store_current_rv(fs->store), st.used_bytes,
		st.map_size, (unsigned long long)st.commits,
		(unsigned long long)st.writes,
		(unsigned long long)st.log_events);
	fprintf(f,
		"# HELP kubefs_fs_requests_total Requests by kind.\n"
		"# TYPE kubefs_fs_requests_total counter\n"
		"kubefs_fs_requests_total{op=\"lookup\"} %llu\n"
		"kubefs_fs_requests_total{op=\"read\"} %llu\n"
		"kubefs_fs_requests_total{op=\"write\",result=\"ok\"} %llu\n"
		"kubefs_fs_requests_total{op=\"write\",result=\"rejected\"} "
		"%llu\n"
		"kubefs_fs_requests_total{op=\"delete\"} %llu\n"
		"kubefs_fs_requests_total{op=\"watch\"} %llu\n"
		"# HELP kubefs_fs_watch_streams Watch streams open now.\n"
		"# TYPE kubefs_fs_watch_streams gauge\n"
		"kubefs_fs_watch_streams %u\n"
		"# HELP kubefs_fs_render_cache_objects Objects whose text is "
		"cached.\n"
		"# TYPE kubefs_fs_render_cache_objects gauge\n"
		"kubefs_fs_render_cache_objects %zu\n"
		"# HELP kubefs_fs_render_cache_bytes Bytes of cached object "
		"text.\n"
		"# TYPE kubefs_fs_render_cache_bytes gauge\n"
		"kubefs_fs_render_cache_bytes %zu\n"
		"# HELP kubefs_fs_inodes Inodes the kernel holds.\n"
		"# TYPE kubefs_fs_inodes gauge\n"
		"kubefs_fs_inodes %zu\n",
		(unsigned long long)fs->stats.lookups,
		(unsigned long long)fs->stats.reads,
		(unsigned long long)fs->stats.writes_ok,
		(unsigned long long)fs->stats.writes_failed,
		(unsigned long long)fs->stats.deletes,
		(unsigned long long)fs->stats.watch_opens,
		watch_hub_streams(fs->hub), rc_objects, rc_bytes, fs->nnodes);
	fclose(f);
	*ret_len = len;
	return buf;
}

char *kfs_rootfile_text(struct kfs *fs, enum rootfile rf, uid_t uid,
			size_t *ret_len)
{
	switch (rf) {
	case RF_README:
		*ret_len = sizeof(readme) - 1;
		return strdup(readme);
	case RF_VERSION:
		*ret_len = strlen("kubefs " KUBEFS_VERSION "\n");
		return strdup("kubefs " KUBEFS_VERSION "\n");
	case RF_HEALTHZ:
		*ret_len = 3;
		return strdup("ok\n");
	case RF_RESOURCES:
		return text_resources(ret_len);
	case RF_ERRORS:
		return errlog_text(fs->errlog, uid, ret_len);
	case RF_METRICS:
		return text_metrics(fs, ret_len);
	default:
		*ret_len = 0;
		return strdup("");
	}
}

/* Sized at getattr: metrics. Not errors: an NFS server (ganesha) opens
 * existing files as itself, root, so a size would let any NFS user read
 * root's errors; it stays 0 and reads empty over NFS. */
static bool text_changes(const struct node *n)
{
	return n->type == NODE_ROOTFILE && n->rootfile == RF_METRICS;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

void kfs_rootfile_stat(struct kfs *fs, const struct node *n, uid_t uid,
		       struct stat *st)
{
	struct rootfile_text *slot = NULL;
	size_t len;
	char *text;

	if (!text_changes(n))
		return;
	text = kfs_rootfile_text(fs, n->rootfile, uid, &len);
	if (!text)
		return;
	st->st_size = len;
	pthread_mutex_lock(&fs->texts_lock);
	/* this caller's slot for the file, else the oldest */
	for (size_t i = 0; i < ROOTFILE_TEXT_SLOTS; i++) {
		struct rootfile_text *t = &fs->texts[i];

		if (t->text && t->ino == n->ino && t->uid == uid) {
			slot = t;
			break;
		}
		if (!slot || !t->text || (slot->text && t->at < slot->at))
			slot = t;
	}
	free(slot->text);
	*slot = (struct rootfile_text){.ino = n->ino,
				       .uid = uid,
				       .at = now_ns(),
				       .text = text,
				       .len = len};
	pthread_mutex_unlock(&fs->texts_lock);
}

char *kfs_rootfile_take(struct kfs *fs, const struct node *n, uid_t uid,
			size_t *ret_len)
{
	int64_t now = now_ns();
	char *text = NULL;

	if (!text_changes(n))
		return NULL;
	pthread_mutex_lock(&fs->texts_lock);
	for (size_t i = 0; i < ROOTFILE_TEXT_SLOTS; i++) {
		struct rootfile_text *t = &fs->texts[i];

		if (t->text && t->ino == n->ino && t->uid == uid) {
			if (now - t->at < ROOTFILE_TEXT_FRESH_NS) {
				text = t->text;
				*ret_len = t->len;
			} else {
				free(t->text);
			}
			t->text = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&fs->texts_lock);
	return text;
}

void kfs_rootfile_texts_free(struct kfs *fs)
{
	for (size_t i = 0; i < ROOTFILE_TEXT_SLOTS; i++) {
		free(fs->texts[i].text);
		fs->texts[i].text = NULL;
	}
}
