/* wick — a small fixed-size thread pool for kernels that split their work.
 *
 *   wick_threadpool *pool = wick_threadpool_create(0);  // one thread per core
 *   wick_method_set_threadpool(method, pool);
 *   ... wick_method_execute(method, &diag) ...
 *   wick_threadpool_destroy(pool);                      // after the last execute
 *
 * A pool of T threads owns T-1 worker threads (created once, in
 * wick_threadpool_create); the thread that calls wick_parallel_for is the
 * T-th. wick_parallel_for allocates nothing. Calls from several threads at
 * once are serialized; a call made from inside a running wick_parallel_for
 * (nested parallelism) runs inline on the calling thread.
 */
#ifndef WICK_THREADPOOL_H
#define WICK_THREADPOOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wick_threadpool wick_threadpool;

/* A pool of `threads` threads in all (the caller included); 0 means one per
 * online core. Returns NULL when memory or threads cannot be had. */
wick_threadpool *wick_threadpool_create(int threads);
/* Joins the workers and frees the pool (NULL is ignored). No
 * wick_parallel_for may be running. */
void wick_threadpool_destroy(wick_threadpool *pool);
/* Threads in the pool, the caller included (1 for NULL). */
int wick_threadpool_size(const wick_threadpool *pool);

/* Splits [0, n) into at most wick_threadpool_size(pool) contiguous chunks of
 * near-equal size, calls fn(ctx, begin, end) once per non-empty chunk (chunk
 * 0 on the calling thread, the others on workers) and returns when every
 * chunk is done. pool == NULL (or n <= 1, or a nested call) runs
 * fn(ctx, 0, n) inline. Chunks never overlap, so `begin` may index
 * per-chunk resources. */
void wick_parallel_for(wick_threadpool *pool, size_t n,
                       void (*fn)(void *ctx, size_t begin, size_t end), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
