/* wick — kernel authoring API and the kernel registry.
 *
 * Kernels are bound by ExecuTorch operator name at method load time:
 * "namespace::name.overload" (e.g. "aten::add.out"). Each kernel states the
 * kinds of its arguments as a signature string; the loader checks every call
 * site against it, so a kernel can trust argument kinds (not shapes/dtypes)
 * when it runs.
 *
 * Signature characters, one per argument, in schema order (outs last):
 *   T Tensor            t Tensor or None
 *   S Scalar (Int/Double/Bool)        s Scalar or None
 *   i Int               j Int or None (ScalarType / MemoryFormat enums are Ints)
 *   b Bool              c Bool or None
 *   d Double            e Double or None
 *   I Int list          J Int list or None
 *   D Double list       E Double list or None
 *   B Bool list
 *   L Tensor list       O optional-Tensor list
 *   n String            N String or None
 *   * any value
 *
 * The last argument is the one the kernel writes (its out). A kernel with
 * several outs marks where they start with '|': "TIIIIb|TT" (max_pool2d
 * with indices). The loader refuses calls whose outs are constant data.
 */
#ifndef WICK_KERNEL_H
#define WICK_KERNEL_H

#include <stdint.h>

#include "wick/status.h"
#include "wick/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wick_threadpool wick_threadpool;

typedef struct wick_kernel_ctx {
  wick_diag *diag;        /* where a kernel explains a failure (may be NULL)      */
  const char *op_name;    /* "aten::add.out"                                       */
  uint32_t instr_index;   /* instruction being executed                            */
  void *scratch;          /* per-method scratch memory, 64-byte aligned (or NULL)  */
  size_t scratch_size;    /* >= every bound kernel's scratch() answer              */
  wick_threadpool *pool;  /* worker threads for this method, or NULL (run serially) */
} wick_kernel_ctx;

typedef wick_status (*wick_kernel_fn)(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs);
/* Scratch bytes a call needs, asked once per call site at method load with
 * the (upper-bound) shapes of its arguments. */
typedef size_t (*wick_kernel_scratch_fn)(wick_value **args, uint32_t nargs);

typedef struct wick_kernel {
  const char *name;               /* "aten::add.out"                              */
  const char *signature;          /* see above, e.g. "TTST"                       */
  wick_kernel_fn fn;
  wick_kernel_scratch_fn scratch; /* NULL: needs no scratch memory                */
} wick_kernel;

/* Adds a table of kernels (kept by pointer; must outlive its use). Tables
 * registered later take precedence over earlier ones and over the built-in
 * portable kernels. At most WICK_MAX_KERNEL_TABLES tables. Not thread-safe:
 * register before loading methods. */
#define WICK_MAX_KERNEL_TABLES 16
wick_status wick_register_kernels(const wick_kernel *table, size_t n);
/* The kernel's signature without the '|' out marker (into sig), and the
 * number of outs it declares (1 when unmarked). */
void wick_kernel_sig(const wick_kernel *k, char *sig, size_t cap, uint32_t *nouts);

/* Looks a kernel up by full name; NULL when none is registered. */
const wick_kernel *wick_find_kernel(const char *name);
/* Same, with the name given as operator name + overload ("aten::add", "out"). */
const wick_kernel *wick_find_kernel2(const char *name, const char *overload);

/* Built-in portable kernels (src/kernels/portable). */
extern const wick_kernel wick_portable_kernels[];
extern const size_t wick_portable_kernel_count;

/* Fails the kernel with a message prefixed by the op name. */
wick_status wick_kernel_fail(wick_kernel_ctx *ctx, wick_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
