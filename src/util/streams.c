/* Multi-stream execution (include/wick/profile.h): N method instances of one
 * program, each executed from its own pthread. The runtime keeps all mutable
 * state in the method's arenas (values, tensors, scratch, kernel context), so
 * distinct instances need no locking; constants are read-only program data. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wick/profile.h"
#include "wick/util.h"

typedef struct stream_ctx {
  wick_method *method;
  uint32_t index;
  uint64_t warmup, iters;
  uint64_t *samples;          /* (iters) */
  uint64_t runs;
  uint64_t start_ns, end_ns;
  wick_diag diag;
  pthread_barrier_t *barrier;
  atomic_int *stop;           /* set by the first failing stream */
} stream_ctx;

static void *stream_main(void *arg) {
  stream_ctx *c = arg;
  wick_diag_clear(&c->diag);
  bool ok = true;
  for (uint64_t i = 0; i < c->warmup && ok; i++) {
    if (atomic_load_explicit(c->stop, memory_order_relaxed)) break;
    ok = wick_method_execute(c->method, &c->diag) == WICK_OK;
  }
  if (!ok) atomic_store(c->stop, 1);
  /* Every stream waits here, failed or not, so that nobody waits forever. */
  pthread_barrier_wait(c->barrier);
  c->start_ns = wick_now_ns();
  c->end_ns = c->start_ns;
  for (uint64_t i = 0; i < c->iters && ok; i++) {
    if (atomic_load_explicit(c->stop, memory_order_relaxed)) break;
    uint64_t a = wick_now_ns();
    ok = wick_method_execute(c->method, &c->diag) == WICK_OK;
    uint64_t b = wick_now_ns();
    if (ok) c->samples[c->runs++] = b - a;
    c->end_ns = b;
  }
  if (!ok) atomic_store(c->stop, 1);
  return NULL;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double nearest_rank(const uint64_t *sorted, uint64_t n, double p) {
  uint64_t rank = (uint64_t)(p / 100.0 * (double)n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return (double)sorted[rank - 1];
}

static void summarize(const stream_ctx *c, wick_stream_stats *s) {
  memset(s, 0, sizeof *s);
  s->runs = c->runs;
  s->start_ns = c->start_ns;
  s->end_ns = c->end_ns;
  uint64_t n = c->runs;
  if (n == 0) return;
  qsort(c->samples, (size_t)n, sizeof *c->samples, cmp_u64);
  double sum = 0;
  for (uint64_t i = 0; i < n; i++) sum += (double)c->samples[i];
  s->median_ns = n % 2 ? (double)c->samples[n / 2]
                       : ((double)c->samples[n / 2 - 1] + (double)c->samples[n / 2]) / 2;
  s->p90_ns = nearest_rank(c->samples, n, 90);
  s->p99_ns = nearest_rank(c->samples, n, 99);
  s->min_ns = (double)c->samples[0];
  s->max_ns = (double)c->samples[n - 1];
  s->mean_ns = sum / (double)n;
}

wick_status wick_streams_bench(wick_method *const *methods, uint32_t n, uint64_t warmup,
                               uint64_t iters, wick_stream_stats *stats, uint64_t *wall_ns,
                               wick_diag *d) {
  if (methods == NULL || stats == NULL || n == 0 || n > WICK_MAX_STREAMS)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "streams: need 1 to %d methods and a stats array", WICK_MAX_STREAMS);
  for (uint32_t i = 0; i < n; i++) {
    if (methods[i] == NULL)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "streams: method %u is NULL", i);
    for (uint32_t j = 0; j < i; j++)
      if (methods[j] == methods[i])
        return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                             "streams: streams %u and %u share one method instance (load one "
                             "instance per stream)",
                             j, i);
  }
  if (iters > (uint64_t)(SIZE_MAX / sizeof(uint64_t)))
    return wick_diag_set(d, WICK_ERR_MEMORY, "streams: too many iterations");
  if (wall_ns) *wall_ns = 0;

  stream_ctx *ctx = calloc(n, sizeof *ctx);
  pthread_t *threads = calloc(n, sizeof *threads);
  bool *started = calloc(n, sizeof *started);
  wick_status st = WICK_OK;
  pthread_barrier_t barrier;
  bool barrier_ok = false;
  atomic_int stop;
  atomic_init(&stop, 0);
  if (ctx == NULL || threads == NULL || started == NULL) {
    st = wick_diag_set(d, WICK_ERR_MEMORY, "streams: out of memory");
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) {
    ctx[i].method = methods[i];
    ctx[i].index = i;
    ctx[i].warmup = warmup;
    ctx[i].iters = iters;
    ctx[i].samples = malloc((size_t)(iters ? iters : 1) * sizeof(uint64_t));
    ctx[i].stop = &stop;
    if (ctx[i].samples == NULL) {
      st = wick_diag_set(d, WICK_ERR_MEMORY, "streams: cannot allocate samples");
      goto done;
    }
  }
  if (pthread_barrier_init(&barrier, NULL, n) != 0) {
    st = wick_diag_set(d, WICK_ERR_MEMORY, "streams: cannot create a barrier");
    goto done;
  }
  barrier_ok = true;
  uint32_t num_started = 0;
  for (uint32_t i = 0; i < n; i++) {
    ctx[i].barrier = &barrier;
    if (pthread_create(&threads[i], NULL, stream_main, &ctx[i]) != 0) break;
    started[i] = true;
    num_started++;
  }
  if (num_started < n) {
    /* The started threads wait at the barrier for n parties: they would never
     * get past it. Stand in for the missing ones. */
    atomic_store(&stop, 1);
    for (uint32_t i = num_started; i < n; i++) pthread_barrier_wait(&barrier);
    for (uint32_t i = 0; i < num_started; i++) pthread_join(threads[i], NULL);
    st = wick_diag_set(d, WICK_ERR_MEMORY, "streams: cannot start thread %u of %u",
                       num_started + 1, n);
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) pthread_join(threads[i], NULL);

  uint64_t first = UINT64_MAX, last = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (st == WICK_OK && ctx[i].diag.status != WICK_OK) {
      st = wick_diag_set(d, ctx[i].diag.status, "stream %u: %s", i, ctx[i].diag.msg);
    }
    summarize(&ctx[i], &stats[i]);
    if (ctx[i].start_ns < first) first = ctx[i].start_ns;
    if (ctx[i].end_ns > last) last = ctx[i].end_ns;
  }
  if (wall_ns) *wall_ns = last > first ? last - first : 0;

done:
  if (barrier_ok) pthread_barrier_destroy(&barrier);
  if (ctx)
    for (uint32_t i = 0; i < n; i++) free(ctx[i].samples);
  free(ctx);
  free(threads);
  free(started);
  return st;
}
