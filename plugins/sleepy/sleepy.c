/*
 * sleepy: a trigger with a known latency, for testing how schedules are
 * measured. Settings (sleepy.conf), all in milliseconds, fractions allowed:
 *
 *   sleep_ms = 1     every call sleeps this long (default 1; 0 = no sleep)
 *   stall_ms = 500   ...except call number stall_at, which sleeps this long
 *   stall_at = 100   1-based, counted across all threads (0 = never stall)
 *   times_file = F   appends each call's start and end, "START_NS END_NS"
 *                    a line, on CLOCK_MONOTONIC (the host's steady clock):
 *                    the ground truth a test checks the host's figures by
 *
 * It sets no id, output or tags, so reports are not split by tag.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c99 */

#include <errno.h>
#include <fcntl.h>
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Threads, on purpose: sleepy blocks in libc's nanosleep, a call that
 * neither a run's stop nor a fiber loop can cut short. That is what the
 * stop, hung-run and containment tests lean on, and what the truth tests
 * time. On fibers each sleep would stall every user of its loop; a fiber
 * plugin's think time is host->sleep (plugins/journey, plugins/shop).
 * tests/plugins builds this file with SLEEPY_FIBERS as fiber_sleepy, which
 * sleeps through host->sleep on fibers, so the truth tests time both. */
#ifdef SLEEPY_FIBERS
GOLO_PLUGIN(.name = "fiber_sleepy", .version = "1.0.0",
            .executor = GOLO_EXECUTOR_FIBERS);
#else
GOLO_PLUGIN(.name = "sleepy", .version = "1.0.0");
#endif

typedef struct sleepy_state {
  double sleep_ms;
  double stall_ms;
  uint64_t stall_at;
  uint64_t calls; /* shared by every thread; __atomic only */
  int times_fd;   /* times_file, or -1 */
} sleepy_state;

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
    snprintf(msg, sizeof msg,
             "setting %s = \"%s\": want a number from 0 to %.0f", key, text,
             max);
    args->host->set_init_error(args->plugin, msg);
    return -1;
  }
  return 0;
}

int golo_init(const golo_init_args *args, void **state) {
  sleepy_state *s = calloc(1, sizeof *s);
  double stall_at = 0;
  const char *times;
  if (s == NULL) {
    args->host->set_init_error(args->plugin, "out of memory");
    return 1;
  }
  /* An hour bounds the sleeps, as it bounds the histograms. */
  if (read_number(args, "sleep_ms", 1.0, 3.6e6, &s->sleep_ms) != 0 ||
      read_number(args, "stall_ms", 0.0, 3.6e6, &s->stall_ms) != 0 ||
      read_number(args, "stall_at", 0.0, 1e15, &stall_at) != 0) {
    free(s);
    return 1;
  }
  s->stall_at = (uint64_t)stall_at;
  s->times_fd = -1;
  times = args->host->setting(args->plugin, "times_file");
  if (times != NULL) {
    s->times_fd = open(times, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (s->times_fd < 0) {
      char msg[512];
      snprintf(msg, sizeof msg, "setting times_file = \"%s\": %s", times,
               strerror(errno));
      args->host->set_init_error(args->plugin, msg);
      free(s);
      return 1;
    }
  }
  *state = s;
  return 0;
}

static void sleep_ms(const golo_context *ctx, double ms) {
  struct timespec left;
  if (ms <= 0.0) return;
#ifdef SLEEPY_FIBERS
  if (GOLO_HOST_HAS(ctx->host, sleep)) {
    ctx->host->sleep(ctx, (int64_t)(ms * 1e6)); /* parks; a stop cuts it */
    return;
  }
#else
  (void)ctx;
#endif
  left.tv_sec = (time_t)(ms / 1000.0);
  left.tv_nsec = (long)((ms - (double)left.tv_sec * 1000.0) * 1e6);
  /* A signal must not shorten the latency the tests rely on. */
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

static int64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  sleepy_state *s = ctx->state;
  uint64_t call = __atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
  const int64_t start = s->times_fd >= 0 ? monotonic_ns() : 0;
  (void)resp;
  sleep_ms(ctx,
           s->stall_at != 0 && call == s->stall_at ? s->stall_ms : s->sleep_ms);
  if (s->times_fd >= 0) {
    /* One write per line: whole lines even from several threads. */
    char line[64];
    const int n = snprintf(line, sizeof line, "%lld %lld\n", (long long)start,
                           (long long)monotonic_ns());
    if (write(s->times_fd, line, (size_t)n) != n) return 1;
  }
  return 0;
}

void golo_shutdown(void *state) {
  sleepy_state *s = state;
  if (s->times_fd >= 0) close(s->times_fd);
  free(s);
}
