/*
 * kfnfs — an NFS client in user space (libnfs) that writes the way the
 * kernel's NFS client does, for the end-to-end tests of `kubefs export
 * nfs` (this machine's kernel has no NFS client):
 *
 *   kfnfs URL put [--excl] [--no-trunc] [--sync] < DATA
 *	open (O_CREAT, O_TRUNC unless --no-trunc, O_EXCL with --excl),
 *	WRITE the data UNSTABLE (FILE_SYNC with --sync), then COMMIT —
 *	what the kernel client does at close(): it flushes what it holds
 *	and commits, and close() returns the error of either — then CLOSE
 *   kfnfs URL rm		REMOVE
 *   kfnfs URL size		GETATTR: the size
 *
 * URL is libnfs' (nfs://SERVER/PATH?version=4&nfsport=PORT, as for
 * nfs-cat). On failure prints the call and the errno's name
 * ("commit: EINVAL") and exits 1; libnfs maps NFS status codes to
 * errnos.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

/* "EINVAL": the errno's name, as the tests expect it */
static const char *errname(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : strerror(e);
}

static int failed(const char *call, int r, struct nfs_context *nfs)
{
	printf("%s: %s\n", call, errname(-r));
	fprintf(stderr, "kfnfs: %s: %s\n", call, nfs_get_error(nfs));
	return 1;
}

static int put(struct nfs_context *nfs, const char *path, int argc, char **argv)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC, r, rc;
	struct nfsfh *fh;
	uint64_t off = 0;
	char buf[65536];
	ssize_t n;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--excl"))
			flags |= O_EXCL;
		else if (!strcmp(argv[i], "--no-trunc"))
			flags &= ~O_TRUNC;
		else if (!strcmp(argv[i], "--sync"))
			flags |= O_SYNC; /* libnfs: every WRITE FILE_SYNC */
	}
	/* libnfs' O_CREAT is a guarded create, which fails on an existing
	 * file: open what exists as open(2) would, create what does not */
	r = -ENOENT;
	if (!(flags & O_EXCL))
		r = nfs_open2(nfs, path, flags & ~O_CREAT, 0644, &fh);
	if (r == -ENOENT)
		r = nfs_open2(nfs, path, flags, 0644, &fh);
	if (r < 0)
		return failed("open", r, nfs);
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		r = nfs_pwrite(nfs, fh, off, n, buf);
		if (r < 0) {
			rc = failed("write", r, nfs);
			nfs_close(nfs, fh);
			return rc;
		}
		off += n;
	}
	r = nfs_fsync(nfs, fh);
	if (r < 0) {
		rc = failed("commit", r, nfs);
		nfs_close(nfs, fh);
		return rc;
	}
	r = nfs_close(nfs, fh);
	if (r < 0)
		return failed("close", r, nfs);
	return 0;
}

int main(int argc, char **argv)
{
	struct nfs_context *nfs;
	struct nfs_url *url = NULL;
	struct nfs_stat_64 st;
	const char *path, *op;
	int r, rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: kfnfs URL put [--excl] [--no-trunc] "
				"[--sync] < DATA\n"
				"       kfnfs URL rm|size\n");
		return 2;
	}
	op = argv[2];
	nfs = nfs_init_context();
	if (!nfs) {
		fprintf(stderr, "kfnfs: no NFS context\n");
		return 1;
	}
	url = nfs_parse_url_full(nfs, argv[1]);
	if (!url) {
		fprintf(stderr, "kfnfs: %s\n", nfs_get_error(nfs));
		nfs_destroy_context(nfs);
		return 2;
	}
	path = url->file;
	r = nfs_mount(nfs, url->server, url->path);
	if (r < 0) {
		rc = failed("mount", r, nfs);
	} else if (!strcmp(op, "put")) {
		rc = put(nfs, path, argc - 3, argv + 3);
	} else if (!strcmp(op, "rm")) {
		r = nfs_unlink(nfs, path);
		if (r < 0)
			rc = failed("remove", r, nfs);
	} else if (!strcmp(op, "size")) {
		r = nfs_stat64(nfs, path, &st);
		if (r < 0)
			rc = failed("getattr", r, nfs);
		else
			printf("%" PRIu64 "\n", (uint64_t)st.nfs_size);
	} else {
		fprintf(stderr, "kfnfs: unknown operation %s\n", op);
		rc = 2;
	}
	nfs_destroy_url(url);
	nfs_destroy_context(nfs);
	return rc;
}
