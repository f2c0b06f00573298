/*
 * A bounded, blocking hand-off queue between pipeline stages.
 *
 * DESIGN
 * Stages pass owned pointers through a fixed-capacity ring guarded by one
 * mutex and two condition variables: a producer waits while the queue is
 * full (back-pressure, so memory stays bounded), a consumer while it is
 * empty. Closing wakes everyone; pops drain what is left, then report the
 * end. The interface is small on purpose so a broker can stand behind it.
 */
#ifndef CTIFLOW_QUEUE_H
#define CTIFLOW_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cf_queue cf_queue;

/* A queue holding at most capacity items (at least 1). NULL on no memory. */
cf_queue *cf_queue_new(size_t capacity);
/* Free the queue; items still inside are not freed (drain first). */
void cf_queue_free(cf_queue *q);

/* Add item, waiting while full. False when the queue was closed (item not taken). */
bool cf_queue_push(cf_queue *q, void *item);
/* Take the oldest item, waiting while empty. False when closed and drained. */
bool cf_queue_pop(cf_queue *q, void **out);
/* No more pushes; waiting consumers drain and end. */
void cf_queue_close(cf_queue *q);

#endif
