/* A plugin whose golo_init installs its own SIGSEGV handler (one that just
 * returns, so the fault repeats forever), and whose golo_trigger then
 * crashes. The worker must restore its own handler after golo_init, log
 * that it did, and attribute the crash: no spin. */
#define _POSIX_C_SOURCE 200809L
#include <golo/plugin.h>
#include <signal.h>
#include <stdint.h>

GOLO_PLUGIN(.name = "segv_handler");

static void ignore(int sig) { (void)sig; }

int golo_init(const golo_init_args *args, void **state) {
  struct sigaction sa;
  (void)args;
  (void)state;
  sa.sa_handler = ignore;
  sa.sa_flags = 0;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGSEGV, &sa, NULL);
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  volatile uintptr_t address = 16;
  (void)ctx;
  (void)resp;
  *(volatile int *)address = 1;
  return 0;
}
