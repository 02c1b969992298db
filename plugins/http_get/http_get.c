/*
 * http_get: one HTTP request per call, with libcurl, after go-lo's seed
 * example. Settings (http_get.conf beside http_get.so):
 *
 *   url     = http://127.0.0.1:8080/   the target (this is the default)
 *   method  = GET                      GET (default), HEAD, POST, or any verb
 *   body    =                          request body for methods other than
 *                                      GET and HEAD (default empty)
 *   timeout = 5000                     whole-request timeout in ms (default)
 *
 * Each call sets a fresh sequence id and the tags status (int), size (int,
 * body bytes received) and url (string). An HTTP status of 400 or more is a
 * test result, not a failed call: the error flag is set, the output says
 * "HTTP 404", and the trigger returns 0. A transport failure (refused,
 * timed out, DNS) also sets the error flag, with curl's message as output.
 * The body is counted, never stored.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, pthreads under -std=c99 */

#include <curl/curl.h>
#include <golo/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GOLO_PLUGIN(.name = "http_get", .version = "1.0.0");

typedef struct http_state http_state;

/* One easy handle per thread: curl handles are not thread-safe, and reusing
 * one keeps its connection alive between calls. */
typedef struct conn {
  CURL *curl;
  http_state *owner;
  struct conn *prev, *next; /* in owner->conns, under owner->lock */
  char errbuf[CURL_ERROR_SIZE];
} conn;

struct http_state {
  const char *url, *method, *body; /* the host keeps these until shutdown */
  long timeout_ms;
  pthread_key_t key; /* this thread's conn */
  pthread_mutex_t lock;
  conn *conns; /* every live conn, so shutdown can free them all */
};

static size_t count_body(char *data, size_t size, size_t n, void *user) {
  (void)data;
  *(size_t *)user += size * n;
  return size * n;
}

static void conn_free(conn *c) {
  http_state *s = c->owner;
  pthread_mutex_lock(&s->lock);
  if (c->prev) c->prev->next = c->next;
  if (c->next) c->next->prev = c->prev;
  if (s->conns == c) s->conns = c->next;
  pthread_mutex_unlock(&s->lock);
  curl_easy_cleanup(c->curl);
  free(c);
}

/* Runs when a thread that made requests exits (pthread key destructor). */
static void conn_thread_exit(void *p) { conn_free(p); }

static conn *conn_for_thread(http_state *s) {
  conn *c = pthread_getspecific(s->key);
  if (c != NULL) return c;
  c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->curl = curl_easy_init();
  if (c->curl == NULL) {
    free(c);
    return NULL;
  }
  c->owner = s;
  curl_easy_setopt(c->curl, CURLOPT_URL, s->url);
  curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, s->timeout_ms);
  /* Signals would hit whichever thread; curl's threaded resolver needs none. */
  curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
  curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, count_body);
  if (strcmp(s->method, "GET") == 0) {
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
  } else if (strcmp(s->method, "HEAD") == 0) {
    curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, s->body);
    if (strcmp(s->method, "POST") != 0)
      curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, s->method);
  }
  pthread_mutex_lock(&s->lock);
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  pthread_mutex_unlock(&s->lock);
  pthread_setspecific(s->key, c);
  return c;
}

static const char *setting_or(const golo_init_args *args, const char *key,
                              const char *dflt) {
  const char *v = args->host->setting(args->plugin, key);
  return v != NULL ? v : dflt;
}

int golo_init(const golo_init_args *args, void **state) {
  const golo_host_api *host = args->host;
  const char *timeout = setting_or(args, "timeout", "5000");
  char *end = NULL;
  char msg[256];
  http_state *s = calloc(1, sizeof *s);
  if (s == NULL) {
    host->set_init_error(args->plugin, "out of memory");
    return 1;
  }
  s->url = setting_or(args, "url", "http://127.0.0.1:8080/");
  s->method = setting_or(args, "method", "GET");
  s->body = setting_or(args, "body", "");
  s->timeout_ms = strtol(timeout, &end, 10);
  if (end == timeout || *end != '\0' || s->timeout_ms <= 0) {
    snprintf(msg, sizeof msg,
             "setting timeout = \"%s\": want a positive number of ms", timeout);
    host->set_init_error(args->plugin, msg);
    free(s);
    return 1;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    host->set_init_error(args->plugin, "curl_global_init failed");
    free(s);
    return 1;
  }
  pthread_mutex_init(&s->lock, NULL);
  pthread_key_create(&s->key, conn_thread_exit);
  snprintf(msg, sizeof msg, "%s %s, timeout %ld ms", s->method, s->url,
           s->timeout_ms);
  host->log(args->plugin, GOLO_LOG_INFO, msg);
  *state = s;
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  http_state *s = ctx->state;
  conn *c = conn_for_thread(s);
  char id[GOLO_SEQUENCE_ID_SIZE];
  char out[CURL_ERROR_SIZE + 64];
  size_t size = 0;
  long status = 0;
  CURLcode rc;

  host->new_sequence_id(id);
  host->set_id(resp, id);
  if (c == NULL) {
    host->set_failure(resp, "cannot create a curl handle");
    return 1;
  }
  c->errbuf[0] = '\0';
  curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &size);
  rc = curl_easy_perform(c->curl);
  if (rc != CURLE_OK) {
    /* The target did not answer: a test result, not a broken plugin. */
    snprintf(out, sizeof out, "%s: %s", curl_easy_strerror(rc),
             c->errbuf[0] ? c->errbuf : "no detail");
    host->add_tag_string(resp, "url", s->url);
    host->set_error(resp, 1);
    host->set_output(resp, out, strlen(out));
    return 0;
  }
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
  host->add_tag_int(resp, "status", status);
  host->add_tag_int(resp, "size", (int64_t)size);
  host->add_tag_string(resp, "url", s->url);
  if (status >= 400) host->set_error(resp, 1);
  snprintf(out, sizeof out, "HTTP %ld", status);
  host->set_output(resp, out, strlen(out));
  return 0;
}

void golo_shutdown(void *state) {
  http_state *s = state;
  if (s == NULL) return;
  /* Delete the key first so no thread exit can run conn_thread_exit (code
   * about to be unloaded); then free every thread's handle ourselves. */
  pthread_key_delete(s->key);
  while (s->conns != NULL) conn_free(s->conns);
  pthread_mutex_destroy(&s->lock);
  free(s);
  curl_global_cleanup();
}
