/* version.h — the kubefs release, shown by --version and `version`. */
#ifndef KUBEFS_API_VERSION_H
#define KUBEFS_API_VERSION_H
#define KUBEFS_VERSION "0.1.0"
#endif
