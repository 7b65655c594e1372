/* Lowering of the core ONNX operators: elementwise math, activations, MatMul
 * and Gemm, Conv, pooling, BatchNormalization, softmax, and the basic shape
 * operators. Each function reads its node, computes static output shapes and
 * emits ATen out-variant calls through imp_call / imp_node. */
#include <math.h>
#include <string.h>

#include "compiler/import.h"

#define IN(k) imp_in(im, n, k)
#define REQ(k) imp_req(im, n, k)
#define V(id) (&im->g->values[(id)])
#define CHECK_ID(id)                                   \
  do {                                                 \
    if ((id) < 0) return im->d ? im->d->status : WICK_ERR_MALFORMED; \
  } while (0)
/* Binds output 0 to the value of expr (evaluated once) and returns. */
#define DONE(expr)                                                            \
  do {                                                                        \
    int32_t done_id_ = (expr);                                                \
    if (done_id_ < 0) return im->d->status ? im->d->status : WICK_ERR_MALFORMED; \
    imp_out(im, n, 0, done_id_);                                              \
    return WICK_OK;                                                           \
  } while (0)

/* ---- pass-through ---- */

static wick_status lower_identity(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  imp_out(im, n, 0, x);
  if (n->num_outputs > 1 && strcmp(n->op_type, "Dropout") == 0 && n->outputs[1][0]) {
    /* Dropout's mask output in inference: all true. */
    wc_value v = *V(x);
    size_t cnt = wc_numel(&v);
    uint8_t *ones = wc_alloc(cnt);
    memset(ones, 1, cnt);
    imp_out(im, n, 1, wc_const_tensor_owned(im->g, WICK_BOOL, v.rank, v.dims, ones));
  }
  return WICK_OK;
}

static wick_status lower_constant(wc_import *im, const wick_onnx_node *n) {
  const wick_onnx_attribute *a = n->num_attributes ? &n->attributes[0] : NULL;
  if (a == NULL) return imp_fail(im, WICK_ERR_MALFORMED, "Constant without a value");
  if (a->type == WICK_ONNX_ATTR_TENSOR && a->t) {
    wick_onnx_array arr;
    if (wick_onnx_tensor_data(im->model, a->t, &arr, im->d) != WICK_OK) return im->d->status;
    int32_t id = wc_const_tensor(im->g, arr.dtype, (int)arr.rank, arr.dims, arr.data);
    wick_onnx_array_free(&arr);
    DONE(id);
  }
  if (strcmp(a->name, "value_float") == 0) {
    float f = a->f;
    DONE(wc_const_tensor(im->g, WICK_F32, 0, NULL, &f));
  }
  if (strcmp(a->name, "value_int") == 0) {
    int64_t i = a->i;
    DONE(wc_const_tensor(im->g, WICK_I64, 0, NULL, &i));
  }
  if (strcmp(a->name, "value_floats") == 0) {
    int64_t dim = a->num_floats;
    DONE(wc_const_tensor(im->g, WICK_F32, 1, &dim, a->floats));
  }
  if (strcmp(a->name, "value_ints") == 0) {
    int64_t dim = a->num_ints;
    DONE(wc_const_tensor(im->g, WICK_I64, 1, &dim, a->ints));
  }
  return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "Constant attribute '%s' is not supported",
                  a->name);
}

/* ---- elementwise ---- */

/* Binary op with ONNX (numpy) broadcasting. */
static int32_t binary(wc_import *im, const char *op, int32_t a, int32_t b, bool alpha) {
  if (a < 0 || b < 0) return -1;
  int rank;
  int64_t dims[WICK_MAX_DIM];
  if (!imp_broadcast(V(a), V(b), &rank, dims)) {
    char b1[96], b2[96];
    imp_fail(im, WICK_ERR_MALFORMED, "inputs %s and %s are not broadcastable",
             wc_describe(V(a), b1, sizeof b1), wc_describe(V(b), b2, sizeof b2));
    return -1;
  }
  int dt = imp_promote(V(a)->dtype, V(b)->dtype);
  int32_t args[3] = {a, b, 0};
  uint32_t na = 2;
  if (alpha) args[na++] = wc_int(im->g, 1);
  return imp_call(im, op, args, na, dt, rank, dims);
}

static wick_status lower_binary(wc_import *im, const wick_onnx_node *n) {
  int32_t a = REQ(0), b = REQ(1);
  CHECK_ID(a);
  CHECK_ID(b);
  const char *t = n->op_type;
  if (strcmp(t, "Add") == 0) DONE(binary(im, "aten::add.out", a, b, true));
  if (strcmp(t, "Sub") == 0) DONE(binary(im, "aten::sub.out", a, b, true));
  if (strcmp(t, "Mul") == 0) DONE(binary(im, "aten::mul.out", a, b, false));
  if (strcmp(t, "Div") == 0) {
    if (wick_dtype_is_integral(V(a)->dtype) && wick_dtype_is_integral(V(b)->dtype)) {
      /* ONNX integer Div truncates toward zero. */
      int rank;
      int64_t dims[WICK_MAX_DIM];
      if (!imp_broadcast(V(a), V(b), &rank, dims))
        return imp_fail(im, WICK_ERR_MALFORMED, "inputs are not broadcastable");
      int32_t args[3] = {a, b, wc_string(im->g, "trunc")};
      DONE(imp_call(im, "aten::div.out_mode", args, 3, imp_promote(V(a)->dtype, V(b)->dtype),
                    rank, dims));
    }
    DONE(binary(im, "aten::div.out", a, b, false));
  }
  if (strcmp(t, "Pow") == 0) {
    /* The result has the base's type (ONNX); compute in the promoted type, cast back. */
    int32_t r = binary(im, "aten::pow.Tensor_Tensor_out", a, b, false);
    DONE(imp_cast(im, r, V(a)->dtype));
  }
  if (strcmp(t, "Equal") == 0 || strcmp(t, "Less") == 0 || strcmp(t, "Greater") == 0 ||
      strcmp(t, "LessOrEqual") == 0 || strcmp(t, "GreaterOrEqual") == 0) {
    const char *op = strcmp(t, "Equal") == 0       ? "aten::eq.Tensor_out"
                     : strcmp(t, "Less") == 0      ? "aten::lt.Tensor_out"
                     : strcmp(t, "Greater") == 0   ? "aten::gt.Tensor_out"
                     : strcmp(t, "LessOrEqual") == 0 ? "aten::le.Tensor_out"
                                                   : "aten::ge.Tensor_out";
    int rank;
    int64_t dims[WICK_MAX_DIM];
    if (!imp_broadcast(V(a), V(b), &rank, dims))
      return imp_fail(im, WICK_ERR_MALFORMED, "inputs are not broadcastable");
    int32_t args[2] = {a, b};
    DONE(imp_call(im, op, args, 2, WICK_BOOL, rank, dims));
  }
  if (strcmp(t, "And") == 0) DONE(binary(im, "aten::logical_and.out", a, b, false));
  if (strcmp(t, "Or") == 0) DONE(binary(im, "aten::logical_or.out", a, b, false));
  if (strcmp(t, "Xor") == 0) DONE(binary(im, "aten::logical_xor.out", a, b, false));
  if (strcmp(t, "Mod") == 0) {
    bool fmod = imp_attr_int(im, n, "fmod", 0) != 0;
    DONE(binary(im, fmod ? "aten::fmod.Tensor_out" : "aten::remainder.Tensor_out", a, b, false));
  }
  return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "binary operator %s", t);
}

/* Variadic Min / Max / Sum / Mean: a chain of binary ops. */
static wick_status lower_variadic(wc_import *im, const wick_onnx_node *n) {
  const char *t = n->op_type;
  const char *op = strcmp(t, "Min") == 0   ? "aten::minimum.out"
                   : strcmp(t, "Max") == 0 ? "aten::maximum.out"
                                           : "aten::add.out";
  bool alpha = strcmp(op, "aten::add.out") == 0;
  int32_t acc = REQ(0);
  CHECK_ID(acc);
  for (uint32_t k = 1; k < n->num_inputs; k++) {
    int32_t b = REQ(k);
    CHECK_ID(b);
    acc = binary(im, op, acc, b, alpha);
    CHECK_ID(acc);
  }
  if (strcmp(t, "Mean") == 0 && n->num_inputs > 1) {
    int32_t cnt = wc_scalar_f32(im->g, (float)n->num_inputs);
    acc = binary(im, "aten::div.out", acc, imp_cast(im, cnt, V(acc)->dtype), false);
  }
  DONE(acc);
}

/* Unary ops that map 1:1 onto an ATen "TT" kernel. */
static const struct {
  const char *onnx, *aten;
  bool float_only;
} kUnary[] = {
    {"Relu", "aten::relu.out", false},         {"Sigmoid", "aten::sigmoid.out", true},
    {"Tanh", "aten::tanh.out", true},          {"Exp", "aten::exp.out", true},
    {"Log", "aten::log.out", true},            {"Sqrt", "aten::sqrt.out", true},
    {"Neg", "aten::neg.out", false},           {"Abs", "aten::abs.out", false},
    {"Reciprocal", "aten::reciprocal.out", true}, {"Erf", "aten::erf.out", true},
    {"Sin", "aten::sin.out", true},            {"Cos", "aten::cos.out", true},
    {"Floor", "aten::floor.out", false},       {"Ceil", "aten::ceil.out", false},
    {"Round", "aten::round.out", false},       {"Sign", "aten::sign.out", false},
    {"Not", "aten::logical_not.out", false},   {"HardSwish", "aten::hardswish.out", true},
};

static wick_status lower_unary(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  for (size_t k = 0; k < sizeof kUnary / sizeof kUnary[0]; k++) {
    if (strcmp(kUnary[k].onnx, n->op_type) != 0) continue;
    int32_t args[1] = {x};
    DONE(imp_call(im, kUnary[k].aten, args, 1, v.dtype, v.rank, v.dims));
  }
  return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "unary operator %s", n->op_type);
}

static wick_status lower_activation(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  const char *t = n->op_type;
  if (strcmp(t, "LeakyRelu") == 0) {
    int32_t args[2] = {x, wc_double(im->g, imp_attr_float(im, n, "alpha", 0.01f))};
    DONE(imp_call(im, "aten::leaky_relu.out", args, 2, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "Elu") == 0) {
    int32_t one = wc_int(im->g, 1);
    int32_t args[4] = {x, wc_double(im->g, imp_attr_float(im, n, "alpha", 1.0f)), one, one};
    DONE(imp_call(im, "aten::elu.out", args, 4, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "Softplus") == 0) {
    /* ONNX Softplus has no threshold; above x = 20, log1p(exp(x)) equals x to
     * float32 precision, so PyTorch's default threshold changes nothing. */
    int32_t args[3] = {x, wc_int(im->g, 1), wc_int(im->g, 20)};
    DONE(imp_call(im, "aten::softplus.out", args, 3, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "HardSigmoid") == 0) {
    float alpha = imp_attr_float(im, n, "alpha", 0.2f), beta = imp_attr_float(im, n, "beta", 0.5f);
    if (fabsf(alpha - 1.0f / 6.0f) < 1e-7f && beta == 0.5f) {
      int32_t args[1] = {x};
      DONE(imp_call(im, "aten::hardsigmoid.out", args, 1, v.dtype, v.rank, v.dims));
    }
    /* max(0, min(1, alpha*x + beta)) */
    int32_t args1[2] = {x, wc_double(im->g, alpha)};
    int32_t ax = imp_call(im, "aten::mul.Scalar_out", args1, 2, v.dtype, v.rank, v.dims);
    CHECK_ID(ax);
    int32_t args2[3] = {ax, wc_double(im->g, beta), wc_int(im->g, 1)};
    int32_t axb = imp_call(im, "aten::add.Scalar_out", args2, 3, v.dtype, v.rank, v.dims);
    CHECK_ID(axb);
    int32_t args3[3] = {axb, wc_double(im->g, 0.0), wc_double(im->g, 1.0)};
    DONE(imp_call(im, "aten::clamp.out", args3, 3, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "Gelu") == 0) {
    const char *approx = imp_attr_str(im, n, "approximate", "none");
    int32_t args[2] = {x, wc_string(im->g, approx)};
    DONE(imp_call(im, "aten::gelu.out", args, 2, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "Clip") == 0) {
    int32_t lo = -1, hi = -1;
    if (im->opset < 11) {
      float mn = imp_attr_float(im, n, "min", -INFINITY), mx = imp_attr_float(im, n, "max", INFINITY);
      lo = isinf(mn) ? wc_none(im->g) : wc_double(im->g, mn);
      hi = isinf(mx) ? wc_none(im->g) : wc_double(im->g, mx);
    } else {
      int32_t a = IN(1), b = IN(2);
      if (a == -2 || b == -2) return im->d->status;
      double s;
      if (a >= 0) {
        if (imp_const_scalar(im, a, "Clip min", &s) != WICK_OK) return im->d->status;
        lo = wick_dtype_is_float(v.dtype) ? wc_double(im->g, s) : wc_int(im->g, (int64_t)s);
      } else {
        lo = wc_none(im->g);
      }
      if (b >= 0) {
        if (imp_const_scalar(im, b, "Clip max", &s) != WICK_OK) return im->d->status;
        hi = wick_dtype_is_float(v.dtype) ? wc_double(im->g, s) : wc_int(im->g, (int64_t)s);
      } else {
        hi = wc_none(im->g);
      }
    }
    if (V(lo)->kind == WICK_VAL_DOUBLE && V(hi)->kind == WICK_VAL_DOUBLE && V(lo)->d == 0.0 &&
        V(hi)->d == 6.0 && wick_dtype_is_float(v.dtype)) {
      int32_t args[3] = {x, lo, hi}; /* relu6 as hardtanh(0, 6) */
      DONE(imp_call(im, "aten::hardtanh.out", args, 3, v.dtype, v.rank, v.dims));
    }
    if (V(lo)->kind == WICK_VAL_NONE && V(hi)->kind == WICK_VAL_NONE) DONE(x); /* no bounds */
    int32_t args[3] = {x, lo, hi};
    DONE(imp_call(im, "aten::clamp.out", args, 3, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "PRelu") == 0) {
    /* where(x > 0, x, slope * x), slope broadcast unidirectionally to x. */
    int32_t slope = REQ(1);
    CHECK_ID(slope);
    /* Older exporters give a per-channel slope [C] for an input [N, C, ...]:
     * align it with the channel axis. */
    wc_value sv = *V(slope);
    int rank_b;
    int64_t dims_b[WICK_MAX_DIM];
    if (!imp_broadcast(&v, &sv, &rank_b, dims_b) && sv.rank == 1 && v.rank >= 2 &&
        sv.dims[0] == v.dims[1]) {
      int64_t d[WICK_MAX_DIM];
      for (int k = 0; k < v.rank - 1; k++) d[k] = k == 0 ? sv.dims[0] : 1;
      slope = imp_view(im, slope, v.rank - 1, d);
      CHECK_ID(slope);
    }
    int32_t prod = binary(im, "aten::mul.out", x, slope, false);
    CHECK_ID(prod);
    int32_t gargs[2] = {x, wc_int(im->g, 0)};
    int32_t pos = imp_call(im, "aten::gt.Scalar_out", gargs, 2, WICK_BOOL, v.rank, v.dims);
    CHECK_ID(pos);
    wc_value p = *V(prod);
    int32_t wargs[3] = {pos, x, prod};
    DONE(imp_call(im, "aten::where.self_out", wargs, 3, v.dtype, p.rank, p.dims));
  }
  return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "activation %s", t);
}

/* ---- linear algebra ---- */

/* numpy-style matmul of a (.., m, k) and b (.., k, n). */
static int32_t matmul(wc_import *im, int32_t a, int32_t b) {
  if (a < 0 || b < 0) return -1;
  wc_value va = *V(a), vb = *V(b);
  if (va.rank == 0 || vb.rank == 0) {
    imp_fail(im, WICK_ERR_MALFORMED, "MatMul of a rank-0 tensor");
    return -1;
  }
  int dt = imp_promote(va.dtype, vb.dtype);
  a = imp_cast(im, a, dt);
  b = imp_cast(im, b, dt);
  /* Promote 1-D operands as numpy does, remember to drop the dims after. */
  bool a1 = va.rank == 1, b1 = vb.rank == 1;
  if (a1) {
    int64_t d2[2] = {1, va.dims[0]};
    a = imp_view(im, a, 2, d2);
    va = *V(a);
  }
  if (b1) {
    int64_t d2[2] = {vb.dims[0], 1};
    b = imp_view(im, b, 2, d2);
    vb = *V(b);
  }
  int64_t m = va.dims[va.rank - 2], k = va.dims[va.rank - 1];
  int64_t k2 = vb.dims[vb.rank - 2], nn = vb.dims[vb.rank - 1];
  if (k != k2) {
    char b1s[96], b2s[96];
    imp_fail(im, WICK_ERR_MALFORMED, "MatMul of %s and %s: inner sizes differ",
             wc_describe(&va, b1s, sizeof b1s), wc_describe(&vb, b2s, sizeof b2s));
    return -1;
  }
  /* Batch dims broadcast. */
  wc_value ba = va, bb = vb;
  ba.rank = (uint8_t)(va.rank - 2);
  bb.rank = (uint8_t)(vb.rank - 2);
  int brank;
  int64_t bdims[WICK_MAX_DIM];
  if (!imp_broadcast(&ba, &bb, &brank, bdims)) {
    imp_fail(im, WICK_ERR_MALFORMED, "MatMul batch dimensions are not broadcastable");
    return -1;
  }
  int64_t batch = 1;
  for (int q = 0; q < brank; q++) batch *= bdims[q];
  int64_t out_dims[WICK_MAX_DIM];
  int out_rank = 0;
  for (int q = 0; q < brank; q++) out_dims[out_rank++] = bdims[q];
  out_dims[out_rank++] = m;
  out_dims[out_rank++] = nn;
  int32_t r;
  if (brank == 0) {
    int32_t args[2] = {a, b};
    r = imp_call(im, "aten::mm.out", args, 2, dt, 2, out_dims);
  } else if (vb.rank == 2) {
    /* (.., m, k) @ (k, n): fold the batch into rows and use one mm. */
    int64_t d2[2] = {batch * m, k};
    int32_t a2 = imp_view(im, a, 2, d2);
    int64_t o2[2] = {batch * m, nn};
    int32_t args[2] = {a2, b};
    int32_t r2 = imp_call(im, "aten::mm.out", args, 2, dt, 2, o2);
    r = imp_view(im, r2, out_rank, out_dims);
  } else {
    /* Expand both to the broadcast batch, flatten to 3-D, bmm. */
    int64_t ea[WICK_MAX_DIM], eb[WICK_MAX_DIM];
    for (int q = 0; q < brank; q++) ea[q] = eb[q] = bdims[q];
    ea[brank] = m, ea[brank + 1] = k;
    eb[brank] = k, eb[brank + 1] = nn;
    int32_t ax = a, bx = b;
    if (va.rank != brank + 2 || memcmp(va.dims, ea, sizeof(int64_t) * (size_t)(brank + 2)) != 0) {
      int32_t args[3] = {a, wc_int_list(im->g, ea, (uint32_t)brank + 2), wc_bool(im->g, false)};
      ax = imp_call(im, "aten::expand_copy.out", args, 3, dt, brank + 2, ea);
    }
    if (vb.rank != brank + 2 || memcmp(vb.dims, eb, sizeof(int64_t) * (size_t)(brank + 2)) != 0) {
      int32_t args[3] = {b, wc_int_list(im->g, eb, (uint32_t)brank + 2), wc_bool(im->g, false)};
      bx = imp_call(im, "aten::expand_copy.out", args, 3, dt, brank + 2, eb);
    }
    int64_t a3[3] = {batch, m, k}, b3[3] = {batch, k, nn}, o3[3] = {batch, m, nn};
    int32_t args[2] = {imp_view(im, ax, 3, a3), imp_view(im, bx, 3, b3)};
    int32_t r3 = imp_call(im, "aten::bmm.out", args, 2, dt, 3, o3);
    r = imp_view(im, r3, out_rank, out_dims);
  }
  if (r >= 0 && (a1 || b1)) { /* drop the promoted dims */
    wc_value vr = *V(r);
    int64_t d[WICK_MAX_DIM];
    int rr = 0;
    for (int q = 0; q < vr.rank; q++) {
      if (a1 && q == vr.rank - 2) continue;
      if (b1 && q == vr.rank - 1) continue;
      d[rr++] = vr.dims[q];
    }
    r = imp_view(im, r, rr, d);
  }
  return r;
}

static wick_status lower_matmul(wc_import *im, const wick_onnx_node *n) {
  int32_t a = REQ(0), b = REQ(1);
  CHECK_ID(a);
  CHECK_ID(b);
  DONE(matmul(im, a, b));
}

/* Gemm: alpha * A' B' + beta * C -> addmm (with transposes folded into constants). */
static wick_status lower_gemm(wc_import *im, const wick_onnx_node *n) {
  int32_t a = REQ(0), b = REQ(1), c = IN(2);
  CHECK_ID(a);
  CHECK_ID(b);
  if (c == -2) return im->d->status;
  float alpha = imp_attr_float(im, n, "alpha", 1.0f), beta = imp_attr_float(im, n, "beta", 1.0f);
  int64_t ta = imp_attr_int(im, n, "transA", 0), tb = imp_attr_int(im, n, "transB", 0);
  if (V(a)->rank != 2 || V(b)->rank != 2)
    return imp_fail(im, WICK_ERR_MALFORMED, "Gemm needs 2-D A and B");
  const int64_t t2[2] = {1, 0};
  if (ta) a = imp_permute(im, a, t2);
  if (tb) b = imp_permute(im, b, t2);
  CHECK_ID(a);
  CHECK_ID(b);
  int64_t m = V(a)->dims[0], nn = V(b)->dims[1];
  if (V(a)->dims[1] != V(b)->dims[0])
    return imp_fail(im, WICK_ERR_MALFORMED, "Gemm inner sizes differ (%lld vs %lld)",
                    (long long)V(a)->dims[1], (long long)V(b)->dims[0]);
  int64_t od[2] = {m, nn};
  int dt = V(a)->dtype;
  if (c < 0 || beta == 0.0f) {
    int32_t args[2] = {a, b};
    int32_t r = imp_call(im, "aten::mm.out", args, 2, dt, 2, od);
    if (alpha != 1.0f) {
      int32_t margs[2] = {r, wc_double(im->g, alpha)};
      r = imp_call(im, "aten::mul.Scalar_out", margs, 2, dt, 2, od);
    }
    DONE(r);
  }
  int32_t args[5] = {c, a, b, wc_double(im->g, beta), wc_double(im->g, alpha)};
  if (beta == 1.0f) args[3] = wc_int(im->g, 1);
  if (alpha == 1.0f) args[4] = wc_int(im->g, 1);
  DONE(imp_call(im, "aten::addmm.out", args, 5, dt, 2, od));
}

/* ---- convolution and pooling ---- */

/* Resolves ONNX pads / auto_pad into per-spatial-dim (begin, end). */
static bool conv_pads(wc_import *im, const wick_onnx_node *n, int sd, const int64_t *in,
                      const int64_t *kernel, const int64_t *stride, const int64_t *dil,
                      int64_t *pb, int64_t *pe) {
  const char *auto_pad = imp_attr_str(im, n, "auto_pad", "NOTSET");
  int64_t pads[2 * WICK_MAX_DIM] = {0};
  int np = imp_attr_ints(im, n, "pads", pads, 2 * WICK_MAX_DIM);
  for (int k = 0; k < sd; k++) {
    pb[k] = np > 0 ? pads[k] : 0;
    pe[k] = np > 0 ? pads[k + sd] : 0;
  }
  if (strcmp(auto_pad, "SAME_UPPER") == 0 || strcmp(auto_pad, "SAME_LOWER") == 0) {
    for (int k = 0; k < sd; k++) {
      int64_t out = (in[k] + stride[k] - 1) / stride[k];
      int64_t eff = (kernel[k] - 1) * dil[k] + 1;
      int64_t total = (out - 1) * stride[k] + eff - in[k];
      if (total < 0) total = 0;
      bool upper = strcmp(auto_pad, "SAME_UPPER") == 0;
      pb[k] = upper ? total / 2 : total - total / 2;
      pe[k] = total - pb[k];
    }
  } else if (strcmp(auto_pad, "VALID") == 0) {
    for (int k = 0; k < sd; k++) pb[k] = pe[k] = 0;
  } else if (strcmp(auto_pad, "NOTSET") != 0) {
    imp_fail(im, WICK_ERR_MALFORMED, "auto_pad '%s' is unknown", auto_pad);
    return false;
  }
  return !imp_failed(im);
}

/* Pads x's trailing sd dims by (pb, pe) with value, returning the padded id. */
static int32_t pad_spatial(wc_import *im, int32_t x, int sd, const int64_t *pb, const int64_t *pe,
                           double value) {
  wc_value v = *V(x);
  int64_t pad[2 * WICK_MAX_DIM];
  int64_t dims[WICK_MAX_DIM];
  memcpy(dims, v.dims, sizeof dims);
  for (int k = 0; k < sd; k++) { /* aten order: last dim first */
    int d = v.rank - 1 - k;
    pad[2 * k] = pb[sd - 1 - k];
    pad[2 * k + 1] = pe[sd - 1 - k];
    dims[d] += pad[2 * k] + pad[2 * k + 1];
  }
  int32_t val = isinf(value) ? wc_double(im->g, value) : wc_double(im->g, value);
  int32_t args[3] = {x, wc_int_list(im->g, pad, (uint32_t)(2 * sd)), val};
  return imp_call(im, "aten::constant_pad_nd.out", args, 3, v.dtype, v.rank, dims);
}

static wick_status lower_conv(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), w = REQ(1), b = IN(2);
  CHECK_ID(x);
  CHECK_ID(w);
  if (b == -2) return im->d->status;
  wc_value vx = *V(x), vw = *V(w);
  int sd = vx.rank - 2;
  if (sd < 1 || sd > 2 || vw.rank != vx.rank)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "Conv with %d spatial dims (1-D and 2-D supported)",
                    sd);
  int64_t kernel[2], stride[2] = {1, 1}, dil[2] = {1, 1}, pb[2], pe[2];
  for (int k = 0; k < sd; k++) kernel[k] = vw.dims[2 + k];
  if (imp_attr_ints(im, n, "strides", stride, 2) < 0) stride[0] = stride[1] = 1;
  if (imp_attr_ints(im, n, "dilations", dil, 2) < 0) dil[0] = dil[1] = 1;
  int64_t group = imp_attr_int(im, n, "group", 1);
  if (!conv_pads(im, n, sd, vx.dims + 2, kernel, stride, dil, pb, pe)) return im->d->status;
  int64_t pad[2];
  for (int k = 0; k < sd; k++) {
    if (pb[k] != pe[k]) { /* asymmetric: pad explicitly first */
      x = pad_spatial(im, x, sd, pb, pe, 0.0);
      CHECK_ID(x);
      vx = *V(x);
      for (int q = 0; q < sd; q++) pb[q] = pe[q] = 0;
      break;
    }
  }
  for (int k = 0; k < sd; k++) pad[k] = pb[k];
  if (group <= 0 || vx.dims[1] != vw.dims[1] * group || vw.dims[0] % group != 0)
    return imp_fail(im, WICK_ERR_MALFORMED, "Conv channels: input %lld, weight %lld x group %lld",
                    (long long)vx.dims[1], (long long)vw.dims[1], (long long)group);
  int64_t od[4] = {vx.dims[0], vw.dims[0], 0, 0};
  for (int k = 0; k < sd; k++) {
    int64_t eff = (kernel[k] - 1) * dil[k] + 1;
    od[2 + k] = (vx.dims[2 + k] + 2 * pad[k] - eff) / stride[k] + 1;
    if (od[2 + k] <= 0) return imp_fail(im, WICK_ERR_MALFORMED, "Conv output would be empty");
  }
  int64_t zeros[2] = {0, 0};
  int32_t args[9] = {x,
                     w,
                     b >= 0 ? b : wc_none(im->g),
                     wc_int_list(im->g, stride, (uint32_t)sd),
                     wc_int_list(im->g, pad, (uint32_t)sd),
                     wc_int_list(im->g, dil, (uint32_t)sd),
                     wc_bool(im->g, false),
                     wc_int_list(im->g, zeros, (uint32_t)sd),
                     wc_int(im->g, group)};
  DONE(imp_call(im, "aten::convolution.out", args, 9, vx.dtype, vx.rank, od));
}

static wick_status lower_pool(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value vx = *V(x);
  bool is_max = strcmp(n->op_type, "MaxPool") == 0;
  int sd = vx.rank - 2;
  if (sd < 1 || sd > 2)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "%s with %d spatial dims", n->op_type, sd);
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, dil[2] = {1, 1}, pb[2], pe[2];
  if (imp_attr_ints(im, n, "kernel_shape", kernel, 2) != sd)
    return imp_fail(im, WICK_ERR_MALFORMED, "kernel_shape must have %d entries", sd);
  if (imp_attr_ints(im, n, "strides", stride, 2) < 0) stride[0] = stride[1] = 1;
  if (imp_attr_ints(im, n, "dilations", dil, 2) < 0) dil[0] = dil[1] = 1;
  int64_t ceil_mode = imp_attr_int(im, n, "ceil_mode", 0);
  int64_t count_include_pad = imp_attr_int(im, n, "count_include_pad", 0);
  if (is_max && imp_attr_int(im, n, "storage_order", 0) != 0)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "MaxPool storage_order=1");
  if (!conv_pads(im, n, sd, vx.dims + 2, kernel, stride, dil, pb, pe)) return im->d->status;
  const char *auto_pad = imp_attr_str(im, n, "auto_pad", "NOTSET");
  bool same = strncmp(auto_pad, "SAME", 4) == 0;
  bool asym = false;
  for (int k = 0; k < sd; k++) asym = asym || pb[k] != pe[k];
  /* ATen pooling requires pad <= kernel / 2; larger (or asymmetric) pads are
   * applied explicitly, which is exact for max pooling and for averages that
   * count the padding. */
  bool big = false;
  for (int k = 0; k < sd; k++) big = big || pb[k] > kernel[k] / 2 || pe[k] > kernel[k] / 2;
  if (asym || big ||
      (same && !is_max && count_include_pad == 0 && (pb[0] || (sd > 1 && pb[1])))) {
    if (!is_max && count_include_pad == 0)
      return imp_fail(im, WICK_ERR_NOT_SUPPORTED,
                      "AveragePool with asymmetric padding and count_include_pad=0");
    x = pad_spatial(im, x, sd, pb, pe, is_max ? -INFINITY : 0.0);
    CHECK_ID(x);
    for (int k = 0; k < sd; k++) pb[k] = pe[k] = 0;
  }
  /* Work in 2-D: a 1-D pool becomes (N, C, 1, L). */
  int32_t x4 = x;
  wc_value v = *V(x);
  int64_t k2[2], s2[2], p2[2], d2[2];
  if (sd == 1) {
    int64_t dims4[4] = {v.dims[0], v.dims[1], 1, v.dims[2]};
    x4 = imp_view(im, x, 4, dims4);
    k2[0] = 1, k2[1] = kernel[0], s2[0] = 1, s2[1] = stride[0];
    p2[0] = 0, p2[1] = pb[0], d2[0] = 1, d2[1] = dil[0];
  } else {
    memcpy(k2, kernel, sizeof k2), memcpy(s2, stride, sizeof s2);
    memcpy(p2, pb, sizeof p2), memcpy(d2, dil, sizeof d2);
  }
  CHECK_ID(x4);
  wc_value v4 = *V(x4);
  int64_t od[4] = {v4.dims[0], v4.dims[1], 0, 0};
  for (int k = 0; k < 2; k++) {
    int64_t eff = (k2[k] - 1) * d2[k] + 1;
    int64_t span = v4.dims[2 + k] + 2 * p2[k] - eff;
    int64_t o = (ceil_mode ? (span + s2[k] - 1) / s2[k] : span / s2[k]) + 1;
    if (ceil_mode && (o - 1) * s2[k] >= v4.dims[2 + k] + p2[k]) o--;
    if (o <= 0) return imp_fail(im, WICK_ERR_MALFORMED, "%s output would be empty", n->op_type);
    od[2 + k] = o;
  }
  int32_t r;
  if (is_max) {
    int32_t out = wc_tensor(im->g, v4.dtype, 4, od);
    int32_t idx = wc_tensor(im->g, WICK_I64, 4, od);
    int32_t args[8] = {x4,
                       wc_int_list(im->g, k2, 2),
                       wc_int_list(im->g, s2, 2),
                       wc_int_list(im->g, p2, 2),
                       wc_int_list(im->g, d2, 2),
                       wc_bool(im->g, ceil_mode != 0),
                       out,
                       idx};
    if (imp_node(im, "aten::max_pool2d_with_indices.out", args, 8, 2) < 0) return im->d->status;
    r = out;
  } else {
    if (d2[0] != 1 || d2[1] != 1)
      return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "AveragePool with dilations");
    int32_t args[7] = {x4,
                       wc_int_list(im->g, k2, 2),
                       wc_int_list(im->g, s2, 2),
                       wc_int_list(im->g, p2, 2),
                       wc_bool(im->g, ceil_mode != 0),
                       wc_bool(im->g, count_include_pad != 0),
                       wc_none(im->g)};
    r = imp_call(im, "aten::avg_pool2d.out", args, 7, v4.dtype, 4, od);
  }
  if (sd == 1 && r >= 0) {
    int64_t d3[3] = {od[0], od[1], od[3]};
    r = imp_view(im, r, 3, d3);
  }
  DONE(r);
}

static wick_status lower_global_pool(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  if (v.rank < 3) return imp_fail(im, WICK_ERR_MALFORMED, "%s needs rank >= 3", n->op_type);
  int64_t axes[WICK_MAX_DIM], od[WICK_MAX_DIM];
  for (int k = 2; k < v.rank; k++) axes[k - 2] = k;
  memcpy(od, v.dims, sizeof od);
  for (int k = 2; k < v.rank; k++) od[k] = 1;
  bool is_max = strcmp(n->op_type, "GlobalMaxPool") == 0;
  int32_t args[4] = {x, wc_int_list(im->g, axes, (uint32_t)v.rank - 2), wc_bool(im->g, true),
                     wc_none(im->g)};
  DONE(imp_call(im, is_max ? "aten::amax.out" : "aten::mean.out", args, is_max ? 3 : 4, v.dtype,
                v.rank, od));
}

static wick_status lower_batchnorm(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), scale = REQ(1), bias = REQ(2), mean = REQ(3), var = REQ(4);
  CHECK_ID(x);
  CHECK_ID(scale);
  CHECK_ID(bias);
  CHECK_ID(mean);
  CHECK_ID(var);
  if (imp_attr_int(im, n, "training_mode", 0) != 0)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "BatchNormalization in training mode");
  float eps = imp_attr_float(im, n, "epsilon", 1e-5f);
  wc_value v = *V(x);
  int64_t empty[1] = {0};
  int32_t o1 = wc_tensor(im->g, v.dtype, 1, empty), o2 = wc_tensor(im->g, v.dtype, 1, empty);
  int32_t out = wc_tensor(im->g, v.dtype, v.rank, v.dims);
  int32_t args[10] = {x,    scale, bias, mean, var, wc_double(im->g, 0.1), wc_double(im->g, eps),
                      out,  o1,    o2};
  if (imp_node(im, "aten::_native_batch_norm_legit_no_training.out", args, 10, 3) < 0)
    return im->d->status;
  DONE(out);
}

static wick_status lower_softmax(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  bool log = strcmp(n->op_type, "LogSoftmax") == 0;
  const char *op = log ? "aten::_log_softmax.out" : "aten::_softmax.out";
  int64_t axis = imp_attr_int(im, n, "axis", im->opset >= 13 ? -1 : 1);
  int ax;
  if (!imp_axis(im, axis, v.rank, &ax)) return im->d->status;
  if (im->opset < 13 && ax != v.rank - 1) {
    /* Old semantics: flatten to (prod(dims[:axis]), prod(dims[axis:])). */
    int64_t rows = 1, cols = 1;
    for (int k = 0; k < ax; k++) rows *= v.dims[k];
    for (int k = ax; k < v.rank; k++) cols *= v.dims[k];
    int64_t d2[2] = {rows, cols};
    int32_t x2 = imp_view(im, x, 2, d2);
    int32_t args[3] = {x2, wc_int(im->g, 1), wc_bool(im->g, false)};
    int32_t r = imp_call(im, op, args, 3, v.dtype, 2, d2);
    DONE(imp_view(im, r, v.rank, v.dims));
  }
  int32_t args[3] = {x, wc_int(im->g, ax), wc_bool(im->g, false)};
  DONE(imp_call(im, op, args, 3, v.dtype, v.rank, v.dims));
}

/* ---- basic shape operators ---- */

static wick_status lower_reshape(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t shape[WICK_MAX_DIM];
  uint32_t ns = 0;
  if (im->opset >= 5) {
    int32_t s = REQ(1);
    CHECK_ID(s);
    if (imp_const_ints(im, s, "Reshape shape", shape, WICK_MAX_DIM, &ns) != WICK_OK)
      return im->d->status;
  } else {
    int cnt = imp_attr_ints(im, n, "shape", shape, WICK_MAX_DIM);
    ns = cnt < 0 ? 0 : (uint32_t)cnt;
  }
  bool allowzero = imp_attr_int(im, n, "allowzero", 0) != 0;
  int64_t known = 1;
  int infer = -1;
  for (uint32_t k = 0; k < ns; k++) {
    if (shape[k] == 0 && !allowzero) {
      if (k >= v.rank) return imp_fail(im, WICK_ERR_MALFORMED, "Reshape copies missing dim %u", k);
      shape[k] = v.dims[k];
    }
    if (shape[k] == -1) {
      if (infer >= 0) return imp_fail(im, WICK_ERR_MALFORMED, "Reshape with two -1 dims");
      infer = (int)k;
    } else if (shape[k] < 0) {
      return imp_fail(im, WICK_ERR_MALFORMED, "Reshape size %lld", (long long)shape[k]);
    } else {
      known *= shape[k];
    }
  }
  int64_t total = (int64_t)wc_numel(&v);
  if (infer >= 0) {
    if (known == 0 || total % known != 0)
      return imp_fail(im, WICK_ERR_MALFORMED, "Reshape cannot infer -1 (%lld elements)",
                      (long long)total);
    shape[infer] = total / known;
  } else if (known != total) {
    return imp_fail(im, WICK_ERR_MALFORMED, "Reshape from %lld to %lld elements",
                    (long long)total, (long long)known);
  }
  DONE(imp_view(im, x, (int)ns, shape));
}

static wick_status lower_flatten(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t axis = imp_attr_int(im, n, "axis", 1);
  if (axis < 0) axis += v.rank;
  if (axis < 0 || axis > v.rank) return imp_fail(im, WICK_ERR_MALFORMED, "Flatten axis");
  int64_t a = 1, b = 1;
  for (int k = 0; k < axis; k++) a *= v.dims[k];
  for (int k = (int)axis; k < v.rank; k++) b *= v.dims[k];
  int64_t d2[2] = {a, b};
  DONE(imp_view(im, x, 2, d2));
}

static wick_status lower_transpose(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t perm[WICK_MAX_DIM];
  int np = imp_attr_ints(im, n, "perm", perm, WICK_MAX_DIM);
  if (np < 0)
    for (int k = 0; k < v.rank; k++) perm[k] = v.rank - 1 - k;
  else if (np != v.rank)
    return imp_fail(im, WICK_ERR_MALFORMED, "Transpose perm has %d entries for rank %d", np,
                    v.rank);
  DONE(imp_permute(im, x, perm));
}

/* Axes from the attribute (old opsets) or the second input (opset >= 13). */
static int read_axes(wc_import *im, const wick_onnx_node *n, int64_t *axes) {
  if (im->opset >= 13) {
    int32_t a = IN(1);
    if (a == -2) return -2;
    if (a < 0) return -1;
    uint32_t na;
    if (imp_const_ints(im, a, "axes", axes, WICK_MAX_DIM, &na) != WICK_OK) return -2;
    return (int)na;
  }
  return imp_attr_ints(im, n, "axes", axes, WICK_MAX_DIM);
}

static wick_status lower_squeeze(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t axes[WICK_MAX_DIM];
  int na = read_axes(im, n, axes);
  if (na == -2) return im->d->status;
  bool drop[WICK_MAX_DIM] = {false};
  if (na < 0) {
    for (int k = 0; k < v.rank; k++) drop[k] = v.dims[k] == 1;
  } else {
    for (int k = 0; k < na; k++) {
      int ax;
      if (!imp_axis(im, axes[k], v.rank, &ax)) return im->d->status;
      if (v.dims[ax] != 1)
        return imp_fail(im, WICK_ERR_MALFORMED, "Squeeze axis %d has size %lld", ax,
                        (long long)v.dims[ax]);
      drop[ax] = true;
    }
  }
  int64_t d[WICK_MAX_DIM];
  int r = 0;
  for (int k = 0; k < v.rank; k++)
    if (!drop[k]) d[r++] = v.dims[k];
  DONE(imp_view(im, x, r, d));
}

static wick_status lower_unsqueeze(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t axes[WICK_MAX_DIM];
  int na = read_axes(im, n, axes);
  if (na == -2) return im->d->status;
  if (na < 0) return imp_fail(im, WICK_ERR_MALFORMED, "Unsqueeze without axes");
  int out_rank = v.rank + na;
  if (out_rank > WICK_MAX_DIM) return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "rank > %d", WICK_MAX_DIM);
  bool ins[WICK_MAX_DIM] = {false};
  for (int k = 0; k < na; k++) {
    int ax;
    if (!imp_axis(im, axes[k], out_rank, &ax)) return im->d->status;
    if (ins[ax]) return imp_fail(im, WICK_ERR_MALFORMED, "Unsqueeze repeats axis %d", ax);
    ins[ax] = true;
  }
  int64_t d[WICK_MAX_DIM];
  for (int k = 0, j = 0; k < out_rank; k++) d[k] = ins[k] ? 1 : v.dims[j++];
  DONE(imp_view(im, x, out_rank, d));
}

static wick_status lower_concat(wc_import *im, const wick_onnx_node *n) {
  int32_t ids[64];
  uint32_t cnt = 0;
  if (n->num_inputs > 64) return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "Concat of > 64 inputs");
  int dt = -1;
  for (uint32_t k = 0; k < n->num_inputs; k++) {
    int32_t x = REQ(k);
    CHECK_ID(x);
    ids[cnt++] = x;
    dt = dt < 0 ? V(x)->dtype : imp_promote(dt, V(x)->dtype);
  }
  if (cnt == 0) return imp_fail(im, WICK_ERR_MALFORMED, "Concat without inputs");
  wc_value v0 = *V(ids[0]);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", 0), v0.rank, &ax)) return im->d->status;
  int64_t d[WICK_MAX_DIM];
  memcpy(d, v0.dims, sizeof d);
  d[ax] = 0;
  uint32_t kept = 0;
  for (uint32_t k = 0; k < cnt; k++) {
    wc_value vk = *V(ids[k]);
    if (vk.rank != v0.rank)
      return imp_fail(im, WICK_ERR_MALFORMED, "Concat inputs have ranks %d and %d", v0.rank,
                      vk.rank);
    for (int q = 0; q < v0.rank; q++)
      if (q != ax && vk.dims[q] != v0.dims[q])
        return imp_fail(im, WICK_ERR_MALFORMED, "Concat inputs differ in dim %d", q);
    d[ax] += vk.dims[ax];
    if (vk.dims[ax] > 0) ids[kept++] = imp_cast(im, ids[k], dt);
  }
  if (kept == 1) DONE(ids[0]);
  int32_t args[2] = {wc_tensor_list(im->g, ids, kept, false), wc_int(im->g, ax)};
  DONE(imp_call(im, "aten::cat.out", args, 2, dt, v0.rank, d));
}

static wick_status lower_shape(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t start = imp_attr_int(im, n, "start", 0), end = imp_attr_int(im, n, "end", v.rank);
  if (start < 0) start += v.rank;
  if (end < 0) end += v.rank;
  if (start < 0) start = 0;
  if (end > v.rank) end = v.rank;
  int64_t cnt = end > start ? end - start : 0;
  DONE(wc_const_tensor(im->g, WICK_I64, 1, &cnt, v.dims + start));
}

static wick_status lower_size(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  int64_t cnt = (int64_t)wc_numel(V(x));
  DONE(wc_const_tensor(im->g, WICK_I64, 0, NULL, &cnt));
}

static wick_status lower_cast(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  int64_t to = imp_attr_int(im, n, "to", 0);
  int dt = wick_onnx_dtype((int32_t)to);
  if (dt < 0)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "Cast to %s",
                    wick_onnx_data_type_name((int32_t)to) ? wick_onnx_data_type_name((int32_t)to)
                                                          : "unknown type");
  DONE(imp_cast(im, x, dt));
}

static wick_status lower_gather(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), idx = REQ(1);
  CHECK_ID(x);
  CHECK_ID(idx);
  wc_value vx = *V(x), vi = *V(idx);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", 0), vx.rank, &ax)) return im->d->status;
  int64_t od[WICK_MAX_DIM];
  int orank = 0;
  for (int k = 0; k < ax; k++) od[orank++] = vx.dims[k];
  for (int k = 0; k < vi.rank; k++) od[orank++] = vi.dims[k];
  for (int k = ax + 1; k < vx.rank; k++) od[orank++] = vx.dims[k];
  if (orank > WICK_MAX_DIM) return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "Gather output rank");
  int64_t cnt = (int64_t)wc_numel(&vi);
  int32_t flat;
  if (vi.data) { /* constant indices: normalize negatives and check bounds now */
    int64_t *norm = wc_alloc((size_t)(cnt ? cnt : 1) * sizeof(int64_t));
    for (int64_t k = 0; k < cnt; k++) {
      int64_t q = vi.dtype == WICK_I32 ? ((const int32_t *)vi.data)[k] : ((const int64_t *)vi.data)[k];
      if (q < 0) q += vx.dims[ax];
      if (q < 0 || q >= vx.dims[ax]) {
        wc_free(norm);
        return imp_fail(im, WICK_ERR_MALFORMED, "Gather index %lld out of range for size %lld",
                        (long long)q, (long long)vx.dims[ax]);
      }
      norm[k] = q;
    }
    flat = wc_const_tensor_owned(im->g, WICK_I64, 1, &cnt, norm);
  } else {
    if (ax == 0 && vx.rank == 2) { /* embedding lookup */
      int32_t args[5] = {x, idx, wc_int(im->g, -1), wc_bool(im->g, false), wc_bool(im->g, false)};
      DONE(imp_call(im, "aten::embedding.out", args, 5, vx.dtype, orank, od));
    }
    /* Run-time indices may be negative (ONNX): idx + size where idx < 0. */
    flat = imp_view(im, idx, 1, &cnt);
    int32_t largs[2] = {flat, wc_int(im->g, 0)};
    int32_t neg = imp_call(im, "aten::lt.Scalar_out", largs, 2, WICK_BOOL, 1, &cnt);
    int32_t aargs[3] = {flat, wc_int(im->g, vx.dims[ax]), wc_int(im->g, 1)};
    int32_t wrapped = imp_call(im, "aten::add.Scalar_out", aargs, 3, vi.dtype, 1, &cnt);
    if (neg < 0 || wrapped < 0) return im->d->status;
    int32_t wargs[3] = {neg, wrapped, flat};
    flat = imp_call(im, "aten::where.self_out", wargs, 3, vi.dtype, 1, &cnt);
  }
  CHECK_ID(flat);
  int64_t sel[WICK_MAX_DIM];
  memcpy(sel, vx.dims, sizeof sel);
  sel[ax] = cnt;
  int32_t args[3] = {x, wc_int(im->g, ax), flat};
  int32_t r = imp_call(im, "aten::index_select.out", args, 3, vx.dtype, vx.rank, sel);
  DONE(imp_view(im, r, orank, od));
}

static wick_status lower_reduce(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t axes[WICK_MAX_DIM];
  int na;
  bool axes_input = (im->opset >= 18) || (strcmp(n->op_type, "ReduceSum") == 0 && im->opset >= 13);
  if (axes_input) {
    int32_t a = IN(1);
    if (a == -2) return im->d->status;
    na = -1;
    if (a >= 0) {
      uint32_t cnt;
      if (imp_const_ints(im, a, "axes", axes, WICK_MAX_DIM, &cnt) != WICK_OK) return im->d->status;
      na = (int)cnt;
    }
  } else {
    na = imp_attr_ints(im, n, "axes", axes, WICK_MAX_DIM);
  }
  bool keep = imp_attr_int(im, n, "keepdims", 1) != 0;
  if (na <= 0) {
    if (na == 0 && imp_attr_int(im, n, "noop_with_empty_axes", 0)) DONE(x);
    na = v.rank;
    for (int k = 0; k < v.rank; k++) axes[k] = k;
  }
  bool red[WICK_MAX_DIM] = {false};
  for (int k = 0; k < na; k++) {
    int ax;
    if (!imp_axis(im, axes[k], v.rank, &ax)) return im->d->status;
    red[ax] = true;
    axes[k] = ax;
  }
  int64_t od[WICK_MAX_DIM];
  int orank = 0;
  for (int k = 0; k < v.rank; k++) {
    if (!red[k])
      od[orank++] = v.dims[k];
    else if (keep)
      od[orank++] = 1;
  }
  const char *t = n->op_type;
  int32_t list = wc_int_list(im->g, axes, (uint32_t)na);
  if (strcmp(t, "ReduceMean") == 0 || strcmp(t, "ReduceSum") == 0) {
    int32_t args[4] = {x, list, wc_bool(im->g, keep), wc_none(im->g)};
    DONE(imp_call(im, strcmp(t, "ReduceMean") == 0 ? "aten::mean.out" : "aten::sum.IntList_out",
                  args, 4, v.dtype, orank, od));
  }
  if (strcmp(t, "ReduceMax") == 0 || strcmp(t, "ReduceMin") == 0) {
    int32_t args[3] = {x, list, wc_bool(im->g, keep)};
    DONE(imp_call(im, strcmp(t, "ReduceMax") == 0 ? "aten::amax.out" : "aten::amin.out", args, 3,
                  v.dtype, orank, od));
  }
  return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "%s", t);
}

const imp_op wc_lower_core[] = {
    {"Identity", lower_identity},
    {"Dropout", lower_identity},
    {"Constant", lower_constant},
    {"Add", lower_binary},
    {"Sub", lower_binary},
    {"Mul", lower_binary},
    {"Div", lower_binary},
    {"Pow", lower_binary},
    {"Equal", lower_binary},
    {"Less", lower_binary},
    {"Greater", lower_binary},
    {"LessOrEqual", lower_binary},
    {"GreaterOrEqual", lower_binary},
    {"And", lower_binary},
    {"Or", lower_binary},
    {"Xor", lower_binary},
    {"Mod", lower_binary},
    {"Min", lower_variadic},
    {"Max", lower_variadic},
    {"Sum", lower_variadic},
    {"Mean", lower_variadic},
    {"Relu", lower_unary},
    {"Sigmoid", lower_unary},
    {"Tanh", lower_unary},
    {"Exp", lower_unary},
    {"Log", lower_unary},
    {"Sqrt", lower_unary},
    {"Neg", lower_unary},
    {"Abs", lower_unary},
    {"Reciprocal", lower_unary},
    {"Erf", lower_unary},
    {"Sin", lower_unary},
    {"Cos", lower_unary},
    {"Floor", lower_unary},
    {"Ceil", lower_unary},
    {"Round", lower_unary},
    {"Sign", lower_unary},
    {"Not", lower_unary},
    {"HardSwish", lower_unary},
    {"LeakyRelu", lower_activation},
    {"Elu", lower_activation},
    {"Softplus", lower_activation},
    {"HardSigmoid", lower_activation},
    {"Gelu", lower_activation},
    {"Clip", lower_activation},
    {"PRelu", lower_activation},
    {"MatMul", lower_matmul},
    {"Gemm", lower_gemm},
    {"Conv", lower_conv},
    {"MaxPool", lower_pool},
    {"AveragePool", lower_pool},
    {"GlobalAveragePool", lower_global_pool},
    {"GlobalMaxPool", lower_global_pool},
    {"BatchNormalization", lower_batchnorm},
    {"Softmax", lower_softmax},
    {"LogSoftmax", lower_softmax},
    {"Reshape", lower_reshape},
    {"Flatten", lower_flatten},
    {"Transpose", lower_transpose},
    {"Squeeze", lower_squeeze},
    {"Unsqueeze", lower_unsqueeze},
    {"Concat", lower_concat},
    {"Shape", lower_shape},
    {"Size", lower_size},
    {"Cast", lower_cast},
    {"Gather", lower_gather},
    {"ReduceMean", lower_reduce},
    {"ReduceSum", lower_reduce},
    {"ReduceMax", lower_reduce},
    {"ReduceMin", lower_reduce},
    {NULL, NULL},
};
