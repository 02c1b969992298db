/*
 * tcp_probe: host->tcp_* driven by the plugin's settings, each call's
 * return and error text handed back as tags, so the host's TCP calls are
 * tested from outside through a real golo-host. Built twice: tcp_probe on
 * threads, fiber_tcp_probe with GOLO_EXECUTOR_FIBERS.
 *
 * Settings: host (default 127.0.0.1), port, message (sent with "\n"
 * appended; the reply is read up to its "\n" or the peer's close),
 * timeout_ms (for each call; default 0, the host's 30 s), keep = false
 * (close the connection after each iteration instead of keeping it in
 * user_data for the user's next), mode = misuse (bad input to every call,
 * no server needed), mode = hoard (open until the host refuses, then close
 * one and open again; never close the rest: the host must).
 *
 * Tags: open, send, recv (each call's return; recv the last one), reply,
 * error_text (tcp_error after the first failing call); in hoard mode
 * opened, refused, refused_text, reopen. A failed call or a
 * reply other than the message sets the response's error flag. Records the
 * step "echo" (the send and the reply's wait) as the docs tell plugins to.
 */
#include <golo/plugin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef FIBER_TCP_PROBE
GOLO_PLUGIN(.name = "fiber_tcp_probe", .executor = GOLO_EXECUTOR_FIBERS);
#else
GOLO_PLUGIN(.name = "tcp_probe");
#endif

static const char *setting(const golo_context *ctx, const char *key,
                           const char *fallback) {
  const char *v = ctx->host->setting(ctx->plugin, key);
  return v != NULL ? v : fallback;
}

/* Every call with bad input; each tag is the call's return and its text. */
static int misuse(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  char buf[8];
  int handle = 7;
  h->add_tag_int(resp, "open_null_handle",
                 h->tcp_open(ctx, "127.0.0.1", 7, 0, NULL));
  h->add_tag_string(resp, "open_null_handle_text", h->tcp_error(ctx));
  h->add_tag_int(resp, "open_port_0",
                 h->tcp_open(ctx, "127.0.0.1", 0, 0, &handle));
  h->add_tag_string(resp, "open_port_0_text", h->tcp_error(ctx));
  h->add_tag_int(resp, "open_port_0_handle", handle);
  h->add_tag_int(resp, "open_null_host", h->tcp_open(ctx, NULL, 7, 0, &handle));
  h->add_tag_int(resp, "send_bad_handle", h->tcp_send(ctx, 12345, "x", 1, 0));
  h->add_tag_string(resp, "send_bad_handle_text", h->tcp_error(ctx));
  h->add_tag_int(resp, "recv_bad_handle",
                 h->tcp_recv(ctx, 12345, buf, sizeof buf, 0));
  h->add_tag_int(resp, "close_bad_handle", h->tcp_close(ctx, 12345));
  h->add_tag_string(resp, "close_bad_handle_text", h->tcp_error(ctx));
  /* Someone else's ctx: refused, never a crash. */
  golo_context other = *ctx;
  h->add_tag_int(resp, "foreign_ctx", h->tcp_close(&other, 1));
  h->add_tag_string(resp, "foreign_ctx_text", h->tcp_error(&other));
  h->add_tag_int(resp, "null_ctx", h->tcp_send(NULL, 1, "x", 1, 0));
  return 0;
}

/* Opens connections until the host refuses one (at most one past
 * GOLO_TCP_MAX_OPEN), closes one and opens again. The rest stay open:
 * the host closes them when this user ends. */
static int hoard(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  const char *host = setting(ctx, "host", "127.0.0.1");
  const int port = atoi(setting(ctx, "port", "0"));
  int handle = 0, last = 0, opened = 0, rc = 0;
  while (opened <= GOLO_TCP_MAX_OPEN) {
    rc = h->tcp_open(ctx, host, port, 0, &handle);
    if (rc != 0) break;
    last = handle;
    ++opened;
  }
  h->add_tag_int(resp, "opened", opened);
  h->add_tag_int(resp, "refused", rc);
  h->add_tag_string(resp, "refused_text", rc != 0 ? h->tcp_error(ctx) : "");
  h->add_tag_int(resp, "refused_handle", handle);
  h->add_tag_int(resp, "close", h->tcp_close(ctx, last));
  h->add_tag_int(resp, "reopen", h->tcp_open(ctx, host, port, 0, &handle));
  return 0;
}

/* A NULL buffer on a real connection: refused, the connection unharmed. */
static void null_buffers(const golo_context *ctx, golo_response *resp,
                         int handle) {
  const golo_host_api *h = ctx->host;
  h->add_tag_int(resp, "send_null_buf", h->tcp_send(ctx, handle, NULL, 3, 0));
  h->add_tag_string(resp, "send_null_buf_text", h->tcp_error(ctx));
  h->add_tag_int(resp, "recv_null_buf", h->tcp_recv(ctx, handle, NULL, 8, 0));
  h->add_tag_int(resp, "send_negative_timeout",
                 h->tcp_send(ctx, handle, "x", 1, -1));
}

/* Reads up to "\n" or the end; the last recv's return. */
static int64_t read_line(const golo_context *ctx, int handle, char *line,
                         size_t cap, int64_t timeout_ns, size_t *len) {
  int64_t n = 0;
  *len = 0;
  while (*len + 1 < cap) {
    n = ctx->host->tcp_recv(ctx, handle, line + *len, cap - 1 - *len,
                            timeout_ns);
    if (n <= 0) break;
    *len += (size_t)n;
    if (memchr(line, '\n', *len) != NULL) break;
  }
  line[*len] = '\0';
  return n;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  if (!GOLO_HOST_HAS(h, tcp_open)) {
    h->set_failure(resp, "this host has no tcp calls");
    return 1;
  }
  if (strcmp(setting(ctx, "mode", ""), "misuse") == 0) return misuse(ctx, resp);
  if (strcmp(setting(ctx, "mode", ""), "hoard") == 0) return hoard(ctx, resp);
  const int64_t timeout =
      (int64_t)atoi(setting(ctx, "timeout_ms", "0")) * 1000000;
  const int keep = strcmp(setting(ctx, "keep", "true"), "true") == 0;
  char message[256], line[512];
  size_t len;
  int handle = (int)(intptr_t)*ctx->user_data;
  int rc = 0;
  int64_t sent = 0, got = 0;
  if (handle == 0) {
    rc = h->tcp_open(ctx, setting(ctx, "host", "127.0.0.1"),
                     atoi(setting(ctx, "port", "0")), timeout, &handle);
    if (rc == 0 && setting(ctx, "null_buffers", NULL) != NULL)
      null_buffers(ctx, resp, handle);
  }
  h->add_tag_int(resp, "open", rc);
  if (rc == 0) {
    const int64_t start = h->monotonic_ns();
    strncpy(message, setting(ctx, "message", "ping"), sizeof message - 2);
    message[sizeof message - 2] = '\0';
    strcat(message, "\n");
    sent = h->tcp_send(ctx, handle, message, strlen(message), timeout);
    h->add_tag_int(resp, "send", sent);
    got = sent < 0 ? sent
                   : read_line(ctx, handle, line, sizeof line, timeout, &len);
    h->add_tag_int(resp, "recv", got);
    h->add_step(resp, "echo", h->monotonic_ns() - start, got <= 0);
    if (got > 0) h->add_tag_string(resp, "reply", line);
    if (got > 0 && strcmp(line, message) != 0) h->set_error(resp, 1);
  }
  if (rc != 0 || sent < 0 || got < 0) {
    h->add_tag_string(resp, "error_text", h->tcp_error(ctx));
    h->set_error(resp, 1);
  }
  /* A broken or ended connection is not kept; a kept one waits in
   * user_data for the user's next iteration (the host closes it at the
   * user's end: this plugin never does on its own). */
  if (handle != 0 && (!keep || got <= 0)) {
    h->tcp_close(ctx, handle);
    handle = 0;
  }
  *ctx->user_data = (void *)(intptr_t)handle;
  return 0;
}
