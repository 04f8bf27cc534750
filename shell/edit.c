/*
 * edit.c — kubefs edit: the object as YAML in a temporary file, opened in
 * $KUBE_EDITOR, $EDITOR or vi; on save it is written back carrying the
 * resourceVersion it was read at (so a concurrent change is a Conflict,
 * not a lost update). A rejected write reopens the file with the
 * server's reason as a comment at the top, as kubectl does; saving it
 * unchanged gives up and keeps the file, whose name is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

#define EDIT_HEADER                                                            \
	"# Please edit the object below. Lines beginning with a '#' will be "  \
	"ignored,\n# and an empty file will abort the edit. If an error "      \
	"occurs while saving this file will be\n# reopened with the "          \
	"relevant failures.\n#\n"

static const struct command_help help = {
    .name = "edit",
    .desc = "Edit a resource from the default editor.\n\n The edit command "
	    "allows you to directly edit any resource you can retrieve via "
	    "the command-line tools. It will open the editor defined by your "
	    "KUBE_EDITOR, or EDITOR environment variables, or fall back to "
	    "'vi'. The object is shown as YAML.\n\n The object is written "
	    "back with the resourceVersion it was read at: if it changed "
	    "meanwhile, the write is refused (Conflict) and the file is "
	    "reopened with the error; so is a write the server rejects. "
	    "Saving the file unchanged after an error gives up; the file is "
	    "kept and its name printed.",
    .examples = "  # Edit the service named 'registry'\n"
		"  kubefs edit svc/registry\n\n"
		"  # Use an alternative editor\n"
		"  KUBE_EDITOR=\"nano\" kubefs edit svc/registry",
    .usage = "edit (RESOURCE/NAME | -f FILENAME) [flags] [options]",
};

static const char *editor(void)
{
	const char *e = getenv("KUBE_EDITOR");

	if (!e || !*e)
		e = getenv("EDITOR");
	return e && *e ? e : "vi";
}

/*
 * Run the editor on path; 0 when it exited 0. The editor command goes
 * through the shell (KUBEFS_EDITOR_CMD), so "code --wait" works.
 */
static int run_editor(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $KUBEFS_EDITOR_CMD \"$1\"",
		      "kubefs-edit", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static int write_file(const char *path, const char *a, const char *b,
		      const char *c)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(a, f);
	fputs(b, f);
	fputs(c, f);
	return fclose(f) ? -errno : 0;
}

/* The file without its comment lines. Owned. */
static char *read_stripped(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL, *out, *o;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *nb;

			if (cap > (size_t)MANIFEST_BYTES_MAX) {
				free(buf);
				return NULL;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	out = o = malloc(len + 1);
	if (!out) {
		free(buf);
		return NULL;
	}
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) + 1 : strlen(line);

		if (line[0] != '#') {
			memcpy(o, line, l);
			o += l;
		}
		line = nl ? nl + 1 : NULL;
	}
	*o = '\0';
	free(buf);
	return out;
}

static bool blank(const char *s)
{
	return strspn(s, " \t\r\n") == strlen(s);
}

/* Write the edited text back; err gets the reason on failure. */
static int save(struct cli *cli, const struct kind_info *k, const char *ns,
		const char *text, struct kf_error *err)
{
	_cleanup_json_ json_t *obj = NULL;
	int r;

	r = codec_decode_one(text, strlen(text), NULL, err, &obj);
	if (r < 0)
		return r;
	if (!json_is_object(obj))
		return kf_error_set(err, -EINVAL,
				    "the edited file is not an "
				    "object");
	if (k->namespaced && !jstr(obj, "metadata.namespace") &&
	    json_is_object(json_object_get(obj, "metadata")))
		json_object_set_new(json_object_get(obj, "metadata"),
				    "namespace", json_string(ns));
	return client_replace(cli->client, k, obj, err, NULL);
}

static int edit_one(struct cli *cli, const struct kind_info *k, const char *ns,
		    const char *name)
{
	_cleanup_json_ json_t *obj = NULL;
	_cleanup_free_ char *orig = NULL, *last = NULL;
	char path[] = "/tmp/kubefs-edit-XXXXXX.yaml", what[600];
	const char *tmp = getenv("TMPDIR");
	char tpath[4096];
	struct kf_error err;
	int fd, r;

	kf_error_init(&err);
	r = client_get(cli->client, k, ns, name, &err, &obj);
	if (r < 0)
		return cli_error(r, &err, NULL);
	orig = codec_encode_yaml(obj, NULL);
	if (!orig)
		return cli_fail("out of memory");
	snprintf(tpath, sizeof(tpath), "%s/kubefs-edit-XXXXXX.yaml",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemps(tpath, 5);
	if (fd < 0) {
		fd = mkstemps(path, 5);
		if (fd < 0)
			return cli_fail("cannot create a temporary file: %s",
					strerror(errno));
		snprintf(tpath, sizeof(tpath), "%s", path);
	}
	close(fd);
	ref_slash_name(k, name, what, sizeof(what));
	setenv("KUBEFS_EDITOR_CMD", editor(), 1);
	r = write_file(tpath, EDIT_HEADER, "", orig);
	for (;;) {
		_cleanup_free_ char *edited = NULL;
		char head[KF_ERROR_MSG_MAX + 600];

		if (r < 0 || run_editor(tpath) < 0) {
			unlink(tpath);
			return cli_fail("there was a problem with the editor "
					"\"%s\"",
					editor());
		}
		edited = read_stripped(tpath);
		if (!edited) {
			unlink(tpath);
			return cli_fail("cannot read %s", tpath);
		}
		if (blank(edited) || (!last && !strcmp(edited, orig))) {
			unlink(tpath);
			printf("Edit cancelled, no changes made.\n");
			return 0;
		}
		if (last && !strcmp(edited, last)) {
			fprintf(
			    stderr,
			    "error: Edit cancelled, no valid changes were "
			    "saved.\nA copy of your changes has been stored "
			    "to \"%s\"\n",
			    tpath);
			return 1;
		}
		kf_error_init(&err);
		r = save(cli, k, ns, edited, &err);
		if (r == 0) {
			unlink(tpath);
			printf("%s edited\n", what);
			return 0;
		}
		/* reopen with the reason on top, as kubectl does */
		free(last);
		last = TAKE_PTR(edited);
		snprintf(head, sizeof(head),
			 EDIT_HEADER "# %s \"%s\" was not valid:\n# * ",
			 ref_resource(k), name);
		for (char *p = err.msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = write_file(tpath, head, err.msg, "\n#\n");
		if (r == 0) {
			FILE *f = fopen(tpath, "ae");

			r = f ? 0 : -errno;
			if (f) {
				fputs(last, f);
				fclose(f);
			}
		}
	}
}

int cmd_edit(struct cli *cli, int argc, char **argv)
{
	const char *ns_flag = NULL;
	const struct flag flags[] = {
	    {"namespace", 'n', FLAG_STRING, &ns_flag, "''",
	     "If present, the namespace scope for this CLI request."},
	    {NULL},
	};
	struct refs refs = {0};
	int n, r, rc = 0;

	r = flags_parse(&help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (refs_parse("edit", n - 1, argv + 1, &refs) < 0)
		return 1;
	if (!refs.by_name) {
		refs_release(&refs);
		return cli_fail("resource(s) were provided, but no name was "
				"specified");
	}
	if (cli_connect(cli) < 0) {
		refs_release(&refs);
		return 1;
	}
	for (size_t i = 0; i < refs.n; i++)
		rc |= edit_one(cli, refs.v[i].kind, ref_namespace(ns_flag),
			       refs.v[i].name);
	refs_release(&refs);
	return rc;
}
