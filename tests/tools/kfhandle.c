/*
 * kfhandle — kernel file handles of the mount, as an NFS server keeps
 * them (name_to_handle_at / open_by_handle_at), for the e2e test of FUSE
 * export support.
 *
 *   kfhandle save PATH HANDLEFILE     store PATH's handle
 *   kfhandle read MOUNT HANDLEFILE    open it again and print the file
 *                                     (a directory: its names)
 *
 * Exit 0 on success; exit 1 printing "open: ESTALE" (or another errno
 * name) when the handle no longer opens.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HANDLE_MAX 128

static int save(const char *path, const char *out)
{
	struct file_handle *fh = calloc(1, sizeof(*fh) + HANDLE_MAX);
	int mount_id;
	FILE *f;

	if (!fh)
		return 1;
	fh->handle_bytes = HANDLE_MAX;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0) < 0) {
		printf("handle: %s\n", strerror(errno));
		free(fh);
		return 1;
	}
	f = fopen(out, "wb");
	if (!f || fwrite(fh, sizeof(*fh) + fh->handle_bytes, 1, f) != 1) {
		perror(out);
		free(fh);
		return 1;
	}
	fclose(f);
	free(fh);
	return 0;
}

static int show(int fd)
{
	char buf[65536];
	ssize_t n;
	DIR *d = fdopendir(dup(fd));

	if (d) {
		struct dirent *de;

		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				printf("%s\n", de->d_name);
		closedir(d);
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	if (n < 0) {
		printf("read: %s\n",
		       errno == ESTALE ? "ESTALE" : strerror(errno));
		return 1;
	}
	return 0;
}

static int reopen(const char *mount, const char *in)
{
	struct file_handle *fh = calloc(1, sizeof(*fh) + HANDLE_MAX);
	FILE *f = fopen(in, "rb");
	int mfd, fd, r;

	if (!fh || !f ||
	    fread(fh, 1, sizeof(*fh) + HANDLE_MAX, f) < sizeof(*fh)) {
		perror(in);
		return 1;
	}
	fclose(f);
	mfd = open(mount, O_RDONLY | O_DIRECTORY);
	if (mfd < 0) {
		perror(mount);
		return 1;
	}
	fd = open_by_handle_at(mfd, fh, O_RDONLY);
	free(fh);
	if (fd < 0) {
		printf("open: %s\n",
		       errno == ESTALE ? "ESTALE" : strerror(errno));
		return 1;
	}
	r = show(fd);
	close(fd);
	close(mfd);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "save"))
		return save(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "read"))
		return reopen(argv[2], argv[3]);
	fprintf(stderr, "usage: kfhandle save PATH FILE | read MOUNT FILE\n");
	return 2;
}
