/*
 * journey: a user journey of three timed steps and two checks (ABI 1.1),
 * against nothing external: each step sleeps a few tens of microseconds in
 * place of a request. Each iteration logs in as the user of this
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

GOLO_PLUGIN(.name = "journey", .version = "1.0.0");

typedef struct journey_state {
  double work_us;
  double fail_rate;
  int has_steps;      /* the host has add_step, monotonic_ns, add_check */
  int has_data;       /* the host has data (a run's data file) */
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

/* Stands in for a request: sleeps us microseconds. */
static void work(double us) {
  struct timespec ts;
  if (us <= 0) return;
  ts.tv_sec = (time_t)(us / 1e6);
  ts.tv_nsec = (long)((us - (double)ts.tv_sec * 1e6) * 1e3);
  nanosleep(&ts, NULL);
}

/* One step: does its work, then reports it with its duration. */
static void step(const golo_context *ctx, golo_response *resp,
                 const journey_state *s, const char *name, double us,
                 int failed) {
  const int64_t start = now_ns(ctx, s);
  work(us);
  if (s->has_steps)
    ctx->host->add_step(resp, name, now_ns(ctx, s) - start, failed);
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  journey_state *s = ctx->state;
  /* This iteration's user; NULL when the run has no data file (or no
   * "user" column: the host logs that once). Valid until we return. */
  const char *user = s->has_data ? ctx->host->data(ctx, "user") : NULL;
  char text[160];
  /* Checkout n (0-based, across threads) fails when floor(n x rate) steps
   * up at n + 1: exactly floor(total x rate) of them fail. */
  const uint64_t n = __atomic_fetch_add(&s->checkouts, 1, __ATOMIC_RELAXED);
  const int checkout_fails = (uint64_t)((double)(n + 1) * s->fail_rate) >
                             (uint64_t)((double)n * s->fail_rate);

  step(ctx, resp, s, "login", s->work_us, 0);
  if (user == NULL) user = "guest";
  if (s->has_steps) ctx->host->add_check(resp, "logged in", *user != '\0');
  step(ctx, resp, s, "browse", 2 * s->work_us, 0);
  step(ctx, resp, s, "checkout", s->work_us, checkout_fails);
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
