/* Lowering of further math operators: the loss functions
 * (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss) and elementwise
 * functions without a kernel of their own (Tan, Sinh, Cosh, Asinh, Acosh,
 * Atanh), decomposed into existing kernels. Conventions as in lower_core.c. */
#include <math.h>
#include <string.h>

#include "compiler/import.h"

#define IN(k) imp_in(im, n, k)
#define REQ(k) imp_req(im, n, k)
#define V(id) (&im->g->values[(id)])
#define ST (im->d && im->d->status ? im->d->status : WICK_ERR_MALFORMED)
#define CHECK_ID(id)         \
  do {                       \
    if ((id) < 0) return ST; \
  } while (0)
#define DONE(expr)               \
  do {                           \
    int32_t done_id_ = (expr);   \
    if (done_id_ < 0) return ST; \
    imp_out(im, n, 0, done_id_); \
    return WICK_OK;              \
  } while (0)
#define NOSUP(...) return imp_fail(im, WICK_ERR_NOT_SUPPORTED, __VA_ARGS__)
#define BAD(...) return imp_fail(im, WICK_ERR_MALFORMED, __VA_ARGS__)

static int32_t bin(wc_import *im, const char *op, int32_t a, int32_t b, bool alpha) {
  if (a < 0 || b < 0 || imp_failed(im)) return -1;
  int rank;
  int64_t dims[WICK_MAX_DIM];
  if (!imp_broadcast(V(a), V(b), &rank, dims)) {
    imp_fail(im, WICK_ERR_MALFORMED, "inputs are not broadcastable");
    return -1;
  }
  int32_t args[3] = {a, b, wc_int(im->g, 1)};
  return imp_call(im, op, args, alpha ? 3 : 2, imp_promote(V(a)->dtype, V(b)->dtype), rank, dims);
}
#define ADD(a, b) bin(im, "aten::add.out", a, b, true)
#define SUB(a, b) bin(im, "aten::sub.out", a, b, true)
#define MUL(a, b) bin(im, "aten::mul.out", a, b, false)
#define DIV(a, b) bin(im, "aten::div.out", a, b, false)

static int32_t unary(wc_import *im, const char *op, int32_t x) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int32_t args[1] = {x};
  return imp_call(im, op, args, 1, v.dtype, v.rank, v.dims);
}

static int32_t scal(wc_import *im, const char *op, int32_t x, double c, bool alpha) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int32_t args[3] = {x, wc_double(im->g, c), wc_int(im->g, 1)};
  return imp_call(im, op, args, alpha ? 3 : 2, v.dtype, v.rank, v.dims);
}

/* sum (or mean) of every element: rank-0 result */
static int32_t reduce_all(wc_import *im, const char *op, int32_t x) {
  if (x < 0 || imp_failed(im)) return -1;
  int32_t args[4] = {x, wc_none(im->g), wc_bool(im->g, false), wc_none(im->g)};
  return imp_call(im, op, args, 4, V(x)->dtype, 0, NULL);
}

/* ---- losses ---- */

/* NLL of log-probabilities lp [N, C, d...] against target [N, d...]. */
static int32_t nll(wc_import *im, const wick_onnx_node *n, int32_t lp, int32_t target, int32_t weight) {
  if (lp < 0 || target < 0 || imp_failed(im)) return -1;
  wc_value vx = *V(lp), vt = *V(target);
  int dt = vx.dtype;
  const char *red = imp_attr_str(im, n, "reduction", "mean");
  bool has_ignore = wick_onnx_node_attr(n, "ignore_index") != NULL;
  int64_t ignore = imp_attr_int(im, n, "ignore_index", -100);
  if (imp_failed(im)) return -1;
  if (vx.rank < 2 || vt.rank != vx.rank - 1) {
    imp_fail(im, WICK_ERR_MALFORMED, "%s: input rank %d, target rank %d", n->op_type, vx.rank, vt.rank);
    return -1;
  }
  int r = strcmp(red, "none") == 0 ? 0 : strcmp(red, "sum") == 0 ? 1 : strcmp(red, "mean") == 0 ? 2 : -1;
  if (r < 0) {
    imp_fail(im, WICK_ERR_NOT_SUPPORTED, "%s reduction '%s'", n->op_type, red);
    return -1;
  }
  int32_t t = imp_cast(im, target, WICK_I64);
  int32_t mask = -1; /* true where ignored */
  if (has_ignore) {
    int32_t margs[2] = {t, wc_int(im->g, ignore)};
    mask = imp_call(im, "aten::eq.Scalar_out", margs, 2, WICK_BOOL, vt.rank, vt.dims);
    int32_t fargs[3] = {t, mask, wc_int(im->g, 0)};
    t = imp_call(im, "aten::masked_fill.Scalar_out", fargs, 3, WICK_I64, vt.rank, vt.dims);
  }
  /* gather along C */
  int64_t td[WICK_MAX_DIM];
  td[0] = vt.dims[0];
  td[1] = 1;
  for (int k = 1; k < vt.rank; k++) td[k + 1] = vt.dims[k];
  int32_t t1 = imp_view(im, t, vx.rank, td);
  int32_t gargs[4] = {lp, wc_int(im->g, 1), t1, wc_bool(im->g, false)};
  int32_t g = imp_call(im, "aten::gather.out", gargs, 4, dt, vx.rank, td);
  int32_t loss = unary(im, "aten::neg.out", imp_view(im, g, vt.rank, vt.dims));
  int32_t w = -1; /* per-element weight, or -1 for all ones */
  if (weight >= 0) {
    int64_t cnt = (int64_t)wc_numel(&vt);
    int32_t flat = imp_view(im, t, 1, &cnt);
    int32_t sargs[3] = {imp_cast(im, weight, dt), wc_int(im->g, 0), flat};
    w = imp_call(im, "aten::index_select.out", sargs, 3, dt, 1, &cnt);
    w = imp_view(im, w, vt.rank, vt.dims);
    loss = MUL(loss, w);
  }
  if (mask >= 0) {
    int32_t fargs[3] = {loss, mask, wc_double(im->g, 0)};
    loss = imp_call(im, "aten::masked_fill.Scalar_out", fargs, 3, dt, vt.rank, vt.dims);
    if (w >= 0) {
      int32_t wargs[3] = {w, mask, wc_double(im->g, 0)};
      w = imp_call(im, "aten::masked_fill.Scalar_out", wargs, 3, dt, vt.rank, vt.dims);
    } else {
      int32_t nargs[1] = {mask};
      w = imp_call(im, "aten::logical_not.out", nargs, 1, dt, vt.rank, vt.dims);
    }
  }
  if (r == 0) return loss;
  if (r == 1) return reduce_all(im, "aten::sum.IntList_out", loss);
  if (w < 0) return reduce_all(im, "aten::mean.out", loss);
  return DIV(reduce_all(im, "aten::sum.IntList_out", loss), reduce_all(im, "aten::sum.IntList_out", w));
}

static wick_status lower_nll(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), t = REQ(1), w = IN(2);
  CHECK_ID(x);
  CHECK_ID(t);
  if (w == -2) return ST;
  DONE(nll(im, n, x, t, w));
}

static wick_status lower_sce(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), t = REQ(1), w = IN(2);
  CHECK_ID(x);
  CHECK_ID(t);
  if (w == -2) return ST;
  wc_value v = *V(x);
  if (v.rank < 2) BAD("SoftmaxCrossEntropyLoss needs rank >= 2");
  int32_t args[3] = {x, wc_int(im->g, 1), wc_bool(im->g, false)};
  int32_t lp = imp_call(im, "aten::_log_softmax.out", args, 3, v.dtype, v.rank, v.dims);
  int32_t loss = nll(im, n, lp, t, w);
  CHECK_ID(loss);
  imp_out(im, n, 0, loss);
  imp_out(im, n, 1, lp);
  return WICK_OK;
}

/* ---- elementwise functions by identity ---- */

static wick_status lower_func(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  if (!wick_dtype_is_float(v.dtype)) NOSUP("%s of %s", n->op_type, wick_dtype_name(v.dtype));
  const char *t = n->op_type;
  if (strcmp(t, "Tan") == 0) DONE(DIV(unary(im, "aten::sin.out", x), unary(im, "aten::cos.out", x)));
  if (strcmp(t, "Sinh") == 0 || strcmp(t, "Cosh") == 0) {
    int32_t e = unary(im, "aten::exp.out", x), en = unary(im, "aten::exp.out", unary(im, "aten::neg.out", x));
    int32_t s = t[0] == 'S' ? SUB(e, en) : ADD(e, en);
    DONE(scal(im, "aten::mul.Scalar_out", s, 0.5, false));
  }
  if (strcmp(t, "Asinh") == 0 || strcmp(t, "Acosh") == 0) {
    /* log(x + sqrt(x*x +- 1)) */
    int32_t sq = scal(im, "aten::add.Scalar_out", MUL(x, x), t[1] == 's' ? 1.0 : -1.0, true);
    int32_t r = unary(im, "aten::log.out", ADD(x, unary(im, "aten::sqrt.out", sq)));
    if (t[1] == 's') {
      /* odd function: evaluate on |x| for accuracy at negative x */
      int32_t a = unary(im, "aten::abs.out", x);
      int32_t sq2 = scal(im, "aten::add.Scalar_out", MUL(a, a), 1.0, true);
      int32_t ra = unary(im, "aten::log.out", ADD(a, unary(im, "aten::sqrt.out", sq2)));
      r = MUL(ra, unary(im, "aten::sign.out", x));
    }
    DONE(r);
  }
  if (strcmp(t, "Atanh") == 0) {
    /* 0.5 * log((1 + x) / (1 - x)) */
    int32_t one_p = scal(im, "aten::add.Scalar_out", x, 1.0, true);
    int32_t nx = unary(im, "aten::neg.out", x);
    int32_t one_m = scal(im, "aten::add.Scalar_out", nx, 1.0, true);
    DONE(scal(im, "aten::mul.Scalar_out", unary(im, "aten::log.out", DIV(one_p, one_m)), 0.5, false));
  }
  NOSUP("%s", t);
}

const imp_op wc_lower_math[] = {
    {"NegativeLogLikelihoodLoss", lower_nll},
    {"SoftmaxCrossEntropyLoss", lower_sce},
    {"Tan", lower_func},
    {"Sinh", lower_func},
    {"Cosh", lower_func},
    {"Asinh", lower_func},
    {"Acosh", lower_func},
    {"Atanh", lower_func},
    {NULL, NULL},
};
