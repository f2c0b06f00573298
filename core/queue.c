/*
 * The bounded blocking queue (queue.h): a ring of pointers, one mutex,
 * "not full" and "not empty" condition variables.
 */
#include "ctiflow/queue.h"

#include <pthread.h>
#include <stdlib.h>

struct cf_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_full;
    pthread_cond_t not_empty;
    void **ring;
    size_t cap, head, len;
    bool closed;
};

cf_queue *cf_queue_new(size_t capacity)
{
    cf_queue *q = calloc(1, sizeof(*q));

    if (!q) {
        return NULL;
    }
    q->cap = capacity ? capacity : 1;
    q->ring = calloc(q->cap, sizeof(*q->ring));
    if (!q->ring) {
        free(q);
        return NULL;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    return q;
}

void cf_queue_free(cf_queue *q)
{
    if (!q) {
        return;
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    free(q->ring);
    free(q);
}

bool cf_queue_push(cf_queue *q, void *item)
{
    bool ok = false;

    pthread_mutex_lock(&q->mu);
    while (q->len == q->cap && !q->closed) {
        pthread_cond_wait(&q->not_full, &q->mu);
    }
    if (!q->closed) {
        q->ring[(q->head + q->len) % q->cap] = item;
        q->len++;
        ok = true;
        pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->mu);
    return ok;
}

bool cf_queue_pop(cf_queue *q, void **out)
{
    bool ok = false;

    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && !q->closed) {
        pthread_cond_wait(&q->not_empty, &q->mu);
    }
    if (q->len > 0) {
        *out = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        ok = true;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->mu);
    return ok;
}

void cf_queue_close(cf_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_full);
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}
