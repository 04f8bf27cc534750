/*
 * namemap.h — the node agent's name-to-pointer maps are api/strmap.h;
 * these names stay until the agent's files (being rewritten this round)
 * switch to strmap_* directly, then this header goes.
 */
#ifndef KUBEFS_NODEAGENT_NAMEMAP_H
#define KUBEFS_NODEAGENT_NAMEMAP_H

#include "api/strmap.h"

#define NAMEMAP_MAX STRMAP_MAX
#define namemap strmap
#define namemap_slot strmap_slot
#define namemap_init strmap_init
#define namemap_release strmap_release
#define namemap_get strmap_get
#define namemap_put strmap_put
#define namemap_remove strmap_remove
#define namemap_len strmap_len
#define namemap_next strmap_next

#endif
