/* Adversarial plugins: one source, one binary per way a careless plugin can
 * take a process down, chosen by MISBEHAVE at build time (each build has its
 * own content, so quarantining one never touches another):
 *
 *   segv          golo_trigger writes to an unmapped address (SIGSEGV)
 *   abort         golo_trigger calls abort() (SIGABRT)
 *   exit0         golo_trigger calls exit(0)
 *   hang          golo_trigger never returns
 *   init_hang     golo_init never returns
 *   init_segv     golo_init crashes, so the host dies while loading it
 *   stray_thread  golo_init starts a thread that golo_shutdown never joins;
 *                 once the library is unloaded the thread runs into
 *                 unmapped code
 *   shutdown_segv golo_shutdown crashes, when the version is replaced
 *
 * The supervised host must stay up, name the job, generation, hash, signal
 * and entry point, quarantine this file's version, and serve the other jobs
 * again within a second. Other triggers return 0 with output "fine". */
#define _POSIX_C_SOURCE 200809L
#include <golo/plugin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MB_SEGV 1
#define MB_ABORT 2
#define MB_EXIT0 3
#define MB_HANG 4
#define MB_INIT_HANG 5
#define MB_INIT_SEGV 6
#define MB_STRAY_THREAD 7
#define MB_SHUTDOWN_SEGV 8

#ifndef MISBEHAVE
#error "build with -DMISBEHAVE=MB_..."
#endif

GOLO_PLUGIN(.name = "misbehave");

static void sleep_ms(long ms) __attribute__((unused));
static void crash(void) __attribute__((unused));

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static void crash(void) {
  /* Not NULL: UBSan would turn a null store into its own abort. The address
   * goes through a volatile so the compiler cannot see it is bad. */
  volatile uintptr_t address = 16;
  *(volatile int *)address = 1;
}

#if MISBEHAVE == MB_STRAY_THREAD
static const golo_host_api *host;
static golo_plugin *self;
static void *stray(void *arg) {
  (void)arg;
  for (;;) {
    sleep_ms(20);
    (host->log)(self, GOLO_LOG_DEBUG, "stray thread still running");
  }
  return NULL;
}
#endif

int golo_init(const golo_init_args *args, void **state) {
  (void)args;
  (void)state;
#if MISBEHAVE == MB_INIT_HANG
  for (;;) sleep_ms(1000);
#elif MISBEHAVE == MB_INIT_SEGV
  crash();
#elif MISBEHAVE == MB_STRAY_THREAD
  {
    pthread_t t;
    host = args->host;
    self = args->plugin;
    if (pthread_create(&t, NULL, stray, NULL) != 0) return 1;
    pthread_detach(t);
  }
#endif
  return 0;
}

#if MISBEHAVE == MB_SHUTDOWN_SEGV
void golo_shutdown(void *state) {
  (void)state;
  crash();
}
#endif

int golo_trigger(const golo_context *ctx, golo_response *resp) {
#if MISBEHAVE == MB_SEGV
  crash();
#elif MISBEHAVE == MB_ABORT
  abort();
#elif MISBEHAVE == MB_EXIT0
  exit(0);
#elif MISBEHAVE == MB_HANG
  for (;;) sleep_ms(1000);
#endif
  ctx->host->set_output(resp, "fine", 4);
  return 0;
}
