/* wick — hot swap with rollback: a model slot serves one method of the
 * running model to any number of reader threads, and a new model is staged
 * beside it, checked, and swapped in atomically, or rejected with the running
 * model left in place.
 *
 *   wick_model_slot *slot;
 *   wick_slot_new(&slot, "forward", &diag);
 *   wick_slot_stage_file(slot, "model-v1.bpte", NULL, &diag);    // first model
 *
 *   // reader threads, each around every execute:
 *   wick_slot_lease l;
 *   wick_slot_acquire(slot, &l, &diag);       // pins the current model
 *   wick_method_set_input(l.method, 0, &x, &diag);
 *   wick_method_execute(l.method, &diag);
 *   ... read wick_method_output(l.method, 0) ...
 *   wick_slot_release(slot, &l);              // last reader frees a retired model
 *
 *   // any thread, while readers run:
 *   if (wick_slot_stage_file(slot, "model-v2.bpte", NULL, &diag) != WICK_OK)
 *     ... diag.msg names the failing test case; v1 keeps serving ...
 *
 * Staging loads the new program next to the running one (its own copy of the
 * bytes, its own method instances with malloc'd arenas), recomputes the
 * constants' SHA-256 when the program records one (wick convert does;
 * docs/FORMAT.md), and, for a bundled program (.bpte), runs every bundled test
 * case (the checks of `wick verify`). Only when all of that passes does the
 * slot point at the new model. A reader that acquired the old model keeps it
 * until it releases; the old model is freed by whoever drops the last
 * reference. Readers never wait for staging: the slot's lock only guards a
 * pointer, a reference count and a free list.
 *
 * Each lease has a method instance of its own (an instance is never executed
 * by two threads at once). Instances are reused: a model keeps the ones
 * released to it, and loads another (malloc) only when every instance it has
 * is leased; `wick_slot_options.instances` loads that many up front.
 *
 * Host side (src/util/swap.c): uses malloc and pthreads.
 */
#ifndef WICK_SWAP_H
#define WICK_SWAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/runtime.h"
#include "wick/status.h"
#include "wick/util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wick_model_slot wick_model_slot;
typedef struct wick_slot_model wick_slot_model; /* one staged model (private) */

typedef struct wick_slot_options {
  bool require_self_test;   /* refuse a model that carries no bundled test case for
                               the slot's method (a plain .pte, or a .bpte without) */
  bool require_digest;      /* refuse a model that records no constants_sha256     */
  bool skip_integrity;      /* do not recompute the recorded constants digest      */
  uint32_t instances;       /* method instances loaded up front (0: 1)             */
  const wick_verify_tolerance *tolerance; /* bundled comparisons; NULL: defaults  */
} wick_slot_options;

/* A reader's hold on the current model: use `method` between acquire and
 * release (set inputs every time: a lease may get another instance). */
typedef struct wick_slot_lease {
  wick_method *method;         /* this lease's instance of the slot's method     */
  const wick_program *program; /* the model's program (metadata, io names, ...)  */
  uint64_t generation;         /* 1 for the first model staged, +1 per swap      */
  wick_slot_model *model_;     /* private */
  void *instance_;             /* private */
} wick_slot_lease;

/* A slot serving method `method` (NULL: "forward"); empty until the first stage. */
wick_status wick_slot_new(wick_model_slot **out, const char *method, wick_diag *d);
/* Frees the slot and its model. Every lease must have been released. */
void wick_slot_free(wick_model_slot *s);

/* Stages a program (.pte) or bundled program (.bpte) held in memory (copied;
 * the caller's buffer may be freed afterwards) and swaps it in when every
 * check passes; opt may be NULL. On failure the running model stays, and the
 * status says why: WICK_ERR_VERIFY_FAILED for a failing bundled case (the
 * message names the suite, method and case and the first mismatch) or a
 * constants digest that does not match; the load errors otherwise. */
wick_status wick_slot_stage_buffer(wick_model_slot *s, const void *data, size_t size,
                                   const wick_slot_options *opt, wick_diag *d);
/* The same from a file. */
wick_status wick_slot_stage_file(wick_model_slot *s, const char *path,
                                 const wick_slot_options *opt, wick_diag *d);

/* Pins the current model and hands out a method instance of it.
 * WICK_ERR_NOT_FOUND when nothing has been staged yet. */
wick_status wick_slot_acquire(wick_model_slot *s, wick_slot_lease *lease, wick_diag *d);
/* Returns the instance; frees a retired model when this was its last lease. */
void wick_slot_release(wick_model_slot *s, wick_slot_lease *lease);

/* Generation of the current model (0: none staged). */
uint64_t wick_slot_generation(wick_model_slot *s);

/* Counters, for monitoring and tests. */
typedef struct wick_slot_stats {
  uint64_t generation;     /* current model (0: none)                         */
  uint64_t swaps;          /* models swapped in                               */
  uint64_t rejected;       /* stages that failed and left the slot unchanged  */
  uint32_t retired_alive;  /* replaced models still held by readers           */
  uint32_t leases;         /* leases outstanding, all models                  */
} wick_slot_stats;
void wick_slot_get_stats(wick_model_slot *s, wick_slot_stats *out);

#ifdef __cplusplus
}
#endif
#endif
