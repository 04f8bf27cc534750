/*
 * nft.h — run an nftables script as one transaction, through the nft
 * command (`nft -f -`): the whole script is applied or nothing is; and
 * the same runner for the other commands the proxy drives (ip).
 *
 * The nft binary is found on $PATH, or $KUBEFS_NFT when set. No shell is
 * involved; the script goes to nft's stdin, its stderr is captured.
 */
#ifndef KUBEFS_PROXY_NFT_H
#define KUBEFS_PROXY_NFT_H

#include <stddef.h>

#include "api/error.h"

/* Bytes of nft's complaints kept for the error message. */
#define NFT_STDERR_MAX 1536

/*
 * Apply script[0..len) with `nft -f -`. 0 when nft accepted it.
 * Errors: -EPROTO nft refused the script (err: its first complaint),
 * -ENOENT no nft binary, -errno of pipe/fork/write/wait.
 */
int nft_apply(const char *script, size_t len, struct kf_error *err);

/*
 * Run `nft ARGS...` (NULL-terminated) and return its stdout, malloc'd,
 * in *ret_out (owned by the caller). -EPROTO when nft exits non-zero
 * (err: its stderr); -errno otherwise. At most 1 MiB of output is kept.
 */
int nft_query(const char *const *args, struct kf_error *err, char **ret_out);

/*
 * Run argv (argv[0] looked up on $PATH) with in[0..len) on its stdin
 * (in NULL: /dev/null); *ret_out (may be NULL) gets its stdout, malloc'd.
 * -EPROTO when it exits non-zero (err: the start of its stderr).
 */
int cmd_run(char *const argv[], const char *in, size_t len,
	    struct kf_error *err, char **ret_out);

#endif
