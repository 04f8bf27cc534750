/*
 * up_config.h — the files `kubefs up` gives a new cluster's API server:
 * the EncryptionConfiguration (Secrets encrypted at rest with a fresh
 * key) and the audit policy. Each is written once, when missing, and
 * kept from then on (an operator's edits, a rotated key).
 */
#ifndef KUBEFS_SHELL_UP_CONFIG_H
#define KUBEFS_SHELL_UP_CONFIG_H

#include <stddef.h>

/*
 * STATE/encryption-config.yaml: Secrets with secretbox under key "key1"
 * (32 bytes from getrandom), then identity (Secrets stored before it
 * existed stay readable). Mode 0600. Its path goes into buf. 0 or
 * -errno.
 */
int up_encryption_config(const char *state, char *buf, size_t size);

/* The YAML text up_encryption_config() writes, with a fresh key.
 * malloc'd, owned by the caller; NULL on failure. */
char *up_encryption_config_text(void);

#endif
