/* The thread pool behind wick_parallel_for (include/wick/threadpool.h).
 *
 * One job at a time. The caller publishes the job (fn, ctx, n, chunk count)
 * and then bumps `generation` with a release store; workers notice the new
 * generation (acquire), run their chunk, and count `pending` down. Chunk c
 * of [0, n) goes to thread c (the caller is thread 0).
 *
 * Waiting is spin-then-sleep on both sides: a worker first polls
 * `generation` for a short while (kernels of one model follow each other
 * within microseconds), then sleeps on `work_cv`; the caller polls `pending`,
 * then sleeps on `done_cv`. Every sleep re-checks its condition under `mu`,
 * and every wake-up signals under `mu`, so no wake-up is lost.
 *
 * Every worker takes part in every job (those without a chunk just count
 * down): once `pending` reaches 0 no worker reads the job fields any more,
 * so the caller may overwrite them for the next job.
 */
#include "wick/threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Polls before sleeping (~50-150 us with the pause hint). */
#define SPIN_ROUNDS 2000
#define MAX_THREADS 256

struct wick_threadpool {
  int size;                 /* threads in all, the caller included        */
  pthread_t *workers;       /* (size - 1)                                 */
  pthread_mutex_t call_mu;  /* one wick_parallel_for at a time             */
  pthread_mutex_t mu;       /* guards the sleeps on the two conditions     */
  pthread_cond_t work_cv;   /* generation changed (or stop)               */
  pthread_cond_t done_cv;   /* pending reached 0                          */
  atomic_uint_fast64_t generation;
  atomic_int pending;       /* workers still busy with the current job     */
  atomic_bool stop;
  /* the current job: written by the caller before the generation bump */
  void (*fn)(void *ctx, size_t begin, size_t end);
  void *ctx;
  size_t n, chunks;
};

typedef struct worker_arg {
  wick_threadpool *pool;
  int index; /* 1 .. size-1 */
} worker_arg;

/* Set on worker threads and while a thread runs a wick_parallel_for:
 * nested calls then run inline instead of deadlocking. */
static _Thread_local bool tls_in_parallel;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/* Chunk c of [0, n) split into `chunks` near-equal contiguous parts. */
static void chunk_range(size_t n, size_t chunks, size_t c, size_t *begin, size_t *end) {
  size_t q = n / chunks, r = n % chunks;
  *begin = c * q + (c < r ? c : r);
  *end = *begin + q + (c < r ? 1 : 0);
}

static void *worker_main(void *p) {
  worker_arg *wa = p;
  wick_threadpool *pool = wa->pool;
  size_t index = (size_t)wa->index;
  uint_fast64_t seen = 0;
  tls_in_parallel = true;
  for (;;) {
    uint_fast64_t g = atomic_load_explicit(&pool->generation, memory_order_acquire);
    for (int i = 0; i < SPIN_ROUNDS && g == seen; i++) {
      cpu_relax();
      g = atomic_load_explicit(&pool->generation, memory_order_acquire);
    }
    if (g == seen) {
      pthread_mutex_lock(&pool->mu);
      while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen)
        pthread_cond_wait(&pool->work_cv, &pool->mu);
      pthread_mutex_unlock(&pool->mu);
    }
    seen = g;
    if (atomic_load_explicit(&pool->stop, memory_order_acquire)) break;
    if (index < pool->chunks) {
      size_t b, e;
      chunk_range(pool->n, pool->chunks, index, &b, &e);
      if (e > b) pool->fn(pool->ctx, b, e);
    }
    if (atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&pool->mu);
      pthread_cond_signal(&pool->done_cv);
      pthread_mutex_unlock(&pool->mu);
    }
  }
  free(wa);
  return NULL;
}

static int online_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) return 1;
  return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

static void stop_workers(wick_threadpool *pool, int started) {
  pthread_mutex_lock(&pool->mu);
  atomic_store_explicit(&pool->stop, true, memory_order_release);
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
  pthread_cond_broadcast(&pool->work_cv);
  pthread_mutex_unlock(&pool->mu);
  for (int i = 0; i < started; i++) pthread_join(pool->workers[i], NULL);
}

wick_threadpool *wick_threadpool_create(int threads) {
  if (threads < 0) return NULL;
  if (threads == 0) threads = online_cores();
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  wick_threadpool *pool = calloc(1, sizeof *pool);
  if (pool == NULL) return NULL;
  pool->size = threads;
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->pending, 0);
  atomic_init(&pool->stop, false);
  if (pthread_mutex_init(&pool->call_mu, NULL) != 0) goto fail_call_mu;
  if (pthread_mutex_init(&pool->mu, NULL) != 0) goto fail_mu;
  if (pthread_cond_init(&pool->work_cv, NULL) != 0) goto fail_work_cv;
  if (pthread_cond_init(&pool->done_cv, NULL) != 0) goto fail_done_cv;
  if (threads > 1) {
    pool->workers = calloc((size_t)threads - 1, sizeof *pool->workers);
    if (pool->workers == NULL) goto fail_workers;
    for (int i = 1; i < threads; i++) {
      worker_arg *wa = malloc(sizeof *wa);
      if (wa != NULL) {
        wa->pool = pool;
        wa->index = i;
      }
      if (wa == NULL || pthread_create(&pool->workers[i - 1], NULL, worker_main, wa) != 0) {
        free(wa);
        stop_workers(pool, i - 1);
        goto fail_threads;
      }
    }
  }
  return pool;

fail_threads:
  free(pool->workers);
fail_workers:
  pthread_cond_destroy(&pool->done_cv);
fail_done_cv:
  pthread_cond_destroy(&pool->work_cv);
fail_work_cv:
  pthread_mutex_destroy(&pool->mu);
fail_mu:
  pthread_mutex_destroy(&pool->call_mu);
fail_call_mu:
  free(pool);
  return NULL;
}

void wick_threadpool_destroy(wick_threadpool *pool) {
  if (pool == NULL) return;
  stop_workers(pool, pool->size - 1);
  free(pool->workers);
  pthread_cond_destroy(&pool->done_cv);
  pthread_cond_destroy(&pool->work_cv);
  pthread_mutex_destroy(&pool->mu);
  pthread_mutex_destroy(&pool->call_mu);
  free(pool);
}

int wick_threadpool_size(const wick_threadpool *pool) { return pool ? pool->size : 1; }

void wick_parallel_for(wick_threadpool *pool, size_t n,
                       void (*fn)(void *ctx, size_t begin, size_t end), void *ctx) {
  if (n == 0) return;
  if (pool == NULL || pool->size <= 1 || n == 1 || tls_in_parallel) {
    fn(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&pool->call_mu);
  tls_in_parallel = true;
  pool->fn = fn;
  pool->ctx = ctx;
  pool->n = n;
  pool->chunks = n < (size_t)pool->size ? n : (size_t)pool->size;
  atomic_store_explicit(&pool->pending, pool->size - 1, memory_order_relaxed);
  pthread_mutex_lock(&pool->mu);
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
  pthread_cond_broadcast(&pool->work_cv);
  pthread_mutex_unlock(&pool->mu);

  size_t b, e;
  chunk_range(n, pool->chunks, 0, &b, &e);
  fn(ctx, b, e);

  for (int i = 0; i < SPIN_ROUNDS; i++) {
    if (atomic_load_explicit(&pool->pending, memory_order_acquire) == 0) break;
    cpu_relax();
  }
  if (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0) {
    pthread_mutex_lock(&pool->mu);
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0)
      pthread_cond_wait(&pool->done_cv, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
  }
  tls_in_parallel = false;
  pthread_mutex_unlock(&pool->call_mu);
}
