/* wick — profiling and multi-stream execution (host side: malloc, stdio,
 * pthreads; lives in src/util like wick/util.h).
 *
 * Profiler: a per-instruction observer (wick_method_set_observer) that records
 * one event per executed instruction into a buffer allocated up front, so the
 * execute loop still allocates nothing. When the buffer is full it stops
 * recording and counts what it dropped.
 *
 *   wick_profiler *p;
 *   wick_profiler_new(method, 1 << 20, 0, "forward", &p, &diag);
 *   wick_method_execute(method, &diag);             // events recorded
 *   wick_profile_write_trace(&p, 1, "trace.json", &diag);  // chrome://tracing, Perfetto
 *   wick_op_stat *ops; size_t n; uint64_t total;
 *   wick_profile_op_stats(&p, 1, &ops, &n, &total, &diag);  // per operator, by total time
 *   free(ops);
 *   wick_profiler_free(p);                          // removes the observer
 *
 * Streams: one loaded program, N method instances (each with its own arenas,
 * e.g. wick_method_load_alloc; constants are shared, read-only, in the
 * program), executed concurrently from N threads. A method instance must not
 * be executed from two threads at once; distinct instances need no locking.
 */
#ifndef WICK_PROFILE_H
#define WICK_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- profiler ---------------------------------------------------------- */

typedef struct wick_profile_event {
  uint64_t start_ns;  /* wick_now_ns() before the instruction          */
  uint64_t end_ns;    /* wick_now_ns() after it                        */
  uint64_t bytes;     /* bytes of the distinct tensors among its arguments
                         (inputs + outputs), sizes as of the call         */
  uint32_t instr;     /* global instruction index                     */
  uint32_t reserved;
} wick_profile_event;

typedef struct wick_profiler wick_profiler;

/* Creates a profiler for method m with room for max_events events (>= 1) and
 * installs it as m's observer. `track` is the trace thread id of this method
 * (one per stream) and `label` its name in the trace (copied; NULL: the
 * method name). Everything is allocated here. A method has one observer: a
 * second profiler on the same method replaces the first. */
wick_status wick_profiler_new(wick_method *m, size_t max_events, uint32_t track,
                              const char *label, wick_profiler **out, wick_diag *d);
/* Removes the observer from the method (if still installed) and frees. */
void wick_profiler_free(wick_profiler *p);
/* Pauses (false) or resumes (true) recording; the observer stays installed. */
void wick_profiler_enable(wick_profiler *p, bool on);
/* Forgets every recorded event (and the dropped count). */
void wick_profiler_reset(wick_profiler *p);
/* Recorded events, in execution order. */
size_t wick_profiler_count(const wick_profiler *p);
const wick_profile_event *wick_profiler_events(const wick_profiler *p);
/* Instructions executed while the buffer was full (not recorded). */
uint64_t wick_profiler_dropped(const wick_profiler *p);
size_t wick_profiler_capacity(const wick_profiler *p);
const wick_method *wick_profiler_method(const wick_profiler *p);

/* Per-operator totals over the events of n profilers. */
typedef struct wick_op_stat {
  const char *name;   /* "aten::add.out", "move", ... (owned by the program / method) */
  uint64_t calls;
  uint64_t total_ns;
  uint64_t bytes;     /* sum over calls of wick_profile_event.bytes */
} wick_op_stat;

/* Aggregates by operator name, sorted by total time (largest first, ties by
 * name). *out is malloc'd (free() it; NULL when count is 0); *total_ns is the
 * sum of every event's duration. */
wick_status wick_profile_op_stats(wick_profiler *const *ps, size_t n, wick_op_stat **out,
                                  size_t *count, uint64_t *total_ns, wick_diag *d);

/* Writes a Chrome / Perfetto trace: {"traceEvents": [...]} with one complete
 * event ("ph": "X", ts/dur in microseconds from the earliest event) per
 * recorded instruction, one track (tid) per profiler, and args naming the
 * instruction index, input and output shapes/dtypes and bytes moved. Shapes
 * are read from the methods when the trace is written (exact for static
 * shapes; for dynamic shapes, those of the last execute). The methods must
 * still be loaded. */
wick_status wick_profile_write_trace(wick_profiler *const *ps, size_t n, const char *path,
                                     wick_diag *d);

/* ---- streams ----------------------------------------------------------- */

#define WICK_MAX_STREAMS 1024

typedef struct wick_stream_stats {
  uint64_t runs;                         /* timed executes completed        */
  double median_ns, p90_ns, p99_ns, min_ns, max_ns, mean_ns;
  uint64_t start_ns, end_ns;             /* first timed run start, last end */
} wick_stream_stats;

/* Runs n method instances concurrently, method i on its own thread: `warmup`
 * untimed executes, then all threads wait for each other, then `iters` timed
 * executes each (every one timed with wick_now_ns()). stats[i] describes
 * stream i; *wall_ns (optional) is the time from the first stream's start to
 * the last stream's end, so n * iters / wall is the aggregate throughput.
 * Inputs are set by the caller beforehand. The first failure stops every
 * stream and is reported in d ("stream K: ..."). Allocates before the
 * threads start; nothing while they run. */
wick_status wick_streams_bench(wick_method *const *methods, uint32_t n, uint64_t warmup,
                               uint64_t iters, wick_stream_stats *stats, uint64_t *wall_ns,
                               wick_diag *d);

#ifdef __cplusplus
}
#endif
#endif
