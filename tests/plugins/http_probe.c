/*
 * http_probe: one host->http call per trigger, shaped by the plugin's
 * settings, its whole golo_http_response handed back as tags, so the
 * host's HTTP client is tested from outside through a real golo-host.
 *
 * Settings: url (or base, with mode = journey), url_odd (the URL of odd
 * iterations), method, body, header
 * ("Name: value"), flags (GOLO_HTTP_* as a number), timeout_ms, name,
 * body_cap, show_header (a response header to tag), user_end_file (a file
 * golo_user_end appends "end N" to, N the user's trigger count).
 *
 * mode = journey: GET BASE/login?u=USER (which sets a cookie), then
 * GET BASE/whoami?u=USER (which the target logs with the cookie it got);
 * user_data counts the user's iterations. BASE is env BASE_URL, else the
 * setting base.
 */
#include <golo/plugin.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FIBER_HTTP_PROBE
GOLO_PLUGIN(.name = "fiber_http_probe", .executor = GOLO_EXECUTOR_FIBERS);
#else
GOLO_PLUGIN(.name = "http_probe");
#endif

typedef struct {
  const golo_host_api *host;
  golo_plugin *self;
} probe;

static const char *setting(const golo_context *ctx, const char *key) {
  return ctx->host->setting(ctx->plugin, key);
}

int golo_init(const golo_init_args *args, void **state) {
  probe *p = calloc(1, sizeof *p);
  if (p == NULL) return 1;
  p->host = args->host;
  p->self = args->plugin;
  *state = p;
  return 0;
}

void golo_shutdown(void *state) { free(state); }

void golo_user_end(void *state, void *user_data) {
  probe *p = state;
  const char *path = p->host->setting(p->self, "user_end_file");
  if (path == NULL) return;
  FILE *f = fopen(path, "a");
  if (f == NULL) return;
  fprintf(f, "end %" PRIuPTR "\n", (uintptr_t)user_data);
  fclose(f);
}

static void tag_response(const golo_context *ctx, golo_response *resp,
                         const golo_http_response *r) {
  const golo_host_api *h = ctx->host;
  h->add_tag_int(resp, "status", r->status);
  h->add_tag_int(resp, "error", r->error);
  h->add_tag_string(resp, "error_text", r->error_text);
  h->add_tag_int(resp, "reused", r->reused);
  h->add_tag_int(resp, "http_version", r->http_version);
  h->add_tag_uint(resp, "redirects", r->redirects);
  h->add_tag_uint(resp, "body_total", r->body_total);
  h->add_tag_uint(resp, "body_len", r->body_len);
  h->add_tag_string(resp, "body", r->body);
  h->add_tag_int(resp, "dns", r->dns_ns);
  h->add_tag_int(resp, "connect", r->connect_ns);
  h->add_tag_int(resp, "tls", r->tls_ns);
  h->add_tag_int(resp, "send", r->send_ns);
  h->add_tag_int(resp, "wait", r->wait_ns);
  h->add_tag_int(resp, "receive", r->receive_ns);
  h->add_tag_int(resp, "total", r->total_ns);
  const char *show = setting(ctx, "show_header");
  if (show) h->add_tag_string(resp, "header", h->http_header(ctx, show));
}

static int journey(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  const char *base = h->env(ctx, "BASE_URL");
  if (base == NULL) base = setting(ctx, "base");
  if (base == NULL) base = "";
  char url[512];
  golo_http_request req = {.size = sizeof req};
  golo_http_response r = {.size = sizeof r};
  req.url = url;
  req.name = "login";
  snprintf(url, sizeof url, "%s/login?u=%u", base, (unsigned)ctx->user);
  h->http(ctx, &req, &r);
  req.name = "whoami";
  snprintf(url, sizeof url, "%s/whoami?u=%u", base, (unsigned)ctx->user);
  h->http(ctx, &req, &r);
  tag_response(ctx, resp, &r);
  *ctx->user_data = (void *)((uintptr_t)*ctx->user_data + 1);
  if (r.error || r.status != 200) h->set_error(resp, 1);
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  if (!GOLO_HOST_HAS(h, http) || !GOLO_CONTEXT_HAS(ctx, user_data)) {
    h->set_failure(resp, "this host has no http (ABI < 1.2)");
    return 1;
  }
  const char *mode = setting(ctx, "mode");
  if (mode && strcmp(mode, "journey") == 0) return journey(ctx, resp);
  golo_http_request req = {.size = sizeof req};
  golo_http_response r = {.size = sizeof r};
  golo_http_header header = {NULL, NULL};
  char line[256];
  const char *s;
  req.url = setting(ctx, "url");
  /* url_odd: the URL of odd iterations, so that one step gets two codes. */
  if ((s = setting(ctx, "url_odd")) != NULL && ctx->iteration % 2 == 1)
    req.url = s;
  req.method = setting(ctx, "method");
  req.name = setting(ctx, "name");
  if ((s = setting(ctx, "body")) != NULL) {
    req.body = s;
    req.body_len = strlen(s);
  }
  if ((s = setting(ctx, "header")) != NULL) {
    /* "Name: value", with "\r\n" spelled out to test the refusal. */
    snprintf(line, sizeof line, "%s", s);
    char *colon = strchr(line, ':');
    char *crlf = strstr(line, "\\r\\n");
    if (crlf) memcpy(crlf, "\r\n\0\0", 4);
    if (colon) {
      *colon = '\0';
      header.name = line;
      header.value = colon + 1 + (colon[1] == ' ');
      req.headers = &header;
      req.header_count = 1;
    }
  }
  if ((s = setting(ctx, "flags")) != NULL) req.flags = (uint32_t)atoi(s);
  if ((s = setting(ctx, "timeout_ms")) != NULL)
    req.timeout_ns = (int64_t)atoi(s) * 1000000;
  if ((s = setting(ctx, "body_cap")) != NULL) req.body_cap = (size_t)atoi(s);
  *ctx->user_data = (void *)((uintptr_t)*ctx->user_data + 1);
  const int rc = h->http(ctx, &req, &r);
  if (rc != r.error) h->set_failure(resp, "http's return is not r.error");
  tag_response(ctx, resp, &r);
  if (r.error || r.status >= 400) h->set_error(resp, 1);
  return rc != r.error;
}
