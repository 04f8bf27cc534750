/*
 * kf9p — a small 9P2000.L client for the e2e tests of `kubefs export 9p`:
 * the clients Debian ships with diod only read, and the kernel here has no
 * 9P client. It authenticates as diod expects (a MUNGE credential, from
 * `munge -n`, written to the auth fid) and attaches as the caller's uid.
 *
 *   kf9p [-s HOST:PORT] -a ANAME [--no-auth] [-n COUNT] CMD PATH
 *
 *   cat PATH            print the file until end of file
 *   lines N PATH        print the first N lines (a watch stream), then stop
 *   put PATH < DATA     create or replace (O_CREAT|O_TRUNC), verdict at close
 *   append PATH < DATA  open with O_APPEND and write (a merge patch)
 *   rm PATH             remove (unlink)
 *   ls PATH             names in a directory, one a line
 *
 * -n COUNT repeats cat or put COUNT times on one connection (put writes
 * PATH-0, PATH-1, ...), for bench/remote-bench.sh.
 *
 * Exit 0 on success; on failure exit 1 and print "STEP: ERRNAME" (e.g.
 * "clunk: EINVAL", the verdict at close) on stdout, the way kfwrite does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	RLERROR = 7,
	TLOPEN = 12,
	TLCREATE = 14,
	TREADDIR = 40,
	TVERSION = 100,
	TAUTH = 102,
	TATTACH = 104,
	TWALK = 110,
	TREAD = 116,
	TWRITE = 118,
	TCLUNK = 120,
	TREMOVE = 122,
};

#define MSIZE 65536
#define NOFID 0xffffffffu
#define IOHDR 24

struct msg {
	unsigned char b[MSIZE];
	size_t n;
};

static int sock = -1;

static void put1(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void put2(struct msg *m, uint16_t v)
{
	put1(m, v & 0xff);
	put1(m, v >> 8);
}

static void put4(struct msg *m, uint32_t v)
{
	put2(m, v & 0xffff);
	put2(m, v >> 16);
}

static void put8(struct msg *m, uint64_t v)
{
	put4(m, (uint32_t)v);
	put4(m, (uint32_t)(v >> 32));
}

static void puts_(struct msg *m, const char *s)
{
	size_t l = strlen(s);

	put2(m, (uint16_t)l);
	memcpy(m->b + m->n, s, l);
	m->n += l;
}

static uint32_t get4(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get8(const unsigned char *p)
{
	return get4(p) | (uint64_t)get4(p + 4) << 32;
}

static void begin(struct msg *m, uint8_t type)
{
	m->n = 4;
	put1(m, type);
	put2(m, 1); /* tag: one request at a time */
}

static int full_io(int write_, unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write_ ? write(sock, p, n) : read(sock, p, n);

		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Send m, receive the reply into m. Returns 0, or the Rlerror errno. */
static int rpc(struct msg *m)
{
	uint32_t len = (uint32_t)m->n;

	m->b[0] = len & 0xff;
	m->b[1] = (len >> 8) & 0xff;
	m->b[2] = (len >> 16) & 0xff;
	m->b[3] = len >> 24;
	if (full_io(1, m->b, m->n) < 0 || full_io(0, m->b, 4) < 0)
		return EPIPE;
	len = get4(m->b);
	if (len < 7 || len > MSIZE || full_io(0, m->b + 4, len - 4) < 0)
		return EPROTO;
	m->n = len;
	if (m->b[4] == RLERROR)
		return (int)get4(m->b + 7);
	return 0;
}

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
	    {EINVAL, "EINVAL"}, {EEXIST, "EEXIST"}, {ESTALE, "ESTALE"},
	    {EFBIG, "EFBIG"},	{ENOENT, "ENOENT"}, {EACCES, "EACCES"},
	    {ENOSPC, "ENOSPC"}, {EAGAIN, "EAGAIN"}, {EPERM, "EPERM"},
	    {EIO, "EIO"},	{EROFS, "EROFS"},   {ESPIPE, "ESPIPE"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return strerror(e);
}

static int die(const char *step, int e)
{
	printf("%s: %s\n", step, errname(e));
	return 1;
}

static int dial(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	memcpy(host, hostport, colon - hostport);
	host[colon - hostport] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -1;
	sock = socket(ai->ai_family, SOCK_STREAM, 0);
	if (sock < 0 || connect(sock, ai->ai_addr, ai->ai_addrlen) < 0) {
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return 0;
}

/* A MUNGE credential for the calling uid, from the munge(1) client. */
static int credential(char *buf, size_t size)
{
	FILE *p = popen("munge -n", "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(buf, 1, size - 1, p);
	if (pclose(p) != 0 || n == 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int attach(struct msg *m, const char *aname, int auth)
{
	uint32_t uid = (uint32_t)getuid();
	char cred[4096];
	int r;

	begin(m, TVERSION);
	put4(m, MSIZE);
	puts_(m, "9P2000.L");
	r = rpc(m);
	if (r)
		return die("version", r);
	if (auth) {
		if (credential(cred, sizeof(cred)) < 0)
			return die("munge", EACCES);
		begin(m, TAUTH);
		put4(m, 1);
		puts_(m, "");
		puts_(m, aname);
		put4(m, uid);
		r = rpc(m);
		if (r)
			return die("auth", r);
		begin(m, TWRITE);
		put4(m, 1);
		put8(m, 0);
		put4(m, (uint32_t)strlen(cred));
		memcpy(m->b + m->n, cred, strlen(cred));
		m->n += strlen(cred);
		r = rpc(m);
		if (r)
			return die("auth write", r);
	}
	begin(m, TATTACH);
	put4(m, 0);
	put4(m, auth ? 1 : NOFID);
	puts_(m, "");
	puts_(m, aname);
	put4(m, uid);
	r = rpc(m);
	if (r)
		return die("attach", r);
	return 0;
}

/* Walk from the root fid 0 to newfid along path ("" is the root). */
static int walk(struct msg *m, const char *path, uint32_t newfid)
{
	char buf[4096], *save = NULL, *names[16];
	uint16_t n = 0;
	int r;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, "/", &save); t;
	     t = strtok_r(NULL, "/", &save)) {
		if (n == 16)
			return ENAMETOOLONG;
		names[n++] = t;
	}
	begin(m, TWALK);
	put4(m, 0);
	put4(m, newfid);
	put2(m, n);
	for (uint16_t i = 0; i < n; i++)
		puts_(m, names[i]);
	r = rpc(m);
	if (r == 0 && (m->b[7] | m->b[8] << 8) < n)
		r = ENOENT; /* a partial walk: newfid was not made */
	return r;
}

static int clunk(struct msg *m, uint32_t fid)
{
	begin(m, TCLUNK);
	put4(m, fid);
	return rpc(m);
}

/* Walk to path and open it as fid 2. 0, or 1 after printing the step. */
static int open_path(struct msg *m, const char *path, uint32_t flags)
{
	int r = walk(m, path, 2);

	if (r)
		return die("walk", r);
	begin(m, TLOPEN);
	put4(m, 2);
	put4(m, flags);
	r = rpc(m);
	return r ? die("open", r) : 0;
}

/* Tread or Treaddir of fid 2 at off; the reply's data is at m->b + 11. */
static int read_chunk(struct msg *m, uint8_t type, uint64_t off,
		      uint32_t *ret_n)
{
	int r;

	begin(m, type);
	put4(m, 2);
	put8(m, off);
	put4(m, MSIZE - IOHDR);
	r = rpc(m);
	if (r == 0)
		*ret_n = get4(m->b + 7);
	return r;
}

static int cmd_read(struct msg *m, const char *path, long lines)
{
	uint64_t off = 0;
	uint32_t n;
	int r;

	if (open_path(m, path, O_RDONLY))
		return 1;
	while ((r = read_chunk(m, TREAD, off, &n)) == 0 && n > 0) {
		for (uint32_t i = 0; i < n; i++) {
			putchar(m->b[11 + i]);
			if (m->b[11 + i] == '\n' && lines > 0 && --lines == 0) {
				fflush(stdout);
				return 0;
			}
		}
		fflush(stdout);
		off += n;
	}
	if (r)
		return die("read", r);
	r = clunk(m, 2);
	return r ? die("clunk", r) : 0;
}

static char data[4 << 20];
static size_t data_len;

static int cmd_write(struct msg *m, const char *path, int append)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	size_t len = data_len, done = 0;
	int r;

	r = walk(m, path, 2);
	if (r == 0) {
		begin(m, TLOPEN);
		put4(m, 2);
		put4(m, O_WRONLY | (append ? O_APPEND : O_TRUNC));
		r = rpc(m);
		if (r)
			return die("open", r);
	} else if (r == ENOENT) {
		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - path) : 0, path);
		r = walk(m, dir, 2);
		if (r)
			return die("walk", r);
		begin(m, TLCREATE);
		put4(m, 2);
		puts_(m, slash ? slash + 1 : path);
		put4(m, O_WRONLY | O_CREAT | O_TRUNC);
		put4(m, 0644);
		put4(m, (uint32_t)getgid());
		r = rpc(m);
		if (r)
			return die("create", r);
	} else {
		return die("walk", r);
	}
	while (done < len) {
		uint32_t n = len - done < MSIZE - IOHDR ? (uint32_t)(len - done)
							: MSIZE - IOHDR;

		begin(m, TWRITE);
		put4(m, 2);
		put8(m, done);
		put4(m, n);
		memcpy(m->b + m->n, data + done, n);
		m->n += n;
		r = rpc(m);
		if (r)
			return die("write", r);
		done += get4(m->b + 7);
	}
	r = clunk(m, 2);
	return r ? die("clunk", r) : 0;
}

static int cmd_rm(struct msg *m, const char *path)
{
	int r = walk(m, path, 2);

	if (r)
		return die("walk", r);
	begin(m, TREMOVE);
	put4(m, 2);
	r = rpc(m);
	return r ? die("remove", r) : 0;
}

static int cmd_ls(struct msg *m, const char *path)
{
	uint64_t off = 0;
	uint32_t n;
	int r;

	if (open_path(m, path, O_RDONLY | O_DIRECTORY))
		return 1;
	/* entries: qid[13] offset[8] type[1] name[s] */
	while ((r = read_chunk(m, TREADDIR, off, &n)) == 0 && n > 0) {
		for (uint32_t i = 0; i + 24 <= n;) {
			const unsigned char *e = m->b + 11 + i;
			uint16_t l = e[22] | e[23] << 8;

			off = get8(e + 13);
			if (strncmp((const char *)e + 24, ".", l) &&
			    strncmp((const char *)e + 24, "..", l))
				printf("%.*s\n", l, e + 24);
			i += 24 + l;
		}
	}
	return r ? die("readdir", r) : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: kf9p [-s HOST:PORT] -a ANAME [--no-auth] [-n N] "
		"cat|lines N|put|append|rm|ls PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct msg m;
	const char *server = "127.0.0.1:564", *aname = NULL, *cmd;
	int auth = 1, i = 1, r = 0;
	long count = 1;
	char name[4096];
	long lines = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			server = argv[++i];
		else if (!strcmp(argv[i], "-a") && i + 1 < argc)
			aname = argv[++i];
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			count = atol(argv[++i]);
		else if (!strcmp(argv[i], "--no-auth"))
			auth = 0;
		else
			return usage();
	}
	if (!aname || i >= argc)
		return usage();
	cmd = argv[i];
	if (!strcmp(cmd, "lines") && i + 1 < argc)
		lines = atol(argv[++i]);
	if (i + 2 != argc)
		return usage();
	if (dial(server) < 0)
		return die("connect", errno ? errno : ECONNREFUSED);
	if (attach(&m, aname, auth))
		return 1;
	if (!strcmp(cmd, "put") || !strcmp(cmd, "append"))
		data_len = fread(data, 1, sizeof(data), stdin);
	if (count > 1 && !strcmp(cmd, "cat")) {
		for (long k = 0; k < count && !r; k++)
			r = cmd_read(&m, argv[i + 1], 0);
		return r;
	}
	if (count > 1 && !strcmp(cmd, "put")) {
		for (long k = 0; k < count && !r; k++) {
			snprintf(name, sizeof(name), "%s-%ld", argv[i + 1], k);
			r = cmd_write(&m, name, 0);
		}
		return r;
	}
	if (!strcmp(cmd, "cat") || !strcmp(cmd, "lines"))
		return cmd_read(&m, argv[i + 1], lines);
	if (!strcmp(cmd, "put"))
		return cmd_write(&m, argv[i + 1], 0);
	if (!strcmp(cmd, "append"))
		return cmd_write(&m, argv[i + 1], 1);
	if (!strcmp(cmd, "rm"))
		return cmd_rm(&m, argv[i + 1]);
	if (!strcmp(cmd, "ls"))
		return cmd_ls(&m, argv[i + 1]);
	return usage();
}
