/*
 * One HTTP request of an HTTP output (outbox.h): libcurl with the output's
 * headers, its credentials expanded from the environment at the moment of
 * use, its timeout, and the answer's status, body and Retry-After kept for
 * the outbox to decide what to do with the item.
 */
#include "ctiflow/outbox.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"

#define HTTP_MAX_ANSWER (16u * 1024 * 1024)

void cf_http_answer_fini(cf_http_answer *a)
{
    free(a->body);
    a->body = NULL;
    a->len = 0;
}

static size_t http_body_cb(char *data, size_t size, size_t n, void *ctx)
{
    cf_buf *b = ctx;
    size_t len = size * n;

    if (b->len + len > HTTP_MAX_ANSWER || cf_buf_append(b, data, len) != CF_OK) {
        return 0;
    }
    return len;
}

static size_t http_header_cb(char *data, size_t size, size_t n, void *ctx)
{
    cf_http_answer *a = ctx;
    size_t len = size * n;

    if (len > 12 && !strncasecmp(data, "Retry-After:", 12)) {
        char *end = NULL;
        long secs = strtol(data + 12, &end, 10);
        a->retry_after_ms = end != data + 12 && secs >= 0 ? secs * 1000LL : 30000;
    }
    return len;
}

/* Append "Name: value" with value expanded; CF_ENOTFOUND names the variable. */
static cf_status http_add_header(struct curl_slist **list, const char *name, const char *prefix,
                                 const char *value, cf_error *err)
{
    cf_buf line = CF_BUF_INIT;
    struct curl_slist *grown;
    cf_status st;

    cf_buf_printf(&line, "%s: %s", name, prefix);
    st = cf_config_expand(&line, value, err);
    if (st == CF_OK) {
        grown = curl_slist_append(*list, line.data);
        st = grown ? CF_OK : CF_ENOMEM;
        *list = grown ? grown : *list;
    }
    cf_buf_free(&line);
    return st;
}

/* The output's own headers and its credentials. */
static cf_status http_headers(struct curl_slist **list, CURL *h, const cf_output_cfg *out,
                              cf_buf *userpwd, cf_error *err)
{
    const cf_auth_cfg *a = &out->auth;
    cf_status st = CF_OK;

    for (size_t i = 0; st == CF_OK && i < out->n_headers; i++) {
        st = http_add_header(list, out->headers[i].name, "", out->headers[i].value, err);
    }
    if (st != CF_OK) {
        return st;
    }
    if (a->type == CF_AUTH_BASIC) {
        st = cf_config_expand(userpwd, a->username, err);
        if (st == CF_OK) {
            st = cf_buf_putc(userpwd, ':');
        }
        if (st == CF_OK) {
            st = cf_config_expand(userpwd, a->password, err);
        }
        if (st == CF_OK) {
            curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(h, CURLOPT_USERPWD, userpwd->data);
        }
    } else if (a->type == CF_AUTH_BEARER) {
        st = http_add_header(list, "Authorization", "Bearer ", a->token, err);
    } else if (a->type == CF_AUTH_API_KEY) {
        const char *hdr = a->header ? a->header
                                    : strcmp(out->type, "misp") ? "X-API-Key" : "Authorization";
        st = http_add_header(list, hdr, "", a->token, err);
    }
    return st;
}

cf_status cf_http_send(const cf_output_cfg *out, const char *method, const char *url,
                       const char *content_type, const char *accept, const char *body,
                       size_t len, cf_http_answer *a, cf_error *err)
{
    CURL *h = curl_easy_init();
    struct curl_slist *list = NULL;
    cf_buf answer = CF_BUF_INIT, userpwd = CF_BUF_INIT, line = CF_BUF_INIT;
    char errbuf[CURL_ERROR_SIZE] = "";
    cf_status st;
    CURLcode rc;

    memset(a, 0, sizeof(*a));
    a->retry_after_ms = -1;
    if (!h) {
        return cf_error_set(err, CF_ENOMEM, out->name, 0, "out of memory");
    }
    st = http_headers(&list, h, out, &userpwd, err);
    if (st == CF_OK && content_type) {
        cf_buf_printf(&line, "Content-Type: %s", content_type);
        list = curl_slist_append(list, line.data);
    }
    if (st == CF_OK && accept) {
        cf_buf_reset(&line);
        cf_buf_printf(&line, "Accept: %s", accept);
        list = curl_slist_append(list, line.data);
    }
    if (st != CF_OK) {
        goto out;
    }
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)out->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(out->timeout_ms < 10000 ? out->timeout_ms
                                                                                 : 10000));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_body_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ctiflow/" CTIFLOW_VERSION);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        snprintf(a->error, sizeof(a->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        st = CF_ENETWORK;
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
    a->body = answer.data;
    a->len = answer.len;
    answer.data = NULL;

out:
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
    cf_buf_free(&answer);
    if (userpwd.data) {
        memset(userpwd.data, 0, userpwd.len);
    }
    cf_buf_free(&userpwd);
    cf_buf_free(&line);
    return st;
}
