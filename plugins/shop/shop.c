/*
 * shop: a plain-C user journey on the host's HTTP client (ABI 1.2). Each
 * iteration logs in as the iteration's `user` from the run's data file
 * (guest without one), browses, and checks out; the shop decides (402 for a
 * refused order). Each request is a step with its phases, measured by the
 * host; the connections and cookies are the virtual user's own.
 *
 * The target is the run's env BASE_URL (schedule env:, golo run -e), else
 * the setting base_url. Setting think_ms: think time between pages (0).
 * See examples/shop.yaml, and tests/integration/http_client_test.cpp for
 * the nginx shop it runs against.
 */
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fibers: it waits only in host->http and host->sleep, and keeps nothing of
 * a user's between them but what the host keeps (connections, cookies). */
GOLO_PLUGIN(.name = "shop", .version = "1.0.0",
            .executor = GOLO_EXECUTOR_FIBERS);

/* One GET or POST as a named step; the answer's status (0: none). */
static int request(const golo_context *ctx, const char *method, const char *url,
                   const char *body, const char *name) {
  golo_http_request req = {.size = sizeof req};
  golo_http_response res = {.size = sizeof res};
  req.method = method;
  req.url = url;
  req.body = body;
  req.body_len = body ? strlen(body) : 0;
  req.name = name;
  req.flags = GOLO_HTTP_DISCARD_BODY;
  ctx->host->http(ctx, &req, &res);
  return res.status;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  const char *base, *user, *think;
  char url[512], form[160];
  int status;
  if (!GOLO_HOST_HAS(host, http)) {
    host->set_failure(resp, "shop needs golo-host with host->http (ABI 1.2)");
    return 1;
  }
  base = host->env(ctx, "BASE_URL");
  if (base == NULL) base = host->setting(ctx->plugin, "base_url");
  if (base == NULL) {
    host->set_failure(resp, "shop: no BASE_URL (env:, -e) or base_url");
    return 1;
  }
  user = host->data(ctx, "user");
  if (user == NULL) user = "guest";
  think = host->setting(ctx->plugin, "think_ms");

  snprintf(url, sizeof url, "%s/login", base);
  snprintf(form, sizeof form, "user=%s", user);
  status = request(ctx, "POST", url, form, "login");
  host->add_check(resp, "logged in", status == 200);
  if (status != 200) {
    host->set_error(resp, 1);
    return 0;
  }
  if (think && host->sleep(ctx, (int64_t)atoi(think) * 1000000) != 0)
    return 0; /* the run is stopping */
  snprintf(url, sizeof url, "%s/browse", base);
  request(ctx, NULL, url, NULL, "browse");
  snprintf(url, sizeof url, "%s/checkout?user=%s", base, user);
  status = request(ctx, NULL, url, NULL, "checkout");
  host->add_check(resp, "order confirmed", status == 200);
  host->add_tag_string(resp, "user", user);
  if (status != 200) host->set_error(resp, 1);
  return 0;
}
