#include "api/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kf_error_init(struct kf_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

int kf_error_set(struct kf_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int kf_error_prefix(struct kf_error *err, const char *fmt, ...)
{
	char prefix[512];
	char old[KF_ERROR_MSG_MAX];
	size_t plen;
	va_list ap;

	if (!err)
		return 0;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	plen = strlen(prefix);
	if (plen >= sizeof(err->msg))
		plen = sizeof(err->msg) - 1;
	memcpy(err->msg, prefix, plen);
	strncpy(err->msg + plen, old, sizeof(err->msg) - plen - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
	return err->code;
}
