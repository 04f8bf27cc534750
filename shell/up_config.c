/*
 * up_config.c — the configuration files `kubefs up` writes for a new
 * cluster (up_config.h).
 */
#include "shell/up_config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"

char *up_encryption_config_text(void)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	char b64[sodium_base64_ENCODED_LEN(sizeof(key),
					   sodium_base64_VARIANT_ORIGINAL)];
	char *text;
	int n;

	if (sodium_init() < 0)
		return NULL;
	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key),
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
	n = asprintf(&text,
		     "apiVersion: apiserver.config.k8s.io/v1\n"
		     "kind: EncryptionConfiguration\n"
		     "resources:\n"
		     "- resources:\n"
		     "  - secrets\n"
		     "  providers:\n"
		     "  - secretbox:\n"
		     "      keys:\n"
		     "      - name: key1\n"
		     "        secret: %s\n"
		     "  - identity: {}\n",
		     b64);
	sodium_memzero(b64, sizeof(b64));
	return n < 0 ? NULL : text;
}

/* Create path with text (mode 0600) unless it exists. */
static int write_once(const char *path, const char *text)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text), off = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0) {
			int e = errno;

			unlink(path);
			return -e;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		int e = errno;

		unlink(path);
		return -e;
	}
	return 0;
}

int up_encryption_config(const char *state, char *buf, size_t size)
{
	_cleanup_free_ char *text = NULL;

	snprintf(buf, size, "%s/encryption-config.yaml", state);
	if (access(buf, F_OK) == 0)
		return 0;
	text = up_encryption_config_text();
	if (!text)
		return -ENOMEM;
	return write_once(buf, text);
}

int up_audit_policy(const char *state, char *buf, size_t size)
{
	snprintf(buf, size, "%s/audit-policy.yaml", state);
	return write_once(
	    buf, "apiVersion: audit.k8s.io/v1\n"
		 "kind: Policy\n"
		 "# Who did what to which object, and the answer; no "
		 "bodies (no Secret data).\n"
		 "# kubefs up writes this file once: edit it at will.\n"
		 "omitStages: [RequestReceived]\n"
		 "rules:\n"
		 "- level: None\n"
		 "  nonResourceURLs: [/healthz, /readyz, /livez]\n"
		 "- level: Metadata\n");
}
