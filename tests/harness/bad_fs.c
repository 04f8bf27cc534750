/*
 * bad_fs.c — a kubefs-fs that misbehaves on purpose, built only for the
 * harness self-test (tests/harness/selftest.sh), never installed.
 *
 * It runs the real server ($KUBEFS_HARNESS_REAL_FS) with the same
 * arguments and misbehaves as $KUBEFS_HARNESS_FS says:
 *   pass           be the real server (exec it)
 *   exit-at-start  exit 1 without serving
 *   abort-at-stop  serve; on SIGTERM/SIGINT stop the server, then abort()
 *   report-at-stop serve; on SIGTERM/SIGINT stop the server, write an
 *                  AddressSanitizer-style report to the log (--log FILE,
 *                  else stderr) and exit 0 as if nothing had happened
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t server;

static void forward(int sig)
{
	if (server > 0)
		kill(server, sig);
}

static const char *log_path(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--log"))
			return argv[i + 1];
	return NULL;
}

static void report(const char *path)
{
	FILE *f = path ? fopen(path, "a") : NULL;

	fprintf(f ? f : stderr,
		"==%d==ERROR: AddressSanitizer: heap-use-after-free on "
		"address 0x602000000010 (deliberate: harness self-test)\n",
		(int)getpid());
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	const char *mode = getenv("KUBEFS_HARNESS_FS");
	const char *real = getenv("KUBEFS_HARNESS_REAL_FS");
	struct sigaction sa = {.sa_handler = forward};
	sigset_t all, old;
	int status;
	pid_t pid;

	if (!real) {
		fprintf(stderr, "bad_fs: KUBEFS_HARNESS_REAL_FS is not set\n");
		return 2;
	}
	if (!mode || !strcmp(mode, "pass")) {
		execv(real, argv);
		perror(real);
		return 127;
	}
	if (!strcmp(mode, "exit-at-start")) {
		fprintf(stderr, "kubefs-fs: failing at start (harness)\n");
		return 1;
	}
	/* signals wait until the server's pid is known */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execv(real, argv);
		_exit(127);
	}
	if (pid < 0)
		return 1;
	server = pid;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (!strcmp(mode, "abort-at-stop"))
		abort();
	if (!strcmp(mode, "report-at-stop"))
		report(log_path(argc, argv));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
