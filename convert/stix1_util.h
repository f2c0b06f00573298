/*
 * Containers shared by the STIX 1.x reader's files (see stix1_util.c).
 */
#ifndef CTIFLOW_CONVERT_STIX1_UTIL_H
#define CTIFLOW_CONVERT_STIX1_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "ctiflow/status.h"

/* Owned strings without duplicates, at most CF_MAX_LABELS_PER_IOC. */
typedef struct s1_list {
    char **v;
    size_t n, cap;
} s1_list;

cf_status s1_list_add(s1_list *l, const char *s, size_t n);
cf_status s1_list_adds(s1_list *l, const char *s);
cf_status s1_list_merge(s1_list *l, const s1_list *from);
void s1_list_free(s1_list *l);

/* Open-addressing map from copied string keys to borrowed values. */
typedef struct s1_map {
    char **keys;
    void **vals;
    size_t cap, n;
} s1_map;

void *s1_map_get(const s1_map *m, const char *key);
bool s1_map_has(const s1_map *m, const char *key);
/* Insert unless key is present (*added tells which); the value is kept as is. */
cf_status s1_map_put(s1_map *m, const char *key, void *val, bool *added);
void s1_map_free(s1_map *m, void (*free_val)(void *));

#endif
