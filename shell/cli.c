/*
 * cli.c — reaching the cluster, kubectl-style error reports, progress
 * lines.
 */
#include "shell/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"

int cli_connect(struct cli *cli)
{
	char path[4096], buf[8] = "";
	FILE *f;
	int r;

	if (cli->client)
		return 0;
	r = client_new(cli->mount, &cli->client);
	if (r < 0) {
		fprintf(stderr,
			"The connection to the cluster at %s was refused - "
			"%s (start one with 'kubefs up', or pass --mount "
			"DIR)\n",
			cli->mount, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/healthz", cli->mount);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	if (strcmp(buf, "ok\n")) {
		fprintf(stderr,
			"The connection to the cluster at %s was refused - "
			"no kubefs tree is served there (start one with "
			"'kubefs up', or pass --mount DIR)\n",
			cli->mount);
		client_free(cli->client);
		cli->client = NULL;
		return -ECONNREFUSED;
	}
	return 0;
}

/* A validation failure: `Kind "name" is invalid: ...`. */
static bool invalid_sentence(const char *msg)
{
	const char *q = strchr(msg, '"');
	const char *sp = strchr(msg, ' ');

	if (!q || !sp || sp != q - 1)
		return false;
	q = strchr(q + 1, '"');
	return q && !strncmp(q, "\" is invalid", 12);
}

const char *cli_reason(int code, const char *msg)
{
	switch (code) {
	case -ENOENT:
		return "NotFound";
	case -EEXIST:
		return "AlreadyExists";
	case -ESTALE:
		return "Conflict";
	case -EINVAL:
		return msg && strstr(msg, " is invalid") ? "Invalid"
							 : "BadRequest";
	case -EACCES:
	case -EPERM:
		return "Forbidden";
	case -EFBIG:
		return "RequestEntityTooLarge";
	case -ENOSPC:
		return "InternalError";
	case -EAGAIN:
		return "TooManyRequests";
	case -ETIMEDOUT:
		return "Timeout";
	default:
		return NULL;
	}
}

int cli_error(int code, const struct kf_error *err, const char *context)
{
	const char *msg = err && err->msg[0] ? err->msg : strerror(-code);
	const char *reason;

	if (code == -EINVAL && invalid_sentence(msg)) {
		/* kubectl prints validation failures as "The ..." */
		fprintf(stderr, "The %s\n", msg);
		return 1;
	}
	reason = cli_reason(code, msg);
	if (reason)
		fprintf(stderr, "Error from server (%s): %s%s\n", reason,
			context ? context : "", msg);
	else
		fprintf(stderr, "error: %s%s\n", context ? context : "", msg);
	return 1;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

uint64_t cli_now_ms(void)
{
	return mono_ms();
}

void cli_sleep_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static char progress_last[1024];
static bool progress_open;

void cli_progress(struct cli *cli, const char *fmt, ...)
{
	static const char spin[] = "|/-\\";
	static unsigned tick;
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (cli->tty) {
		printf("\r\033[K%c %s", spin[tick++ % 4], line);
		progress_open = true;
		fflush(stdout);
		return;
	}
	if (!strcmp(line, progress_last))
		return;
	snprintf(progress_last, sizeof(progress_last), "%s", line);
	printf("%s\n", line);
	fflush(stdout);
}

void cli_progress_done(struct cli *cli)
{
	if (cli->tty && progress_open)
		printf("\r\033[K");
	progress_open = false;
	progress_last[0] = '\0';
	fflush(stdout);
}
