/*
 * exec.c — kubefs exec: run a command in a container, as kubectl exec
 * goes through the kubelet: the pod's node agent is reached at its
 * Node's InternalIP and daemonEndpoints port, the connection upgraded
 * to the framed exec stream of docs/nodeagent.md; stdin (-i) goes in,
 * stdout and stderr come out, and the command's exit code is ours. With
 * -t and a terminal on stdin the command gets a terminal: ours goes raw,
 * and its size follows ours (SIGWINCH).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

#define EXEC_FRAME_MAX (64u << 10)

struct exec_opts {
	const char *ns, *container;
	bool in, tty, quiet;
};

static const struct command_help help = {
    .name = "exec",
    .desc = "Execute a command in a container.\n\n The command runs in "
	    "the container through the node agent of the pod's node (runc "
	    "exec); its exit code is this command's.",
    .examples = "  # Get output from running the 'date' command from pod "
		"mypod, using the first container by default\n"
		"  kubefs exec mypod -- date\n\n"
		"  # Get output from running 'date' in container ruby of "
		"pod mypod\n"
		"  kubefs exec mypod -c ruby -- date\n\n"
		"  # Pass stdin to the 'cat' command in pod mypod\n"
		"  echo hi | kubefs exec -i mypod -- cat",
    .usage = "exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND "
	     "[args...] [options]",
};

/* The agent of node: its InternalIP and port. */
static int agent_address(struct cli *cli, const char *node,
			 struct sockaddr_in *ret)
{
	const struct kind_info *nk = kinds_by_path("core", "v1", "nodes");
	_cleanup_json_ json_t *obj = NULL;
	long port;
	size_t i;
	json_t *a;

	if (!nk || client_get(cli->client, nk, NULL, node, NULL, &obj) < 0)
		return -ENOENT;
	port = (long)json_integer_value(
	    jget(obj, "status.daemonEndpoints.kubeletEndpoint.Port"));
	json_array_foreach (jget(obj, "status.addresses"), i, a) {
		if (strcmp(jstr(a, "type") ?: "", "InternalIP"))
			continue;
		memset(ret, 0, sizeof(*ret));
		ret->sin_family = AF_INET;
		ret->sin_port = htons((uint16_t)port);
		if (port > 0 && port < 65536 &&
		    inet_pton(AF_INET, jstr(a, "address") ?: "",
			      &ret->sin_addr) == 1)
			return 0;
	}
	return -ENOENT;
}

/* The bearer token of node's agent: data.token of the Secret
 * kube-system/kubefs-node-endpoint-NODE, read with our rights. */
static int agent_token(struct cli *cli, const char *node, char *buf,
		       size_t size, struct kf_error *err)
{
	const struct kind_info *sk = kinds_by_path("core", "v1", "secrets");
	_cleanup_json_ json_t *obj = NULL;
	_cleanup_free_ char *name = NULL;
	const char *t;
	int r;

	if (!sk || asprintf(&name, "kubefs-node-endpoint-%s", node) < 0)
		return -ENOMEM;
	r = client_get(cli->client, sk, "kube-system", name, err, &obj);
	if (r < 0)
		return r;
	t = jstr(obj, "data.token");
	if (!t || strlen(t) >= size)
		return -ENOENT;
	snprintf(buf, size, "%s", t);
	return 0;
}

/* %XX-escape s onto the end of buf (size), as a query value. */
static void append_escaped(char *buf, size_t size, const char *s)
{
	size_t o = strlen(buf);

	for (; *s && o + 4 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-_.~", ch))
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, size - o, "%%%02X", ch);
	}
	buf[o] = '\0';
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EPIPE;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_frame(int fd, int ch, const char *p, size_t n)
{
	unsigned char h[5] = {(unsigned char)ch, (unsigned char)(n >> 24),
			      (unsigned char)(n >> 16), (unsigned char)(n >> 8),
			      (unsigned char)n};

	if (send_all(fd, h, sizeof(h)) < 0)
		return -EPIPE;
	return n ? send_all(fd, p, n) : 0;
}

/*
 * Read the answer's head into buf (NUL-terminated, up to the blank
 * line; what came after it is left at *ret_rest, *ret_rest_len).
 */
static int read_head(int fd, char *buf, size_t size, char **ret_rest,
		     size_t *ret_rest_len)
{
	size_t n = 0;
	char *end;

	for (;;) {
		ssize_t r = recv(fd, buf + n, size - 1 - n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EPIPE;
		n += (size_t)r;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			*end = '\0';
			*ret_rest = end + 4;
			*ret_rest_len = n - (size_t)(end + 4 - buf);
			return 0;
		}
		if (n + 1 >= size)
			return -E2BIG;
	}
}

/* Frames from the agent in buf[0..*len): output, and the exit code. */
static void take_frames(unsigned char *buf, size_t *len, int *ret_code)
{
	while (*len >= 5) {
		size_t n = (size_t)buf[1] << 24 | (size_t)buf[2] << 16 |
			   (size_t)buf[3] << 8 | buf[4];
		char code[16];

		if (*len < 5 + n)
			return;
		if (buf[0] == 1 || buf[0] == 2) {
			FILE *f = buf[0] == 1 ? stdout : stderr;

			fwrite(buf + 5, 1, n, f);
			fflush(f);
		} else if (buf[0] == 3 && n < sizeof(code)) {
			memcpy(code, buf + 5, n);
			code[n] = '\0';
			*ret_code = atoi(code);
		}
		memmove(buf, buf + 5 + n, *len - 5 - n);
		*len -= 5 + n;
	}
}

static int winch_pipe[2] = {-1, -1};

static void on_winch(int sig)
{
	int e = errno;
	ssize_t w = write(winch_pipe[1], "", 1);

	(void)w; /* full: a resize is already pending */
	(void)sig;
	errno = e;
}

/* Our terminal's size as a resize frame (channel 4), as kubectl's. */
static void send_size(int fd)
{
	struct winsize ws;
	char b[64];
	int n;

	if (ioctl(0, TIOCGWINSZ, &ws) < 0 || !ws.ws_col || !ws.ws_row)
		return;
	n = snprintf(b, sizeof(b), "{\"Width\":%u,\"Height\":%u}", ws.ws_col,
		     ws.ws_row);
	send_frame(fd, 4, b, (size_t)n);
}

/* Follow our terminal's size: SIGWINCH into a pipe (read end, or -1). */
static int watch_size(void)
{
	struct sigaction sa = {.sa_handler = on_winch, .sa_flags = SA_RESTART};

	if (pipe2(winch_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	return winch_pipe[0];
}

/* The framed stream: stdin in (when in), output out, until the end;
 * winch >= 0: a resize is due when it is readable; saved: our terminal's
 * mode, put back before the last words. */
static int stream(int fd, bool in, int winch, const struct termios *saved,
		  const char *rest, size_t rest_len)
{
	_cleanup_free_ unsigned char *buf = malloc(EXEC_FRAME_MAX + 5);
	size_t len = 0;
	int code = -1;

	if (!buf || rest_len > EXEC_FRAME_MAX + 5) {
		if (saved)
			tcsetattr(0, TCSANOW, saved);
		return cli_fail("out of memory");
	}
	memcpy(buf, rest, rest_len);
	len = rest_len;
	take_frames(buf, &len, &code);
	if (!in)
		send_frame(fd, 0, NULL, 0); /* nothing to send */
	for (;;) {
		struct pollfd p[3] = {{fd, POLLIN, 0},
				      {in ? 0 : -1, POLLIN, 0},
				      {winch, POLLIN, 0}};
		ssize_t r;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents) {
			char drain[64];

			while (read(winch, drain, sizeof(drain)) > 0)
				;
			send_size(fd);
		}
		if (p[1].revents) {
			char ib[16384];

			r = read(0, ib, sizeof(ib));
			if (r < 0 && errno == EINTR)
				continue;
			send_frame(fd, 0, ib, r > 0 ? (size_t)r : 0);
			if (r <= 0)
				in = false; /* stdin closed: so is theirs */
		}
		if (p[0].revents) {
			r = recv(fd, buf + len, EXEC_FRAME_MAX + 5 - len, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
			take_frames(buf, &len, &code);
		}
	}
	if (saved)
		tcsetattr(0, TCSANOW, saved);
	if (code < 0)
		return cli_fail("the connection to the node agent ended "
				"before the command did");
	if (code)
		fprintf(stderr, "command terminated with exit code %d\n", code);
	return code;
}

/* The stream with our terminal raw (restored after) and its size sent. */
static int stream_raw(int fd, const char *rest, size_t rest_len)
{
	struct termios saved, raw;
	bool restore = tcgetattr(0, &saved) == 0;

	if (restore) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	return stream(fd, true, watch_size(), restore ? &saved : NULL, rest,
		      rest_len);
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	struct exec_opts o = {0};
	const struct flag flags[] = {
	    {"container", 'c', FLAG_STRING, &o.container, "''",
	     "Container name. If omitted, use the "
	     "kubectl.kubernetes.io/default-container annotation for "
	     "selecting the container to be attached or the first container "
	     "in the pod will be chosen"},
	    {"namespace", 'n', FLAG_STRING, &o.ns, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"stdin", 'i', FLAG_BOOL, &o.in, "false",
	     "Pass stdin to the container"},
	    {"tty", 't', FLAG_BOOL, &o.tty, "false", "Stdin is a TTY"},
	    {"quiet", 'q', FLAG_BOOL, &o.quiet, "false",
	     "Only print output from the remote session"},
	    {NULL},
	};
	_cleanup_json_ json_t *pod = NULL;
	_cleanup_close_ int fd = -1;
	char req[16384], head[8192], token[256], *rest, *sp;
	struct kf_error err;
	const char *container, *ns, *phase, *node, *name;
	struct sockaddr_in sa;
	size_t rest_len;
	int dd, n, r;

	for (dd = 1; dd < argc && strcmp(argv[dd], "--"); dd++)
		;
	r = flags_parse(&help, flags, dd, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (n < 2) {
		fprintf(stderr, "error: pod or type/name must be specified\n");
		flags_see_help(&help);
		return 1;
	}
	if (n > 2 || dd + 1 >= argc) {
		fprintf(stderr, "error: %s\n",
			n > 2
			    ? "exec [POD] [COMMAND] is not supported anymore. "
			      "Use exec [POD] -- [COMMAND] instead"
			    : "you must specify at least one command for "
			      "the container");
		flags_see_help(&help);
		return 1;
	}
	/* kubectl's rules: a terminal needs stdin, and stdin a terminal */
	if (o.tty && !o.in) {
		o.tty = false;
	} else if (o.tty && !isatty(0)) {
		if (!o.quiet)
			fprintf(stderr, "Unable to use a TTY - input is not a "
					"terminal or the right kind of file\n");
		o.tty = false;
	}
	r = cli_pod_arg(cli, argv[1], o.ns, "exec into", "run commands", &ns,
			&pod);
	if (r)
		return r;
	name = jstr(pod, "metadata.name") ?: "";
	phase = jstr(pod, "status.phase") ?: "";
	if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
		return cli_fail("cannot exec into a container in a completed "
				"pod; current phase is %s",
				phase);
	container = o.container ?: cli_pod_default_container(pod, o.quiet);
	node = jstr(pod, "spec.nodeName");
	if (!node || !*node)
		return cli_fail("unable to upgrade connection: pod does not "
				"exist");
	/* the right to exec is the right to the node's token */
	kf_error_init(&err);
	r = agent_token(cli, node, token, sizeof(token), &err);
	if (r < 0)
		return cli_error(r, &err, NULL);
	if (agent_address(cli, node, &sa) < 0)
		return cli_fail("unable to upgrade connection: pod does not "
				"exist");
	snprintf(req, sizeof(req), "POST /exec/");
	append_escaped(req, sizeof(req), ns);
	strcat(req, "/");
	append_escaped(req, sizeof(req), name);
	strcat(req, "/");
	append_escaped(req, sizeof(req), container ?: "");
	strcat(req, o.in ? "?stdin=true" : "?stdin=false");
	if (o.tty) {
		struct winsize ws;

		strcat(req, "&tty=true");
		/* the size it starts with; then resize frames */
		if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
			snprintf(req + strlen(req), sizeof(req) - strlen(req),
				 "&width=%u&height=%u", ws.ws_col, ws.ws_row);
	}
	for (int i = dd + 1; i < argc; i++) {
		strncat(req, "&command=", sizeof(req) - strlen(req) - 1);
		append_escaped(req, sizeof(req), argv[i]);
	}
	if (strlen(req) + strlen(token) + 160 >= sizeof(req))
		return cli_fail("the command is too long");
	strcat(req, " HTTP/1.1\r\nHost: kubelet\r\nConnection: Upgrade\r\n"
		    "Upgrade: kubefs-exec\r\nContent-Length: 0\r\n"
		    "Authorization: Bearer ");
	strcat(req, token);
	strcat(req, "\r\n\r\n");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return cli_fail("unable to upgrade connection: %s",
				strerror(errno));
	if (send_all(fd, req, strlen(req)) < 0 ||
	    read_head(fd, head, sizeof(head), &rest, &rest_len) < 0)
		return cli_fail("unable to upgrade connection: the node agent "
				"did not answer");
	if (strncmp(head, "HTTP/1.1 101", 12)) {
		char body[1024];
		ssize_t b;
		size_t bl = rest_len < sizeof(body) - 1 ? rest_len : 0;

		memcpy(body, rest, bl);
		while (bl < sizeof(body) - 1 &&
		       (b = recv(fd, body + bl, sizeof(body) - 1 - bl, 0)) > 0)
			bl += (size_t)b;
		body[bl] = '\0';
		sp = body + strcspn(body, "\n");
		*sp = '\0';
		return cli_fail("unable to upgrade connection: %s", body);
	}
	if (!o.tty)
		return stream(fd, o.in, -1, NULL, rest, rest_len);
	return stream_raw(fd, rest, rest_len);
}
