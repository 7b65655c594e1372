/* Runtime internals shared by program.c, method.c and registry.c. */
#ifndef WICK_RUNTIME_INTERNAL_H
#define WICK_RUNTIME_INTERNAL_H

#include "format/fb.h"
#include "format/pte.h"
#include "wick/runtime.h"

enum { INSTR_KERNEL = 1, INSTR_DELEGATE = 2, INSTR_MOVE = 3, INSTR_JUMP_FALSE = 4, INSTR_FREE = 5 };

typedef struct wick_instr {
  uint8_t kind;
  uint32_t nargs;       /* kernel / delegate calls */
  int32_t a, b;         /* move: from,to; jump: cond,dest; free: value */
  wick_kernel_fn fn;    /* kernel calls */
  wick_value **argv;    /* (nargs) */
  const char *name;     /* operator name for messages and profiles */
} wick_instr;

typedef struct wick_chain {
  wick_instr *instrs; /* (n) */
  uint32_t n;
  uint32_t first;     /* global index of instrs[0] */
} wick_chain;

struct wick_method {
  const wick_program *prog;
  const char *name;
  wick_value *values;     /* (num_values) */
  uint32_t num_values;
  wick_chain *chains;     /* (num_chains) */
  uint32_t num_chains;
  uint32_t num_instructions;
  int32_t *inputs;        /* (num_inputs) value indices */
  int32_t *outputs;       /* (num_outputs) value indices */
  uint32_t num_inputs, num_outputs;
  bool has_unplanned_inputs;
  uint8_t *input_set;     /* (num_inputs) 1 once an unplanned input has data */
  uint64_t step_limit;    /* 0: unlimited */
  size_t scratch_needed;  /* max over kernel calls of their scratch() answer */
  wick_kernel_ctx ctx;
  wick_instr_observer observer;
  void *observer_user;
};

/* Bytes one bump allocation of n bytes consumes (16-byte granules). */
static inline size_t wick_arena_round(size_t n) { return (n + 15u) & ~(size_t)15u; }

/* Reader over a loaded program's flatbuffer region. */
void wick_program_reader(const wick_program *p, fb_reader *r);
/* Finds an execution plan by name; returns its table or pos 0. */
fb_table wick_program_find_plan(const wick_program *p, fb_reader *r, const char *name,
                                wick_diag *d);

/* Walks and validates one execution plan, computing its arena needs. */
typedef struct plan_scan {
  uint32_t num_values, num_inputs, num_outputs, num_chains, num_instructions;
  uint32_t num_operators, num_delegates, num_planned;
  uint64_t planned_sizes[WICK_MAX_PLANNED];
  size_t runtime_bytes;
  uint64_t constant_bytes;
  bool has_backward_jump;
} plan_scan;
wick_status wick_plan_scan(const wick_program *p, fb_reader *r, const fb_table *plan,
                           plan_scan *out, wick_diag *d);

/* Reads a serialized Tensor table into a header (no data binding). */
wick_status wick_read_tensor_header(fb_reader *r, const fb_table *t, wick_tensor *out,
                                    uint32_t vidx, wick_diag *d);

#endif
