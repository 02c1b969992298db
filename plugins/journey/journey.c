/*
 * journey: a user journey of three timed steps and two checks (ABI 1.1).
 * Without a target each step sleeps a few tens of microseconds in place of
 * a request; with `target` set, each is an HTTP GET to that shop (see
 * below). Each iteration logs in as the user of this
 * iteration's row of the run's data file (column "user", ABI 1.1's data;
 * examples/journey.yaml names examples/users.csv), or as "guest" when the
 * run has none. Per iteration:
 *
 *   login     work_us          check "logged in" (passes unless the user
 *                              name is empty)
 *   browse    2 x work_us
 *   checkout  work_us          fails at fail_rate: the step is failed, the
 *                              check "order confirmed" fails, and the
 *                              iteration is an error ("checkout failed");
 *                              else the output is "USER: order confirmed"
 *
 * Settings (journey.conf):
 *
 *   work_us   = 30    microseconds a step takes (0 to 1000000)
 *   fail_rate = 0.1   fraction of checkouts that fail (0 to 1), spread
 *                     evenly: over n iterations exactly floor(n x fail_rate)
 *                     fail, counted across all threads
 *   target    unset   an HTTP shop, HOST:PORT (any address: a name,
 *                     IPv4, [IPv6]) or a base URL (http://..., https://...):
 *                     then the steps are GET /login?user=USER, GET /browse
 *                     and GET /checkout?user=USER through the host's HTTP
 *                     client (ABI 1.2 host->http: HTTP/1.1, the user's
 *                     kept-alive connections and cookies; the host records
 *                     each as the step, failed unless the status is below
 *                     400, with its phases), the checks are login's and
 *                     checkout's 200, and the shop alone decides (work_us
 *                     and fail_rate are unused). A host older than 1.2
 *                     refuses the setting at load.
 *
 * On a host older than ABI 1.1 (no add_step, no data) it runs the same
 * journey as "guest" and reports only the iteration, as GOLO_HOST_HAS
 * lets it.
 *
 *   cc -std=c99 -Wall -Wextra -pedantic -Werror -shared -fPIC \
 *      -I plugin-api/include plugins/journey/journey.c -o journey.so
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, clock_gettime under -std=c99 */

#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fibers: it waits only through the host (host->http, and host->sleep in
 * place of a request) and keeps no per-user state across those waits. On a
 * host older than 1.2 it runs on threads, sleeping in libc. */
GOLO_PLUGIN(.name = "journey", .version = "1.0.0",
            .executor = GOLO_EXECUTOR_FIBERS);

typedef struct journey_state {
  double work_us;
  double fail_rate;
  int has_steps;      /* the host has add_step, monotonic_ns, add_check */
  int has_data;       /* the host has data (a run's data file) */
  int has_target;     /* target set: steps are requests to the shop */
  char target[256];   /* the shop's base URL, "http://HOST:PORT" */
  uint64_t checkouts; /* shared by every thread; __atomic only */
} journey_state;

/* Reads a number setting in [0, max]; returns 0, or -1 after reporting. */
static int read_number(const golo_init_args *args, const char *key, double dflt,
                       double max, double *out) {
  const char *text = args->host->setting(args->plugin, key);
  char *end = NULL;
  char msg[160];
  if (text == NULL) {
    *out = dflt;
    return 0;
  }
  *out = strtod(text, &end);
  if (end == text || *end != '\0' || !(*out >= 0.0 && *out <= max)) {
    snprintf(msg, sizeof msg, "setting %s = \"%s\": want a number from 0 to %g",
             key, text, max);
    args->host->set_init_error(args->plugin, msg);
    return -1;
  }
  return 0;
}

/* target = HOST:PORT or a base URL; returns 0 (set or not), or -1 after
 * reporting. */
static int read_target(const golo_init_args *args, journey_state *s) {
  const char *text = args->host->setting(args->plugin, "target");
  const int url = text && (strncmp(text, "http://", 7) == 0 ||
                           strncmp(text, "https://", 8) == 0);
  char msg[200];
  int n;
  if (text == NULL) return 0;
  if (!GOLO_HOST_HAS(args->host, http)) {
    args->host->set_init_error(args->plugin,
                               "setting target needs a golo-host with "
                               "host->http (ABI 1.2)");
    return -1;
  }
  n = snprintf(s->target, sizeof s->target, "%s%s", url ? "" : "http://", text);
  if (*text == '\0' || n < 0 || (size_t)n >= sizeof s->target) {
    snprintf(msg, sizeof msg,
             "setting target = \"%.80s\": want HOST:PORT or a URL of at "
             "most 200 bytes",
             text);
    args->host->set_init_error(args->plugin, msg);
    return -1;
  }
  if (s->target[n - 1] == '/') s->target[n - 1] = '\0';
  s->has_target = 1;
  return 0;
}

int golo_init(const golo_init_args *args, void **state) {
  journey_state *s = calloc(1, sizeof *s);
  if (s == NULL) {
    args->host->set_init_error(args->plugin, "out of memory");
    return 1;
  }
  if (read_number(args, "work_us", 30.0, 1e6, &s->work_us) != 0 ||
      read_number(args, "fail_rate", 0.1, 1.0, &s->fail_rate) != 0) {
    free(s);
    return 1;
  }
  if (read_target(args, s) != 0) {
    free(s);
    return 1;
  }
  /* Test once: a 1.0 host's table ends before these members. */
  s->has_steps = GOLO_HOST_HAS(args->host, add_step) &&
                 GOLO_HOST_HAS(args->host, monotonic_ns) &&
                 GOLO_HOST_HAS(args->host, add_check);
  s->has_data = GOLO_HOST_HAS(args->host, data);
  *state = s;
  return 0;
}

void golo_shutdown(void *state) { free(state); }

static int64_t now_ns(const golo_context *ctx, const journey_state *s) {
  struct timespec ts;
  if (s->has_steps) return ctx->host->monotonic_ns();
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Stands in for a request: sleeps us microseconds, through the host where
 * it can (a fiber parks there; libc's nanosleep would block its loop). */
static void work(const golo_context *ctx, double us) {
  struct timespec ts;
  if (us <= 0) return;
  if (GOLO_HOST_HAS(ctx->host, sleep)) {
    const int64_t start = clock_ns();
    if (ctx->host->sleep(ctx, (int64_t)(us * 1e3)) == 0) return;
    /* The run's stop cut it short. A request in flight is not cut by the
     * stop, so neither is its stand-in: the rest (at most work_us, once per
     * user at the run's end) is slept below. */
    us -= (double)(clock_ns() - start) / 1e3;
    if (us <= 0) return;
  }
  ts.tv_sec = (time_t)(us / 1e6);
  ts.tv_nsec = (long)((us - (double)ts.tv_sec * 1e6) * 1e3);
  nanosleep(&ts, NULL);
}

/* GET path from the shop through the host, recorded by it as the step
 * `name`; returns 1 unless the shop answered 200. */
static int shop_get(const golo_context *ctx, const journey_state *s,
                    const char *name, const char *path) {
  char url[512];
  golo_http_request req = {.size = sizeof req};
  golo_http_response res = {.size = sizeof res};
  snprintf(url, sizeof url, "%s%s", s->target, path);
  req.url = url;
  req.name = name;
  req.flags = GOLO_HTTP_DISCARD_BODY;
  ctx->host->http(ctx, &req, &res);
  return res.status != 200;
}

/* "/PATH?user=USER" with USER percent-encoded, cut to fit. */
static void with_user(char *out, size_t size, const char *path,
                      const char *user) {
  static const char hex[] = "0123456789ABCDEF";
  size_t at = (size_t)snprintf(out, size, "%s?user=", path);
  for (; *user != '\0' && at + 4 < size; ++user) {
    const unsigned char c = (unsigned char)*user;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') {
      out[at++] = (char)c;
    } else {
      out[at++] = '%';
      out[at++] = hex[c >> 4];
      out[at++] = hex[c & 15];
    }
  }
  out[at] = '\0';
}

/* One step: the request to the shop (with a target) or work in its place,
 * reported with its duration. Returns 1 when it failed: a status other
 * than 200, or (without a target) `fails`. */
static int step(const golo_context *ctx, golo_response *resp,
                const journey_state *s, const char *name, const char *path,
                double us, int fails) {
  const int64_t start = now_ns(ctx, s);
  int failed = fails;
  if (s->has_target) return shop_get(ctx, s, name, path);
  work(ctx, us);
  if (s->has_steps)
    ctx->host->add_step(resp, name, now_ns(ctx, s) - start, failed);
  return failed;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  journey_state *s = ctx->state;
  /* This iteration's user; NULL when the run has no data file (or no
   * "user" column: the host logs that once). Valid until we return. */
  const char *user = s->has_data ? ctx->host->data(ctx, "user") : NULL;
  char text[160], path[200];
  int login_failed, checkout_fails;
  if (user == NULL) user = "guest";
  if (s->has_target) {
    checkout_fails = 0; /* the shop decides */
  } else {
    /* Checkout n (0-based, across threads) fails when floor(n x rate)
     * steps up at n + 1: exactly floor(total x rate) of them fail. */
    const uint64_t n = __atomic_fetch_add(&s->checkouts, 1, __ATOMIC_RELAXED);
    checkout_fails = (uint64_t)((double)(n + 1) * s->fail_rate) >
                     (uint64_t)((double)n * s->fail_rate);
  }

  with_user(path, sizeof path, "/login", user);
  login_failed = step(ctx, resp, s, "login", path, s->work_us, 0);
  if (s->has_steps)
    ctx->host->add_check(resp, "logged in", *user != '\0' && !login_failed);
  step(ctx, resp, s, "browse", "/browse", 2 * s->work_us, 0);
  with_user(path, sizeof path, "/checkout", user);
  checkout_fails =
      step(ctx, resp, s, "checkout", path, s->work_us, checkout_fails);
  if (s->has_steps)
    ctx->host->add_check(resp, "order confirmed", !checkout_fails);
  if (checkout_fails) {
    /* The same text for every user: one error sample, not one per user. */
    static const char failed[] = "checkout failed";
    ctx->host->set_output(resp, failed, sizeof failed - 1);
    ctx->host->set_error(resp, 1);
  } else {
    snprintf(text, sizeof text, "%.100s: order confirmed", user);
    ctx->host->set_output(resp, text, strlen(text));
  }
  return 0;
}
