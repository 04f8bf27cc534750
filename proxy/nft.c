/*
 * nft.c — the nft command as a transaction runner: the script is piped
 * to `nft -f -`; nft applies a file as one netlink batch, so the kernel
 * sees all of it or none of it.
 */
#include "proxy/nft.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/cleanup.h"

#define QUERY_MAX (1u << 20)

static const char *nft_path(void)
{
	const char *p = getenv("KUBEFS_NFT");

	return p && *p ? p : "nft";
}

/*
 * Start nft with argv; *ret_in (if not NULL) writes its stdin,
 * *ret_out its stdout, *ret_err its stderr.
 */
static int spawn(char *const argv[], int *ret_in, int *ret_out, int *ret_err,
		 pid_t *ret_pid)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
	pid_t pid;

	if ((ret_in && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(er, O_CLOEXEC) < 0) {
		int e = -errno;

		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (out[i] >= 0)
				close(out[i]);
			if (er[i] >= 0)
				close(er[i]);
		}
		return e;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(ret_in ? in[0] : null, 0);
		dup2(out[1], 1);
		dup2(er[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (ret_in)
		close(in[0]);
	close(out[1]);
	close(er[1]);
	if (pid < 0) {
		int e = -errno;

		if (ret_in)
			close(in[1]);
		close(out[0]);
		close(er[0]);
		return e;
	}
	if (ret_in)
		*ret_in = in[1];
	*ret_out = out[0];
	*ret_err = er[0];
	*ret_pid = pid;
	return 0;
}

/*
 * Feed data to fd_in (closed when done; -1: nothing to feed) while
 * collecting fd_out (up to out_max bytes into *out) and fd_err (up to
 * NFT_STDERR_MAX into errbuf). Both read fds are closed.
 */
static int pump(int fd_in, const char *data, size_t len, int fd_out, char **out,
		size_t out_max, int fd_err, char *errbuf)
{
	size_t off = 0, nout = 0, nerr = 0, cap = 0;
	struct pollfd p[3];
	int r = 0;

	while (fd_out >= 0 || fd_err >= 0 || fd_in >= 0) {
		int n = 0, ii = -1, io = -1, ie = -1;

		if (fd_in >= 0) {
			p[n] = (struct pollfd){fd_in, POLLOUT, 0};
			ii = n++;
		}
		if (fd_out >= 0) {
			p[n] = (struct pollfd){fd_out, POLLIN, 0};
			io = n++;
		}
		if (fd_err >= 0) {
			p[n] = (struct pollfd){fd_err, POLLIN, 0};
			ie = n++;
		}
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (ii >= 0 && p[ii].revents) {
			ssize_t w = write(fd_in, data + off, len - off);

			if (w > 0)
				off += (size_t)w;
			if (w < 0 || off == len) {
				close(fd_in);
				fd_in = -1;
			}
		}
		if (io >= 0 && p[io].revents) {
			char buf[65536];
			ssize_t k = read(fd_out, buf, sizeof(buf));

			if (k <= 0) {
				close(fd_out);
				fd_out = -1;
			} else if (out && nout + (size_t)k + 1 <= out_max) {
				if (nout + (size_t)k + 1 > cap) {
					char *m;

					cap = (nout + (size_t)k + 1) * 2;
					m = realloc(*out, cap);
					if (!m) {
						r = -ENOMEM;
						continue;
					}
					*out = m;
				}
				memcpy(*out + nout, buf, (size_t)k);
				nout += (size_t)k;
				(*out)[nout] = '\0';
			}
		}
		if (ie >= 0 && p[ie].revents) {
			char buf[4096];
			ssize_t k = read(fd_err, buf, sizeof(buf));

			if (k <= 0) {
				close(fd_err);
				fd_err = -1;
			} else if (nerr + 1 < NFT_STDERR_MAX) {
				size_t take = (size_t)k;

				if (take > NFT_STDERR_MAX - 1 - nerr)
					take = NFT_STDERR_MAX - 1 - nerr;
				memcpy(errbuf + nerr, buf, take);
				nerr += take;
				errbuf[nerr] = '\0';
			}
		}
	}
	if (fd_in >= 0)
		close(fd_in);
	if (fd_out >= 0)
		close(fd_out);
	if (fd_err >= 0)
		close(fd_err);
	return r;
}

/* Wait for pid; its exit status, or -errno. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The first "Error:" line of nft's stderr (or its start), plus the
 * offending command line nft echoes after it. */
static void first_complaint(const char *e, struct kf_error *err)
{
	const char *p = strstr(e, "Error: ");
	const char *eol, *next;

	if (!p) {
		kf_error_set(err, -EPROTO, "nft: %.400s", e);
		return;
	}
	eol = strchr(p, '\n');
	if (!eol)
		eol = p + strlen(p);
	next = *eol ? eol + 1 : eol;
	kf_error_set(
	    err, -EPROTO, "nft: %.*s: %.*s", (int)(eol - p), p,
	    (int)(strcspn(next, "\n") > 300 ? 300 : strcspn(next, "\n")), next);
}

static int run(char *const argv[], const char *script, size_t len, char **out,
	       struct kf_error *err)
{
	char errbuf[NFT_STDERR_MAX] = "";
	int in = -1, fo = -1, fe = -1;
	pid_t pid = 0;
	int r, rc;

	r = spawn(argv, script ? &in : NULL, &fo, &fe, &pid);
	if (r < 0)
		return kf_error_set(err, r, "cannot run nft: %s", strerror(-r));
	r = pump(script ? in : -1, script, len, fo, out, QUERY_MAX, fe, errbuf);
	rc = reap(pid);
	if (r < 0)
		return kf_error_set(err, r, "nft: %s", strerror(-r));
	if (rc < 0)
		return kf_error_set(err, rc, "nft: %s", strerror(-rc));
	if (rc == 127)
		return kf_error_set(err, -ENOENT, "cannot run %s: not found",
				    argv[0]);
	if (rc != 0 && strcmp(argv[0], nft_path())) {
		kf_error_set(err, -EPROTO, "%s: %.400s", argv[0], errbuf);
		return -EPROTO;
	}
	if (rc != 0) {
		first_complaint(errbuf, err);
		return -EPROTO;
	}
	return 0;
}

int cmd_run(char *const argv[], const char *in, size_t len,
	    struct kf_error *err, char **ret_out)
{
	char *out = NULL;
	int r = run(argv, in, len, ret_out ? &out : NULL, err);

	if (r < 0 || !ret_out) {
		free(out);
		return r;
	}
	*ret_out = out ? out : strdup("");
	return *ret_out ? 0 : -ENOMEM;
}

int nft_apply(const char *script, size_t len, struct kf_error *err)
{
	char *argv[] = {(char *)nft_path(), "-f", "-", NULL};

	return run(argv, script, len, NULL, err);
}

int nft_query(const char *const *args, struct kf_error *err, char **ret_out)
{
	char *argv[16];
	char *out = NULL;
	size_t n = 0;
	int r;

	argv[n++] = (char *)nft_path();
	for (; *args && n < 15; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	r = run(argv, NULL, 0, &out, err);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret_out = out ? out : strdup("");
	return *ret_out ? 0 : -ENOMEM;
}
