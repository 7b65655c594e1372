/* aten::convolution.out(Tensor input, Tensor weight, Tensor? bias,
 *     SymInt[] stride, SymInt[] padding, SymInt[] dilation, bool transposed,
 *     SymInt[] output_padding, SymInt groups, *, Tensor(a!) out)
 *
 *   1-D (N,C,L), 2-D (N,C,H,W) and 3-D (N,C,D,H,W) convolution, direct loops.
 *   weight: (C_out, C_in/groups, k...) or, transposed, (C_in, C_out/groups, k...)
 *   out size per spatial dim:
 *     (in + 2*pad - dil*(k-1) - 1) / stride + 1                       (floor)
 *     (in - 1)*stride - 2*pad + dil*(k-1) + output_padding + 1        (transposed)
 *   stride / padding / dilation / output_padding lists hold 1 entry (used for
 *   every spatial dim) or one per spatial dim. Floating dtypes; input, weight,
 *   bias and out share one. Sums accumulate in double. Default dim order only.
 *   The transposed case is computed as a gather (each out element sums the
 *   input positions that the scatter definition would send to it).
 */
#include "kernels/portable/nn_util.h"

typedef struct conv_args {
  const void *x, *w, *b;
  void *y;
  int64_t n, cin, cout, groups, transposed;
  int64_t in[3], k[3], st[3], pad[3], dil[3], out[3];
} conv_args;

static inline void conv_body(const conv_args *a, int dt) {
  const int64_t icpg = a->cin / a->groups, ocpg = a->cout / a->groups;
  const int64_t in_plane = a->in[0] * a->in[1] * a->in[2];
  const int64_t kvol = a->k[0] * a->k[1] * a->k[2];
  int64_t yi = 0;
  for (int64_t n = 0; n < a->n; n++) {
    for (int64_t oc = 0; oc < a->cout; oc++) {
      const int64_t g = oc / ocpg;
      const double bias = a->b ? wk_ld_f(a->b, dt, oc) : 0.0;
      for (int64_t o0 = 0; o0 < a->out[0]; o0++) {
        for (int64_t o1 = 0; o1 < a->out[1]; o1++) {
          for (int64_t o2 = 0; o2 < a->out[2]; o2++, yi++) {
            double acc = bias;
            for (int64_t icl = 0; icl < icpg; icl++) {
              const int64_t ic = g * icpg + icl;
              const int64_t xbase = (n * a->cin + ic) * in_plane;
              /* weight block of (oc, icl) or, transposed, (ic, oc - g*ocpg) */
              const int64_t wbase =
                  a->transposed ? (ic * ocpg + (oc - g * ocpg)) * kvol : (oc * icpg + icl) * kvol;
              int64_t wi = wbase;
              for (int64_t k0 = 0; k0 < a->k[0]; k0++) {
                int64_t i0;
                bool ok0;
                if (a->transposed) {
                  int64_t t = o0 + a->pad[0] - k0 * a->dil[0];
                  ok0 = t >= 0 && t % a->st[0] == 0 && t / a->st[0] < a->in[0];
                  i0 = ok0 ? t / a->st[0] : 0;
                } else {
                  i0 = o0 * a->st[0] - a->pad[0] + k0 * a->dil[0];
                  ok0 = i0 >= 0 && i0 < a->in[0];
                }
                if (!ok0) {
                  wi += a->k[1] * a->k[2];
                  continue;
                }
                for (int64_t k1 = 0; k1 < a->k[1]; k1++) {
                  int64_t i1;
                  bool ok1;
                  if (a->transposed) {
                    int64_t t = o1 + a->pad[1] - k1 * a->dil[1];
                    ok1 = t >= 0 && t % a->st[1] == 0 && t / a->st[1] < a->in[1];
                    i1 = ok1 ? t / a->st[1] : 0;
                  } else {
                    i1 = o1 * a->st[1] - a->pad[1] + k1 * a->dil[1];
                    ok1 = i1 >= 0 && i1 < a->in[1];
                  }
                  if (!ok1) {
                    wi += a->k[2];
                    continue;
                  }
                  for (int64_t k2 = 0; k2 < a->k[2]; k2++, wi++) {
                    int64_t i2;
                    if (a->transposed) {
                      int64_t t = o2 + a->pad[2] - k2 * a->dil[2];
                      if (t < 0 || t % a->st[2] != 0) continue;
                      i2 = t / a->st[2];
                      if (i2 >= a->in[2]) continue;
                    } else {
                      i2 = o2 * a->st[2] - a->pad[2] + k2 * a->dil[2];
                      if (i2 < 0 || i2 >= a->in[2]) continue;
                    }
                    int64_t xi = xbase + (i0 * a->in[1] + i1) * a->in[2] + i2;
                    acc += wk_ld_f(a->x, dt, xi) * wk_ld_f(a->w, dt, wi);
                  }
                }
              }
            }
            wk_st_f(a->y, dt, yi, acc);
          }
        }
      }
    }
  }
}

/* float32 gets its own copy of the loop with the dtype switch folded away */
static void conv_f32(const conv_args *a) {
  conv_body(a, WICK_F32);
}
static void conv_any(const conv_args *a, int dt) {
  conv_body(a, dt);
}

WK_KERNEL(wick_op_convolution_out) {
  if (nargs != 10)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 10 arguments, got %u", nargs);
  const wick_tensor *input = args[0]->u.t, *weight = args[1]->u.t;
  const wick_tensor *bias = args[2]->kind == WICK_VAL_TENSOR ? args[2]->u.t : NULL;
  bool transposed = args[6]->u.b;
  int64_t groups = args[8]->u.i;
  wick_tensor *out = args[9]->u.t;
  char b1[96], b2[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_nn_check_float(ctx, "input", input)) ||
      (s = wk_nn_same_dtype(ctx, "input", input, "weight", weight)) ||
      (s = wk_nn_same_dtype(ctx, "input", input, "out", out)))
    return s;
  if (bias && (s = wk_nn_same_dtype(ctx, "input", input, "bias", bias))) return s;
  if (input->dim < 3 || input->dim > 5)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "input %s must be 3-D (N,C,L), 4-D (N,C,H,W) or 5-D (N,C,D,H,W)",
                            wk_desc(input, b1));
  if (weight->dim != input->dim)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s must have the rank of input %s",
                            wk_desc(weight, b1), wk_desc(input, b2));
  if ((s = wk_nn_check_contig(ctx, "input", input)) ||
      (s = wk_nn_check_contig(ctx, "weight", weight)) || (s = wk_nn_check_contig(ctx, "out", out)))
    return s;
  const int nsp = input->dim - 2;
  int64_t stride[3], pad[3], dil[3], opad[3];
  if ((s = wk_nn_param(ctx, args[3], "stride", nsp, false, 1, 1, stride)) ||
      (s = wk_nn_param(ctx, args[4], "padding", nsp, false, 0, 0, pad)) ||
      (s = wk_nn_param(ctx, args[5], "dilation", nsp, false, 1, 1, dil)) ||
      (s = wk_nn_param(ctx, args[7], "output_padding", nsp, true, 0, 0, opad)))
    return s;
  if (groups < 1)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "groups must be positive, got %lld",
                            (long long)groups);

  int64_t cin = input->sizes[1], cout;
  if (!transposed) {
    cout = weight->sizes[0];
    if (cout % groups != 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "weight %s: out channels %lld are not divisible by groups %lld",
                              wk_desc(weight, b1), (long long)cout, (long long)groups);
    if ((int64_t)weight->sizes[1] * groups != cin)
      return wick_kernel_fail(
          ctx, WICK_ERR_KERNEL,
          "input %s has %lld channels but weight %s with groups %lld expects %lld",
          wk_desc(input, b1), (long long)cin, wk_desc(weight, b2), (long long)groups,
          (long long)weight->sizes[1] * groups);
  } else {
    if (weight->sizes[0] != cin)
      return wick_kernel_fail(
          ctx, WICK_ERR_KERNEL, "input %s has %lld channels but transposed weight %s expects %d",
          wk_desc(input, b1), (long long)cin, wk_desc(weight, b2), (int)weight->sizes[0]);
    if (cin % groups != 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "input channels %lld are not divisible by groups %lld",
                              (long long)cin, (long long)groups);
    cout = (int64_t)weight->sizes[1] * groups;
  }
  if (cout == 0 || cin == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s has no channels", wk_desc(weight, b1));
  if (bias && (bias->dim != 1 || bias->sizes[0] != cout))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "bias %s must be a vector of %lld elements",
                            wk_desc(bias, b1), (long long)cout);

  conv_args a;
  a.n = input->sizes[0];
  a.cin = cin;
  a.cout = cout;
  a.groups = groups;
  a.transposed = transposed;
  int64_t osizes[WICK_MAX_DIM];
  osizes[0] = a.n;
  osizes[1] = cout;
  for (int i = 0; i < 3; i++) {
    int j = i - (3 - nsp); /* spatial index, or < 0 for a dim that is not there */
    if (j < 0) {
      a.in[i] = a.k[i] = a.st[i] = a.dil[i] = a.out[i] = 1;
      a.pad[i] = 0;
      continue;
    }
    a.in[i] = input->sizes[2 + j];
    a.k[i] = weight->sizes[2 + j];
    a.st[i] = stride[j];
    a.pad[i] = pad[j];
    a.dil[i] = dil[j];
    if (a.k[i] < 1)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s has an empty kernel",
                              wk_desc(weight, b1));
    int64_t ext = a.dil[i] * (a.k[i] - 1) + 1; /* dilated kernel extent */
    if (!transposed) {
      /* output_padding is ignored by non-transposed convolution (as in ATen) */
      if (a.in[i] + 2 * a.pad[i] < ext)
        return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                                "input %s padded by %lld is smaller than the dilated kernel size "
                                "%lld in spatial dim %d",
                                wk_desc(input, b1), (long long)a.pad[i], (long long)ext, j);
      a.out[i] = (a.in[i] + 2 * a.pad[i] - ext) / a.st[i] + 1;
    } else {
      if (opad[j] >= a.st[i] && opad[j] >= a.dil[i])
        return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                                "output_padding %lld must be smaller than either stride %lld or "
                                "dilation %lld",
                                (long long)opad[j], (long long)a.st[i], (long long)a.dil[i]);
      a.out[i] = (a.in[i] - 1) * a.st[i] - 2 * a.pad[i] + ext + opad[j];
      if (a.out[i] < 1)
        return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                                "input %s: transposed convolution output size %lld is too small "
                                "in spatial dim %d",
                                wk_desc(input, b1), (long long)a.out[i], j);
    }
    osizes[2 + j] = a.out[i];
  }

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, input->dim, osizes))) return s;

  /* 3./4. compute */
  a.x = input->data;
  a.w = weight->data;
  a.b = bias ? bias->data : NULL;
  a.y = out->data;
  if (input->dtype == WICK_F32)
    conv_f32(&a);
  else
    conv_any(&a, input->dtype);
  return WICK_OK;
}
