/*
 * An LD_PRELOAD counter of heap allocations for bench/http/cost.sh: counts
 * malloc, calloc and realloc (passed on to glibc's __libc_* functions) and,
 * every 20 ms, writes "MALLOCS CALLOCS REALLOCS" to $GOLO_MALLOC_COUNT.PID,
 * so a benchmark reads the counts of one process before and after a run.
 *
 *   cc -O2 -shared -fPIC -o malloc_count.so malloc_count.c -lpthread
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static atomic_ulong mallocs, callocs, reallocs;

void *malloc(size_t n) {
  atomic_fetch_add_explicit(&mallocs, 1, memory_order_relaxed);
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) {
  atomic_fetch_add_explicit(&callocs, 1, memory_order_relaxed);
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) {
  atomic_fetch_add_explicit(&reallocs, 1, memory_order_relaxed);
  return __libc_realloc(p, n);
}

static void *writer(void *unused) {
  (void)unused;
  const char *base = getenv("GOLO_MALLOC_COUNT");
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s.%d", base, (int)getpid());
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  for (;;) {
    FILE *f = fopen(tmp, "w");
    if (f) {
      fprintf(f, "%lu %lu %lu\n", atomic_load(&mallocs), atomic_load(&callocs),
              atomic_load(&reallocs));
      fclose(f);
      rename(tmp, path);
    }
    usleep(20 * 1000);
  }
  return NULL;
}

__attribute__((constructor)) static void start(void) {
  if (getenv("GOLO_MALLOC_COUNT") == NULL) return;
  pthread_t t;
  if (pthread_create(&t, NULL, writer, NULL) == 0) pthread_detach(t);
}
