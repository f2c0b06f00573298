/*
 * The event ids of one write and what owns each (wr_util.h): an id derived
 * from a title is checked against them, so two events never share one.
 */
#include <stdlib.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "wr_util.h"

bool wr_ids_take(wr_ids *ids, const char *uuid, const void *owner, const char *name)
{
    for (size_t i = 0; i < ids->n; i++) {
        const wr_id_owner *d = &ids->v[i];
        if (memcmp(d->uuid, uuid, 36) == 0) {
            return owner ? d->owner == owner
                         : (!d->owner && d->name && name && strcmp(d->name, name) == 0);
        }
    }
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 8;
        wr_id_owner *v = realloc(ids->v, cap * sizeof(*v));
        if (!v) {
            return true;
        }
        ids->v = v;
        ids->cap = cap;
    }
    wr_id_owner *d = &ids->v[ids->n];
    d->name = owner || !name ? NULL : cf_strdup(name);
    if (!owner && name && !d->name) {
        return true;
    }
    memcpy(d->uuid, uuid, 36);
    d->uuid[36] = '\0';
    d->owner = owner;
    ids->n++;
    return true;
}

void wr_ids_free(wr_ids *ids)
{
    for (size_t i = 0; i < ids->n; i++) {
        free(ids->v[i].name);
    }
    free(ids->v);
    memset(ids, 0, sizeof(*ids));
}
