/* Packed, cache-blocked fp32 GEMM (the Goto/BLIS loop structure).
 *
 *   for jc over N in blocks of NC                     (B block: KC x NC)
 *     for pc over K in blocks of KC
 *       pack B[pc:pc+kc, jc:jc+nc] into NR-wide micro-panels
 *       for ic over M in blocks of MC                 (A block: MC x KC)
 *         pack A[ic:ic+mc, pc:pc+kc] into MR-tall micro-panels
 *         for jr over the block's NR-wide panels
 *           for ir over the block's MR-tall panels
 *             micro-kernel: C[MR x NR] (+)= A panel x B panel
 *
 * Packing turns whatever A and B look like (strided views, or the im2col
 * matrix of a convolution input, gathered on the fly) into contiguous,
 * zero-padded panels, so the micro-kernel only ever sees full MR x NR tiles.
 * Partial tiles at the edges go through a small local tile. The first K
 * block stores into C, later ones add to it, and after the last one the
 * epilogue applies alpha and beta * S while the tile is still in cache.
 *
 * MR and NR depend on the micro-kernel (opt.h); workspaces are sized for
 * the largest, so switching micro-kernels never outgrows the scratch.
 *
 * Threads: the C matrix is split into contiguous ranges of NR-wide column
 * panels (or MR-tall row panels when there are few columns), one per
 * thread; each thread runs the loops above on its part with its own
 * packing workspace in the scratch memory.
 */
#include <string.h>

#include "kernels/optimized/opt.h"

/* ---- configuration ------------------------------------------------------ */

static int g_isa = WKO_ISA_GENERIC;
static int g_scratch_threads = 1;

void wko_set_isa(int isa) { g_isa = isa; }
int wko_get_isa(void) { return g_isa; }
int wko_scratch_threads(void) { return g_scratch_threads; }
void wko_set_scratch_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > WKO_MAX_SCRATCH_THREADS) threads = WKO_MAX_SCRATCH_THREADS;
  g_scratch_threads = threads;
}

#define GENERIC_MR 6
#define GENERIC_NR 16

static wko_ukernel pick_ukernel(void) {
  wko_ukernel uk = {NULL, 0, 0};
  if (g_isa == WKO_ISA_AVX512) uk = wko_ukernel_avx512();
  if (uk.fn == NULL && g_isa >= WKO_ISA_AVX2) uk = wko_ukernel_avx2();
  if (uk.fn == NULL) {
    uk.fn = wko_ukernel_generic;
    uk.mr = GENERIC_MR;
    uk.nr = GENERIC_NR;
  }
  return uk;
}

/* ---- the portable micro-kernel -------------------------------------------- */

void wko_ukernel_generic(int64_t kc, const float *a, int64_t a_rs, int64_t a_ps, const float *b,
                         float *c, int64_t ldc, bool accumulate) {
  float acc[GENERIC_MR][GENERIC_NR];
  memset(acc, 0, sizeof acc);
  for (int64_t p = 0; p < kc; p++) {
    const float *bp = b + p * GENERIC_NR, *ap = a + p * a_ps;
    for (int r = 0; r < GENERIC_MR; r++) {
      float av = ap[r * a_rs];
      for (int q = 0; q < GENERIC_NR; q++) acc[r][q] += av * bp[q];
    }
  }
  for (int r = 0; r < GENERIC_MR; r++) {
    float *crow = c + r * ldc;
    if (accumulate)
      for (int q = 0; q < GENERIC_NR; q++) crow[q] += acc[r][q];
    else
      for (int q = 0; q < GENERIC_NR; q++) crow[q] = acc[r][q];
  }
}

/* ---- workspace sizing ------------------------------------------------------ */

typedef struct blocks {
  int64_t kc, mc, nc;       /* block sizes actually used (problem-clamped)  */
  size_t a_bytes, b_bytes;  /* packed A block, packed B block (64-aligned)  */
} blocks;

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static blocks block_sizes(int64_t m, int64_t n, int64_t k) {
  blocks bl;
  bl.kc = wko_min(WKO_KC, wko_max(k, 1));
  bl.mc = wko_min(WKO_MC, wko_round_up(wko_max(m, 1), WKO_MR_MAX));
  bl.nc = wko_min(WKO_NC, wko_round_up(wko_max(n, 1), WKO_NR_MAX));
  bl.a_bytes = align64((size_t)(bl.mc * bl.kc) * sizeof(float));
  bl.b_bytes = align64((size_t)(bl.kc * bl.nc) * sizeof(float));
  return bl;
}

size_t wko_sgemm_scratch(int64_t m, int64_t n, int64_t k, int threads) {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  if (threads < 1) threads = 1;
  blocks bl = block_sizes(m, n, k);
  return (size_t)threads * (bl.a_bytes + bl.b_bytes);
}

/* ---- packing ---------------------------------------------------------------- */

/* A[i0:i0+mc, p0:p0+kc] -> mr-tall panels, each kc steps of mr values
 * (rows past m are zero). */
static void pack_a(const wko_gemm *g, int mr, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
                   float *dst) {
  for (int64_t ir = 0; ir < mc; ir += mr) {
    int64_t rows = wko_min(mr, mc - ir);
    const float *src = g->a + (i0 + ir) * g->a_rs + p0 * g->a_cs;
    for (int64_t p = 0; p < kc; p++, dst += mr) {
      const float *col = src + p * g->a_cs;
      int64_t r = 0;
      for (; r < rows; r++) dst[r] = col[r * g->a_rs];
      for (; r < mr; r++) dst[r] = 0.0f;
    }
  }
}

/* Strided B[p0:p0+kc, j0:j0+nc] -> nr-wide panels, each kc steps of nr
 * values (columns past n are zero). */
static void pack_b_strided(const wko_gemm *g, int nr, int64_t p0, int64_t kc, int64_t j0,
                           int64_t nc, float *dst) {
  for (int64_t jr = 0; jr < nc; jr += nr) {
    int64_t cols = wko_min(nr, nc - jr);
    const float *src = g->b + p0 * g->b_rs + (j0 + jr) * g->b_cs;
    for (int64_t p = 0; p < kc; p++, dst += nr) {
      const float *row = src + p * g->b_rs;
      int64_t q = 0;
      if (g->b_cs == 1)
        for (; q < cols; q++) dst[q] = row[q];
      else
        for (; q < cols; q++) dst[q] = row[q * g->b_cs];
      for (; q < nr; q++) dst[q] = 0.0f;
    }
  }
}

/* im2col B[p0:p0+kc, j0:j0+nc] -> nr-wide panels. Row p is input channel
 * p / (kh*kw) at kernel tap (ky, kx); column j is output position
 * (oy, ox) = (j / ow, j % ow); the element is
 *   x[c, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw]   (0 outside the input).
 * A panel's columns fall into runs that share one output row ("segments");
 * per row p, each segment is zeros, then a (strided) copy of one input row,
 * then zeros, with the bounds worked out once per segment rather than per
 * element. */
typedef struct im2col_segment {
  int64_t q, len; /* panel columns q .. q+len-1 */
  int64_t oy, ox; /* output position of column q */
} im2col_segment;

/* x / stride for x >= 0 without a division for the common strides 1 and 2. */
static inline int64_t div_stride(int64_t x, int64_t stride) {
  return stride == 1 ? x : stride == 2 ? x >> 1 : x / stride;
}

static void pack_b_im2col(const wko_gemm *g, int nr, int64_t p0, int64_t kc, int64_t j0,
                          int64_t nc, float *dst) {
  const wko_im2col *cv = g->b_conv;
  const int64_t taps = cv->kh * cv->kw, plane = cv->ih * cv->iw;
  for (int64_t jr = 0; jr < nc; jr += nr) {
    int64_t cols = wko_min(nr, nc - jr);
    im2col_segment seg[WKO_NR_MAX];
    int nseg = 0;
    for (int64_t q = 0, j = j0 + jr; q < cols; nseg++) {
      seg[nseg].q = q;
      seg[nseg].oy = j / cv->ow;
      seg[nseg].ox = j % cv->ow;
      seg[nseg].len = wko_min(cols - q, cv->ow - seg[nseg].ox);
      q += seg[nseg].len;
      j += seg[nseg].len;
    }
    int64_t c = p0 / taps, t = p0 % taps;
    int64_t ky = t / cv->kw, kx = t % cv->kw;
    for (int64_t p = 0; p < kc; p++, dst += nr) {
      const float *xc = cv->x + c * plane;
      for (int s = 0; s < nseg; s++) {
        float *d = dst + seg[s].q;
        const int64_t len = seg[s].len;
        const int64_t iy = seg[s].oy * cv->sh - cv->ph + ky * cv->dh;
        if (iy < 0 || iy >= cv->ih) {
          for (int64_t q = 0; q < len; q++) d[q] = 0.0f;
          continue;
        }
        /* input column of segment column q: ix0 + q * sw; inside for q in [lo, hi] */
        const int64_t ix0 = seg[s].ox * cv->sw - cv->pw + kx * cv->dw;
        int64_t lo = ix0 >= 0 ? 0 : div_stride(-ix0 + cv->sw - 1, cv->sw);
        int64_t hi = cv->iw - 1 - ix0 < 0 ? -1 : div_stride(cv->iw - 1 - ix0, cv->sw);
        if (hi > len - 1) hi = len - 1;
        if (lo > len) lo = len;
        int64_t q = 0;
        for (; q < lo; q++) d[q] = 0.0f;
        if (lo <= hi) {
          const float *src = xc + iy * cv->iw + (ix0 + lo * cv->sw); /* column lo */
          if (cv->sw == 1)
            for (; q <= hi; q++) d[q] = src[q - lo];
          else
            for (; q <= hi; q++) d[q] = src[(q - lo) * cv->sw];
        }
        for (; q < len; q++) d[q] = 0.0f;
      }
      for (int64_t q = cols; q < nr; q++) dst[q] = 0.0f;
      if (++kx == cv->kw) {
        kx = 0;
        if (++ky == cv->kh) {
          ky = 0;
          c++;
        }
      }
    }
  }
}

/* ---- epilogue ------------------------------------------------------------------ */

/* C tile [i0:i0+mr, j0:j0+nr] = act(alpha * C + beta * S), the way the
 * portable addmm rounds (alpha 1 and beta 1 skip their multiplication). */
void wko_gemm_epilogue(const wko_gemm *g, float *c, int64_t i0, int64_t j0, int64_t mr, int64_t nr) {
  const float al = g->alpha, be = g->beta;
  const float *s = be != 0.0f ? g->s : NULL;
  const bool act = g->act.has_lo || g->act.has_hi;
  if (al == 1.0f && s == NULL && !act) return;
  for (int64_t r = 0; r < mr; r++) {
    float *crow = c + r * g->ldc;
    if (al != 1.0f)
      for (int64_t q = 0; q < nr; q++) crow[q] *= al;
    if (s != NULL) {
      const float *srow = s + (i0 + r) * g->s_rs + j0 * g->s_cs;
      if (g->s_cs == 0) {
        float v = be == 1.0f ? srow[0] : be * srow[0];
        for (int64_t q = 0; q < nr; q++) crow[q] += v;
      } else if (be == 1.0f) {
        for (int64_t q = 0; q < nr; q++) crow[q] += srow[q * g->s_cs];
      } else {
        for (int64_t q = 0; q < nr; q++) crow[q] += be * srow[q * g->s_cs];
      }
    }
    if (act) wko_act_apply(&g->act, crow, nr);
  }
}

bool wko_act_from_args(const wick_value *lo, const wick_value *hi, wko_act *act) {
  const wick_value *b[2] = {lo, hi};
  bool has[2] = {false, false};
  float v[2] = {0.0f, 0.0f};
  for (int i = 0; i < 2; i++) {
    double d;
    if (b[i]->kind == WICK_VAL_NONE) continue;
    if (b[i]->kind == WICK_VAL_INT) d = (double)b[i]->u.i;
    else if (b[i]->kind == WICK_VAL_DOUBLE) d = b[i]->u.d;
    else return false;
    if (!(d >= -3.4028234663852886e38 && d <= 3.4028234663852886e38)) return false; /* NaN, inf, overflow */
    if (b[i]->kind == WICK_VAL_INT && (d > 16777216.0 || d < -16777216.0)) return false;
    has[i] = true;
    v[i] = (float)d;
  }
  if (!has[0] && !has[1]) return false;
  act->has_lo = has[0];
  act->has_hi = has[1];
  act->lo = v[0];
  act->hi = v[1];
  return true;
}

void wko_act_apply(const wko_act *act, float *y, int64_t n) {
  if (act->has_lo) {
    const float lo = act->lo;
    for (int64_t i = 0; i < n; i++) y[i] = y[i] < lo ? lo : y[i];
  }
  if (act->has_hi) {
    const float hi = act->hi;
    for (int64_t i = 0; i < n; i++) y[i] = y[i] > hi ? hi : y[i];
  }
}

/* ---- the blocked loops over one part of C ---------------------------------------- */

static void gemm_part(const wko_gemm *g, const wko_ukernel *uk, int64_t i_begin, int64_t i_end,
                      int64_t j_begin, int64_t j_end, float *apack, float *bpack) {
  _Alignas(64) float tile[WKO_MR_MAX * WKO_NR_MAX];
  const int mr_ = uk->mr, nr_ = uk->nr;
  /* A row-major A (a_cs == 1) is read in place: the micro-kernel
   * broadcasts its elements straight from the rows, which stream through
   * the cache like packed panels would. Only a partial bottom panel (fewer
   * than mr rows) is packed, so that no row past m is ever read. */
  const bool a_in_place = g->a_cs == 1;
  for (int64_t jc = j_begin; jc < j_end; jc += WKO_NC) {
    int64_t nc = wko_min(WKO_NC, j_end - jc);
    for (int64_t pc = 0; pc < g->k; pc += WKO_KC) {
      int64_t kc = wko_min(WKO_KC, g->k - pc);
      bool first = pc == 0, last = pc + kc >= g->k;
      if (g->b_conv)
        pack_b_im2col(g, nr_, pc, kc, jc, nc, bpack);
      else
        pack_b_strided(g, nr_, pc, kc, jc, nc, bpack);
      for (int64_t ic = i_begin; ic < i_end; ic += WKO_MC) {
        int64_t mc = wko_min(WKO_MC, i_end - ic);
        int64_t full_rows = mc / mr_ * mr_;
        if (!a_in_place)
          pack_a(g, mr_, ic, mc, pc, kc, apack);
        else if (full_rows < mc)
          pack_a(g, mr_, ic + full_rows, mc - full_rows, pc, kc, apack);
        for (int64_t jr = 0; jr < nc; jr += nr_) {
          int64_t nr = wko_min(nr_, nc - jr);
          const float *bp = bpack + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += mr_) {
            int64_t mr = wko_min(mr_, mc - ir);
            const float *ap;
            int64_t a_rs, a_ps;
            if (!a_in_place) {
              ap = apack + ir * kc;
              a_rs = 1, a_ps = mr_;
            } else if (ir < full_rows) {
              ap = g->a + (ic + ir) * g->a_rs + pc;
              a_rs = g->a_rs, a_ps = 1;
            } else {
              ap = apack;
              a_rs = 1, a_ps = mr_;
            }
            float *c = g->c + (ic + ir) * g->ldc + jc + jr;
            if (mr == mr_ && nr == nr_) {
              uk->fn(kc, ap, a_rs, a_ps, bp, c, g->ldc, !first);
            } else {
              uk->fn(kc, ap, a_rs, a_ps, bp, tile, nr_, false);
              for (int64_t r = 0; r < mr; r++) {
                float *crow = c + r * g->ldc;
                const float *trow = tile + r * nr_;
                if (first)
                  for (int64_t q = 0; q < nr; q++) crow[q] = trow[q];
                else
                  for (int64_t q = 0; q < nr; q++) crow[q] += trow[q];
              }
            }
            if (last) wko_gemm_epilogue(g, c, ic + ir, jc + jr, mr, nr);
          }
        }
      }
    }
  }
}

/* ---- threading ------------------------------------------------------------------ */

typedef struct gemm_job {
  const wko_gemm *g;
  wko_ukernel uk;
  unsigned char *ws;   /* workspaces, ws_bytes each                       */
  size_t ws_bytes, a_bytes;
  int64_t parts;       /* how many parts C is split into                  */
  int64_t units;       /* panels along the split dimension                */
  bool split_n;        /* parts are column ranges (else row ranges)       */
} gemm_job;

static void gemm_job_run(void *ctx, size_t begin, size_t end) {
  const gemm_job *job = ctx;
  const wko_gemm *g = job->g;
  /* chunks never overlap: `begin` names this chunk's workspace */
  float *apack = (float *)(void *)(job->ws + begin * job->ws_bytes);
  float *bpack = (float *)(void *)(job->ws + begin * job->ws_bytes + job->a_bytes);
  for (size_t part = begin; part < end; part++) {
    int64_t u0 = job->units * (int64_t)part / job->parts;
    int64_t u1 = job->units * ((int64_t)part + 1) / job->parts;
    if (u1 <= u0) continue;
    if (job->split_n)
      gemm_part(g, &job->uk, 0, g->m, u0 * job->uk.nr, wko_min(u1 * job->uk.nr, g->n), apack, bpack);
    else
      gemm_part(g, &job->uk, u0 * job->uk.mr, wko_min(u1 * job->uk.mr, g->m), 0, g->n, apack, bpack);
  }
}

/* Problems below this many multiply-adds run on one thread. */
#define PARALLEL_MIN_MACS ((int64_t)1 << 15)

bool wko_sgemm(const wko_gemm *g, wick_threadpool *pool, void *scratch, size_t scratch_size) {
  if (g->m <= 0 || g->n <= 0) return true;
  if (g->k <= 0) {
    /* empty sum: C = alpha * 0 + beta * S */
    for (int64_t i = 0; i < g->m; i++) memset(g->c + i * g->ldc, 0, (size_t)g->n * sizeof(float));
    wko_gemm_epilogue(g, g->c, 0, 0, g->m, g->n);
    return true;
  }
  blocks bl = block_sizes(g->m, g->n, g->k);
  size_t ws_bytes = bl.a_bytes + bl.b_bytes;
  int64_t slots = scratch ? (int64_t)(scratch_size / ws_bytes) : 0;
  if (slots < 1) return false;

  gemm_job job;
  job.g = g;
  job.uk = pick_ukernel();
  job.ws = scratch;
  job.ws_bytes = ws_bytes;
  job.a_bytes = bl.a_bytes;
  int64_t n_units = (g->n + job.uk.nr - 1) / job.uk.nr, m_units = (g->m + job.uk.mr - 1) / job.uk.mr;
  int64_t threads = wko_min(wick_threadpool_size(pool), slots);
  if (g->m * g->n * g->k < PARALLEL_MIN_MACS) threads = 1;
  /* Column ranges repeat the (cheap, usually weight) A packing per thread;
   * row ranges repeat the B packing. Prefer columns unless they are few. */
  job.split_n = n_units >= 4 * threads || n_units >= m_units;
  job.units = job.split_n ? n_units : m_units;
  job.parts = wko_min(threads, job.units);
  wick_parallel_for(job.parts > 1 ? pool : NULL, (size_t)job.parts, gemm_job_run, &job);
  return true;
}
