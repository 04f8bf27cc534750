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

/*
 * STATE/audit-policy.yaml: every request at the Metadata level (who did
 * what to which object, and the answer; no bodies, so no Secret data),
 * but the health probes; RequestReceived omitted (one line a request).
 * Its path goes into buf. 0 or -errno.
 */
int up_audit_policy(const char *state, char *buf, size_t size);

/* Where `kubefs up` has kubefs-fs write the audit log, and how it
 * rotates it. */
#define UP_AUDIT_LOG "log/audit.log"
#define UP_AUDIT_MAXSIZE "100" /* MB */
#define UP_AUDIT_MAXBACKUP "5"

#endif
