/* LLM support: the wick:: LLM kernels, the llama2.c converter, tokenizer,
 * sampler and generation loop.
 *
 * Data-free checks run everywhere (kernels against formulas written here, a
 * tiny synthetic checkpoint against a naive reference forward pass written
 * here, a synthetic tokenizer with hand-derived answers). With the shared
 * data (llm/stories260K.bin, llm/tok512.bin) the test also checks greedy
 * text, logits against tests/llm/stories260K_logits.npy (from
 * tests/llm/ref_llama2c.py, an independent numpy implementation), token ids
 * against tests/llm/ref_tokenizer.py's answers, and that generation
 * allocates nothing after load. Without the data it exits 77 (skipped)
 * after the data-free checks.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "wick/kernel.h"
#include "wick/llm.h"
#include "wick/util.h"
#include "wick/wick.h"

/* ---- allocation counting (glibc, not under sanitizers; as test_noalloc.c) ---- */

#include "alloc_count.h"
#ifdef ALLOC_COUNT_ACTIVE
#define LLM_COUNT_ALLOCS 1
#endif

/* ---- helpers ------------------------------------------------------------------ */

#define SZ(...) ((const int64_t[]){__VA_ARGS__})

static wick_tensor tens(int dtype, void *data, int dim, const int64_t *sizes) {
  wick_tensor t;
  size_t n = 1;
  for (int i = 0; i < dim; i++) n *= (size_t)sizes[i];
  CHECK(wick_tensor_init(&t, dtype, dim, sizes, data, n * wick_dtype_size(dtype)) == WICK_OK);
  return t;
}
static wick_value vt(wick_tensor *t) {
  wick_value v;
  memset(&v, 0, sizeof v);
  v.kind = WICK_VAL_TENSOR;
  v.u.t = t;
  return v;
}
static wick_value vi(int64_t i) {
  wick_value v;
  memset(&v, 0, sizeof v);
  v.kind = WICK_VAL_INT;
  v.u.i = i;
  return v;
}
static wick_value vd(double x) {
  wick_value v;
  memset(&v, 0, sizeof v);
  v.kind = WICK_VAL_DOUBLE;
  v.u.d = x;
  return v;
}

static _Alignas(64) float g_scratch[1024];

/* Calls kernel `name` with args; returns its status. */
static wick_status call(const char *name, wick_value *vals, uint32_t n) {
  const wick_kernel *k = wick_find_kernel(name);
  CHECK_MSG(k != NULL, "%s not registered", name);
  if (k == NULL) return WICK_ERR_MISSING_KERNEL;
  CHECK((uint32_t)strlen(k->signature) == n);
  wick_value *args[16];
  for (uint32_t i = 0; i < n; i++) args[i] = &vals[i];
  wick_diag d = {0};
  wick_kernel_ctx ctx = {&d, name, 0, g_scratch, sizeof g_scratch, NULL};
  if (k->scratch) CHECK(k->scratch(args, n) <= sizeof g_scratch);
  return k->fn(&ctx, args, n);
}

static bool close_to(double got, double want, double tol) {
  return fabs(got - want) <= tol * (1.0 + fabs(want));
}

static bool file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- kernels ------------------------------------------------------------------ */

static void test_rms_norm(void) {
  float x[8] = {1, 2, 3, 4, -1, 0, 1, 0}, w[4] = {1, 1, 2, 0.5f}, y[8];
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 4)), tw = tens(WICK_F32, w, 1, SZ(4)),
              ty = tens(WICK_F32, y, 2, SZ(2, 4));
  wick_value a[4] = {vt(&tx), vt(&tw), vd(1e-5), vt(&ty)};
  CHECK(call("wick::rms_norm.out", a, 4) == WICK_OK);
  for (int r = 0; r < 2; r++) {
    double ss = 0;
    for (int i = 0; i < 4; i++) ss += (double)x[r * 4 + i] * x[r * 4 + i];
    double inv = 1.0 / sqrt(ss / 4 + 1e-5);
    for (int i = 0; i < 4; i++)
      CHECK_MSG(close_to(y[r * 4 + i], w[i] * x[r * 4 + i] * inv, 1e-6), "rms_norm[%d,%d]", r, i);
  }
  /* weight of the wrong size */
  wick_tensor tw3 = tens(WICK_F32, w, 1, SZ(3));
  wick_value b[4] = {vt(&tx), vt(&tw3), vd(1e-5), vt(&ty)};
  CHECK(call("wick::rms_norm.out", b, 4) == WICK_ERR_KERNEL);
}

static void test_rope(void) {
  /* T = 2 rows at positions 5 and 6, 2 heads of 4: pairs (0,1), (2,3) per head */
  float x[16], y[16];
  for (int i = 0; i < 16; i++) x[i] = (float)(i % 5) - 1.5f;
  int64_t pos = 5;
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 8)), tp = tens(WICK_I64, &pos, 1, SZ(1)),
              ty = tens(WICK_F32, y, 2, SZ(2, 8));
  wick_value a[5] = {vt(&tx), vt(&tp), vi(4), vd(10000.0), vt(&ty)};
  CHECK(call("wick::rope.out", a, 5) == WICK_OK);
  for (int t = 0; t < 2; t++)
    for (int j = 0; j < 8; j += 2) {
      int dd = j % 4;
      double ang = (5 + t) * pow(10000.0, -dd / 4.0);
      double x0 = x[t * 8 + j], x1 = x[t * 8 + j + 1];
      CHECK_MSG(close_to(y[t * 8 + j], x0 * cos(ang) - x1 * sin(ang), 1e-5), "rope %d %d", t, j);
      CHECK_MSG(close_to(y[t * 8 + j + 1], x0 * sin(ang) + x1 * cos(ang), 1e-5), "rope %d %d", t,
                j);
    }
  /* in place gives the same */
  float z[16];
  memcpy(z, x, sizeof z);
  wick_tensor tz = tens(WICK_F32, z, 3, SZ(2, 2, 4));
  wick_value b[5] = {vt(&tz), vt(&tp), vi(4), vd(10000.0), vt(&tz)};
  CHECK(call("wick::rope.out", b, 5) == WICK_OK);
  CHECK(memcmp(z, y, sizeof z) == 0);
  /* odd head size */
  wick_value c[5] = {vt(&tx), vt(&tp), vi(3), vd(10000.0), vt(&ty)};
  CHECK(call("wick::rope.out", c, 5) == WICK_ERR_KERNEL);
}

static void test_swiglu(void) {
  float a[3] = {0, 1, -2}, b[3] = {1, 2, 3}, y[3];
  wick_tensor ta = tens(WICK_F32, a, 1, SZ(3)), tb = tens(WICK_F32, b, 1, SZ(3)),
              ty = tens(WICK_F32, y, 1, SZ(3));
  wick_value v[3] = {vt(&ta), vt(&tb), vt(&ty)};
  CHECK(call("wick::swiglu.out", v, 3) == WICK_OK);
  for (int i = 0; i < 3; i++)
    CHECK(close_to(y[i], a[i] / (1 + exp(-a[i])) * b[i], 1e-6));
}

/* Naive attention over caches kc/vc ([S, KV*hs]) for one query row. */
static void naive_attn(const float *q, const float *kc, const float *vc, int p, int H, int KV,
                       int hs, double *out) {
  for (int h = 0; h < H; h++) {
    int g = h / (H / KV);
    double sc[64], mx = -1e300, sum = 0;
    for (int u = 0; u <= p; u++) {
      double s = 0;
      for (int i = 0; i < hs; i++) s += (double)q[h * hs + i] * kc[u * KV * hs + g * hs + i];
      sc[u] = s / sqrt(hs);
      if (sc[u] > mx) mx = sc[u];
    }
    for (int u = 0; u <= p; u++) sum += (sc[u] = exp(sc[u] - mx));
    for (int i = 0; i < hs; i++) {
      double acc = 0;
      for (int u = 0; u <= p; u++) acc += sc[u] / sum * vc[u * KV * hs + g * hs + i];
      out[h * hs + i] = acc;
    }
  }
}

static void test_sdpa(void) {
  enum { H = 4, KV = 2, HS = 2, S = 5 };
  float kc[S * KV * HS] = {0}, vc[S * KV * HS] = {0};
  float q[3 * H * HS], k[3 * KV * HS], v[3 * KV * HS], o[3 * H * HS];
  uint32_t st = 7;
  for (int i = 0; i < 3 * H * HS; i++) q[i] = (float)((st = st * 1103515245u + 12345u) >> 16 & 255) / 128.0f - 1;
  for (int i = 0; i < 3 * KV * HS; i++) k[i] = (float)((st = st * 1103515245u + 12345u) >> 16 & 255) / 128.0f - 1;
  for (int i = 0; i < 3 * KV * HS; i++) v[i] = (float)((st = st * 1103515245u + 12345u) >> 16 & 255) / 128.0f - 1;
  /* prefill rows 0..1, then decode row 2 */
  for (int step = 0; step < 2; step++) {
    int T = step == 0 ? 2 : 1, r0 = step == 0 ? 0 : 2;
    int64_t pos = r0;
    wick_tensor tq = tens(WICK_F32, q + r0 * H * HS, 2, SZ(T, H * HS)),
                tk = tens(WICK_F32, k + r0 * KV * HS, 2, SZ(T, KV * HS)),
                tv = tens(WICK_F32, v + r0 * KV * HS, 2, SZ(T, KV * HS)),
                tkc = tens(WICK_F32, kc, 2, SZ(S, KV * HS)), tvc = tens(WICK_F32, vc, 2, SZ(S, KV * HS)),
                tp = tens(WICK_I64, &pos, 1, SZ(1)), to = tens(WICK_F32, o + r0 * H * HS, 2, SZ(T, H * HS));
    wick_value a[9] = {vt(&tq), vt(&tk), vt(&tv), vt(&tkc), vt(&tvc), vt(&tp), vi(H), vi(KV), vt(&to)};
    CHECK(call("wick::sdpa_with_kv_cache.out", a, 9) == WICK_OK);
  }
  CHECK(memcmp(kc, k, sizeof k) == 0 && memcmp(vc, v, sizeof v) == 0);
  for (int r = 0; r < 3; r++) {
    double want[H * HS];
    naive_attn(q + r * H * HS, k, v, r, H, KV, HS, want);
    for (int i = 0; i < H * HS; i++)
      CHECK_MSG(close_to(o[r * H * HS + i], want[i], 1e-5), "sdpa row %d [%d]: %g vs %g", r, i,
                (double)o[r * H * HS + i], want[i]);
  }
  /* positions past the cache are refused */
  int64_t pos = 4;
  wick_tensor tq = tens(WICK_F32, q, 2, SZ(2, H * HS)), tk = tens(WICK_F32, k, 2, SZ(2, KV * HS)),
              tv = tens(WICK_F32, v, 2, SZ(2, KV * HS)), tkc = tens(WICK_F32, kc, 2, SZ(S, KV * HS)),
              tvc = tens(WICK_F32, vc, 2, SZ(S, KV * HS)), tp = tens(WICK_I64, &pos, 1, SZ(1)),
              to = tens(WICK_F32, o, 2, SZ(2, H * HS));
  wick_value a[9] = {vt(&tq), vt(&tk), vt(&tv), vt(&tkc), vt(&tvc), vt(&tp), vi(H), vi(KV), vt(&to)};
  CHECK(call("wick::sdpa_with_kv_cache.out", a, 9) == WICK_ERR_KERNEL);
  a[7] = vi(3); /* 4 heads are not a multiple of 3 */
  pos = 0;
  CHECK(call("wick::sdpa_with_kv_cache.out", a, 9) == WICK_ERR_KERNEL);
}

/* ---- sampler ------------------------------------------------------------------- */

static void test_sampler(void) {
  /* xorshift64* from seed 42 (values from an independent Python computation) */
  uint64_t st = 42;
  const uint32_t want[4] = {1456360119u, 3359763283u, 3393612768u, 4054632243u};
  for (int i = 0; i < 4; i++) CHECK(wick_rng_u32(&st) == want[i]);

  wick_sampler s;
  wick_diag d = {0};
  /* probabilities 0.5, 0.3, 0.15, 0.05 as logits */
  const float logits[4] = {logf(0.5f), logf(0.3f), logf(0.15f), logf(0.05f)};
  CHECK(wick_sampler_init(&s, 4, 0.0f, 0.9f, 1, &d) == WICK_OK);
  CHECK(wick_sampler_sample(&s, logits) == 0);
  wick_sampler_free(&s);
  /* top-p 0.7: the nucleus is {0, 1} (0.5 + 0.3 > 0.7) */
  CHECK(wick_sampler_init(&s, 4, 1.0f, 0.7f, 42, &d) == WICK_OK);
  int count[4] = {0};
  for (int i = 0; i < 4000; i++) count[wick_sampler_sample(&s, logits)]++;
  CHECK_MSG(count[2] == 0 && count[3] == 0, "top-p picked %d / %d outside the nucleus", count[2],
            count[3]);
  CHECK_MSG(count[0] > 2300 && count[0] < 2700, "token 0 drawn %d / 4000 (want ~2500)", count[0]);
  wick_sampler_free(&s);
  /* plain sampling (top-p 1): every token appears, in proportion */
  CHECK(wick_sampler_init(&s, 4, 1.0f, 1.0f, 42, &d) == WICK_OK);
  memset(count, 0, sizeof count);
  for (int i = 0; i < 4000; i++) count[wick_sampler_sample(&s, logits)]++;
  CHECK_MSG(count[3] > 120 && count[3] < 280, "token 3 drawn %d / 4000 (want ~200)", count[3]);
  wick_sampler_free(&s);
  /* the same seed gives the same choices */
  wick_sampler s2;
  CHECK(wick_sampler_init(&s, 4, 0.8f, 0.9f, 7, &d) == WICK_OK);
  CHECK(wick_sampler_init(&s2, 4, 0.8f, 0.9f, 7, &d) == WICK_OK);
  for (int i = 0; i < 50; i++) CHECK(wick_sampler_sample(&s, logits) == wick_sampler_sample(&s2, logits));
  wick_sampler_free(&s);
  wick_sampler_free(&s2);
  CHECK(wick_sampler_init(&s, 4, -1.0f, 0.9f, 7, &d) == WICK_ERR_INVALID_ARGUMENT);
  CHECK(wick_sampler_init(&s, 4, 1.0f, 1.5f, 7, &d) == WICK_ERR_INVALID_ARGUMENT);
}

/* ---- tokenizer (synthetic) --------------------------------------------------- */

typedef struct bytes_buf {
  uint8_t *p;
  size_t n, cap;
} bytes_buf;

static void put(bytes_buf *b, const void *src, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, src, n);
  b->n += n;
}
static void put_i32(bytes_buf *b, int32_t v) { put(b, &v, 4); }
static void put_piece(bytes_buf *b, float score, const char *s) {
  put(b, &score, 4);
  put_i32(b, (int32_t)strlen(s));
  put(b, s, strlen(s));
}

/* <unk> <s> </s>, 256 byte pieces, then " ", "a", "b", "ab", " a", " ab", "é" */
static bytes_buf synthetic_tokenizer(void) {
  bytes_buf b = {0};
  put_i32(&b, 6);
  put_piece(&b, 0, "<unk>");
  put_piece(&b, 0, "<s>");
  put_piece(&b, 0, "</s>");
  for (int i = 0; i < 256; i++) {
    char s[8];
    snprintf(s, sizeof s, "<0x%02X>", i);
    put_piece(&b, 0, s);
  }
  put_piece(&b, -1, " ");     /* 259 */
  put_piece(&b, -2, "a");     /* 260 */
  put_piece(&b, -3, "b");     /* 261 */
  put_piece(&b, -5, "ab");    /* 262 */
  put_piece(&b, -4, " a");    /* 263 */
  put_piece(&b, -6, " ab");   /* 264 */
  put_piece(&b, -7, "\xc3\xa9"); /* 265: é */
  return b;
}

static void expect_ids(const wick_tokenizer *t, const char *text, bool bos, bool eos,
                       const int32_t *want, size_t nwant) {
  int32_t ids[64];
  size_t n = 0;
  wick_diag d = {0};
  wick_status s = wick_tokenizer_encode(t, text, bos, eos, ids, 64, &n, &d);
  CHECK_MSG(s == WICK_OK, "encode '%s': %s", text, d.msg);
  bool same = s == WICK_OK && n == nwant;
  for (size_t i = 0; same && i < n; i++) same = ids[i] == want[i];
  if (!same) {
    fprintf(stderr, "encode '%s': got", text);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", (int)ids[i]);
    fprintf(stderr, "\n");
  }
  CHECK_MSG(same, "encode '%s' differs", text);
}

static void test_tokenizer_synthetic(void) {
  bytes_buf b = synthetic_tokenizer();
  wick_tokenizer t;
  wick_diag d = {0};
  CHECK_MSG(wick_tokenizer_load(&t, b.p, b.n, 0, &d) == WICK_OK, "%s", d.msg);
  CHECK(t.vocab_size == 266 && t.space_id == 259 && t.longest == 6);
  CHECK(wick_tokenizer_lookup(&t, "ab", 2) == 262);
  CHECK(wick_tokenizer_lookup(&t, "abc", 3) == -1);
  /* [BOS, " ", a, b]: " a" (-4) beats "ab" (-5), then " a"+b = " ab" */
  expect_ids(&t, "ab", true, false, (const int32_t[]){1, 264}, 2);
  /* [" ", a, b, " ", a]: " a" at 0 (leftmost of two), " ab", then " a" */
  expect_ids(&t, "ab a", false, true, (const int32_t[]){264, 263, 2}, 3);
  /* unknown bytes fall back to byte tokens: 'c' = 0x63 -> 102; é is a piece */
  expect_ids(&t, "c\xc3\xa9", false, false, (const int32_t[]){259, 102, 265}, 3);
  /* a lone continuation byte and an unknown 2-byte code point */
  expect_ids(&t, "\xa9\xc3\xa8", false, false, (const int32_t[]){259, 0xa9 + 3, 0xc3 + 3, 0xa8 + 3}, 4);
  expect_ids(&t, "", true, false, (const int32_t[]){1}, 1);
  /* too small an output buffer */
  int32_t ids[2];
  size_t n;
  CHECK(wick_tokenizer_encode(&t, "bbbb", false, false, ids, 2, &n, &d) == WICK_ERR_INVALID_ARGUMENT);
  /* decode */
  size_t len;
  const char *p = wick_tokenizer_decode(&t, 1, 264, &len);
  CHECK(len == 2 && memcmp(p, "ab", 2) == 0); /* leading space dropped after BOS */
  p = wick_tokenizer_decode(&t, 260, 264, &len);
  CHECK(len == 3 && memcmp(p, " ab", 3) == 0);
  p = wick_tokenizer_decode(&t, 260, 0x0A + 3, &len);
  CHECK(len == 1 && p[0] == '\n');
  p = wick_tokenizer_decode(&t, 260, 0xFF + 3, &len);
  CHECK(len == 1 && (unsigned char)p[0] == 0xFF);
  p = wick_tokenizer_decode(&t, 260, 9999, &len);
  CHECK(len == 0);
  wick_tokenizer_free(&t);

  /* BOS (1) / EOS (2) must exist to be requested */
  CHECK(wick_tokenizer_load(&t, b.p, b.n, 1, &d) == WICK_OK);
  CHECK(wick_tokenizer_encode(&t, "", true, false, ids, 2, &n, &d) == WICK_ERR_INVALID_ARGUMENT);
  wick_tokenizer_free(&t);
  CHECK(wick_tokenizer_load(&t, b.p, b.n, 2, &d) == WICK_OK);
  CHECK(wick_tokenizer_encode(&t, "", true, false, ids, 2, &n, &d) == WICK_OK && n == 1);
  CHECK(wick_tokenizer_encode(&t, "", false, true, ids, 2, &n, &d) == WICK_ERR_INVALID_ARGUMENT);
  wick_tokenizer_free(&t);

  /* every truncation of the file fails cleanly when the count is fixed */
  for (size_t cut = 0; cut < b.n; cut += (cut < 64 ? 1 : 37)) {
    wick_diag d2 = {0};
    CHECK(wick_tokenizer_load(&t, b.p, cut, 266, &d2) == WICK_ERR_MALFORMED);
  }
  /* a negative and an oversized length */
  int32_t bad = -5;
  memcpy(b.p + 4 + 4, &bad, 4);
  CHECK(wick_tokenizer_load(&t, b.p, b.n, 0, &d) == WICK_ERR_MALFORMED);
  bad = 1 << 30;
  memcpy(b.p + 4 + 4, &bad, 4);
  CHECK(wick_tokenizer_load(&t, b.p, b.n, 0, &d) == WICK_ERR_MALFORMED);
  free(b.p);
}

/* ---- converter on a synthetic checkpoint vs a naive reference ------------------ */

typedef struct tiny {
  int dim, hid, L, H, KV, V, S, hs;
  float *w; /* weights after the header, in checkpoint order */
  const float *emb, *rms_att, *wq, *wk, *wv, *wo, *rms_ffn, *w1, *w2, *w3, *rms_final, *wcls;
} tiny;

static bytes_buf tiny_checkpoint(tiny *m) {
  m->dim = 8, m->hid = 12, m->L = 2, m->H = 4, m->KV = 2, m->V = 16, m->S = 10;
  m->hs = m->dim / m->H;
  int D = m->dim, Q = m->H * m->hs, K = m->KV * m->hs;
  size_t n = (size_t)m->V * D + m->L * D + (size_t)m->L * D * Q + 2 * (size_t)m->L * D * K +
             (size_t)m->L * Q * D + m->L * D + 3 * (size_t)m->L * m->hid * D + D +
             (size_t)m->S * m->hs + (size_t)m->V * D;
  m->w = malloc(n * sizeof(float));
  uint32_t st = 1;
  for (size_t i = 0; i < n; i++) {
    st = st * 1664525u + 1013904223u;
    m->w[i] = ((float)(st >> 8) / 16777216.0f - 0.5f) * 0.8f;
  }
  float *p = m->w;
  m->emb = p, p += m->V * D;
  m->rms_att = p, p += m->L * D;
  for (int i = 0; i < m->L * D; i++) ((float *)m->rms_att)[i] += 1.0f;
  m->wq = p, p += m->L * D * Q;
  m->wk = p, p += m->L * D * K;
  m->wv = p, p += m->L * D * K;
  m->wo = p, p += m->L * Q * D;
  m->rms_ffn = p, p += m->L * D;
  m->w1 = p, p += m->L * m->hid * D;
  m->w2 = p, p += m->L * D * m->hid;
  m->w3 = p, p += m->L * m->hid * D;
  m->rms_final = p, p += D;
  p += m->S * m->hs; /* freq_cis */
  m->wcls = p;
  bytes_buf b = {0};
  int32_t hdr[7] = {D, m->hid, m->L, m->H, m->KV, -m->V /* unshared */, m->S};
  put(&b, hdr, sizeof hdr);
  put(&b, m->w, n * sizeof(float));
  return b;
}

/* y[o] = sum_i W[o, i] x[i] for a row-major [out, in] matrix */
static void matvec(const float *W, const double *x, int out, int in, double *y) {
  for (int o = 0; o < out; o++) {
    double acc = 0;
    for (int i = 0; i < in; i++) acc += (double)W[o * in + i] * x[i];
    y[o] = acc;
  }
}

static void rmsn(const double *x, const float *g, int n, double *y) {
  double ss = 0;
  for (int i = 0; i < n; i++) ss += x[i] * x[i];
  double inv = 1.0 / sqrt(ss / n + 1e-5);
  for (int i = 0; i < n; i++) y[i] = g[i] * x[i] * inv;
}

/* One position of the naive model; kc/vc [L][S][KV*hs]. */
static void tiny_step(const tiny *m, int tok, int pos, double *kc, double *vc, double *logits) {
  enum { MAXW = 64 };
  int D = m->dim, hs = m->hs, Q = m->H * hs, K = m->KV * hs;
  double x[MAXW], h[MAXW], q[MAXW], k[MAXW], v[MAXW], o[MAXW], t[MAXW], a[MAXW], b[MAXW];
  for (int i = 0; i < D; i++) x[i] = m->emb[tok * D + i];
  for (int l = 0; l < m->L; l++) {
    rmsn(x, m->rms_att + l * D, D, h);
    matvec(m->wq + (size_t)l * Q * D, h, Q, D, q);
    matvec(m->wk + (size_t)l * K * D, h, K, D, k);
    matvec(m->wv + (size_t)l * K * D, h, K, D, v);
    double *rot[2] = {q, k};
    int width[2] = {Q, K};
    for (int r = 0; r < 2; r++)
      for (int j = 0; j < width[r]; j += 2) {
        double ang = pos * pow(10000.0, -(double)(j % hs) / hs);
        double x0 = rot[r][j], x1 = rot[r][j + 1];
        rot[r][j] = x0 * cos(ang) - x1 * sin(ang);
        rot[r][j + 1] = x0 * sin(ang) + x1 * cos(ang);
      }
    double *kl = kc + (size_t)l * m->S * K, *vl = vc + (size_t)l * m->S * K;
    memcpy(kl + pos * K, k, K * sizeof(double));
    memcpy(vl + pos * K, v, K * sizeof(double));
    for (int hh = 0; hh < m->H; hh++) {
      int g = hh / (m->H / m->KV);
      double sc[64], mx = -1e300, sum = 0;
      for (int u = 0; u <= pos; u++) {
        double s = 0;
        for (int i = 0; i < hs; i++) s += q[hh * hs + i] * kl[u * K + g * hs + i];
        sc[u] = s / sqrt(hs);
        if (sc[u] > mx) mx = sc[u];
      }
      for (int u = 0; u <= pos; u++) sum += (sc[u] = exp(sc[u] - mx));
      for (int i = 0; i < hs; i++) {
        double acc = 0;
        for (int u = 0; u <= pos; u++) acc += sc[u] / sum * vl[u * K + g * hs + i];
        o[hh * hs + i] = acc;
      }
    }
    matvec(m->wo + (size_t)l * D * Q, o, D, Q, t);
    for (int i = 0; i < D; i++) x[i] += t[i];
    rmsn(x, m->rms_ffn + l * D, D, h);
    matvec(m->w1 + (size_t)l * m->hid * D, h, m->hid, D, a);
    matvec(m->w3 + (size_t)l * m->hid * D, h, m->hid, D, b);
    for (int i = 0; i < m->hid; i++) a[i] = a[i] / (1 + exp(-a[i])) * b[i];
    matvec(m->w2 + (size_t)l * D * m->hid, a, D, m->hid, t);
    for (int i = 0; i < D; i++) x[i] += t[i];
  }
  rmsn(x, m->rms_final, D, h);
  matvec(m->wcls, h, m->V, D, logits);
}

static void *aligned_copy(const void *p, size_t n) {
  void *q = NULL;
  if (posix_memalign(&q, 64, n ? n : 1) != 0) return NULL;
  memcpy(q, p, n);
  return q;
}

static void test_convert_synthetic(void) {
  tiny m;
  bytes_buf ck = tiny_checkpoint(&m);
  wick_diag d = {0};
  uint8_t *pte = NULL;
  size_t n = 0;
  wick_llm_convert_options opt = {.max_prefill = 3};
  wick_status s = wick_llm_convert_llama2c_mem(ck.p, ck.n, &opt, &pte, &n, &d);
  CHECK_MSG(s == WICK_OK, "convert: %s", d.msg);
  if (s == WICK_OK) {
    void *img = aligned_copy(pte, n);
    wick_llm llm;
    s = wick_llm_load(&llm, img, n, &d);
    CHECK_MSG(s == WICK_OK, "load: %s", d.msg);
    if (s == WICK_OK) {
      CHECK(llm.vocab_size == 16 && llm.max_seq_len == 10 && llm.max_prefill == 3);
      CHECK(llm.bos_id == 1 && llm.eos_id == 2);
      double kc[2 * 10 * 4], vc[2 * 10 * 4], want[16];
      const int32_t toks[10] = {1, 5, 9, 15, 0, 3, 3, 7, 12, 2};
      /* feeds of 1, 4 (two chunks), 2, 1, 1, 1 tokens */
      const int feeds[6] = {1, 4, 2, 1, 1, 1};
      int pos = 0;
      for (int f = 0; f < 6; f++) {
        const float *logits = NULL;
        s = wick_llm_forward(&llm, toks + pos, (size_t)feeds[f], &logits, &d);
        CHECK_MSG(s == WICK_OK, "forward: %s", d.msg);
        if (s) break;
        for (int k = 0; k < feeds[f]; k++, pos++) tiny_step(&m, toks[pos], pos, kc, vc, want);
        for (int i = 0; i < 16; i++)
          CHECK_MSG(close_to(logits[i], want[i], 1e-4), "pos %d logit %d: %g vs %g", pos - 1, i,
                    (double)logits[i], want[i]);
      }
      /* the context is full: one more token is refused */
      const float *lg;
      CHECK(wick_llm_forward(&llm, toks, 1, &lg, &d) == WICK_ERR_INVALID_ARGUMENT);
      /* a new sequence reuses the cache */
      wick_llm_reset(&llm);
      CHECK(wick_llm_forward(&llm, toks, 3, &lg, &d) == WICK_OK);
      for (int p = 0; p < 3; p++) tiny_step(&m, toks[p], p, kc, vc, want);
      CHECK(close_to(lg[7], want[7], 1e-4));
      wick_llm_close(&llm);
    }
    free(img);
  }
  free(pte);

  /* q8: int8 weights (wick::linear_dq8, embedding_byte) track the fp32
   * reference; q4 is refused */
  opt.quantize = WICK_LLM_QUANT_Q8;
  s = wick_llm_convert_llama2c_mem(ck.p, ck.n, &opt, &pte, &n, &d);
  CHECK_MSG(s == WICK_OK, "convert q8: %s", d.msg);
  if (s == WICK_OK) {
    void *img = aligned_copy(pte, n);
    wick_llm llm;
    s = wick_llm_load(&llm, img, n, &d);
    CHECK_MSG(s == WICK_OK, "load q8: %s", d.msg);
    if (s == WICK_OK) {
      double kc[2 * 10 * 4], vc[2 * 10 * 4], want[16], sig = 0, noise = 0;
      const int32_t toks[6] = {1, 5, 9, 15, 0, 3};
      for (int p = 0; p < 6; p++) {
        const float *lg = NULL;
        s = wick_llm_forward(&llm, toks + p, 1, &lg, &d);
        CHECK_MSG(s == WICK_OK, "forward q8: %s", d.msg);
        if (s) break;
        tiny_step(&m, toks[p], p, kc, vc, want);
        for (int i = 0; i < 16; i++) {
          sig += want[i] * want[i];
          noise += (lg[i] - want[i]) * (lg[i] - want[i]);
        }
      }
      double db = 10 * log10(sig / (noise > 0 ? noise : 1e-30));
      CHECK_MSG(db >= 20, "tiny q8 logits SQNR %.1f dB", db);
      wick_llm_close(&llm);
    }
    free(img);
  }
  free(pte);
  pte = NULL;
  opt.quantize = WICK_LLM_QUANT_Q4;
  wick_diag_clear(&d);
  CHECK(wick_llm_convert_llama2c_mem(ck.p, ck.n, &opt, &pte, &n, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK(strstr(d.msg, "not implemented") != NULL);
  opt.quantize = 7;
  CHECK(wick_llm_convert_llama2c_mem(ck.p, ck.n, &opt, &pte, &n, &d) == WICK_ERR_INVALID_ARGUMENT);
  CHECK(pte == NULL);

  /* malformed checkpoints */
  pte = NULL;
  CHECK(wick_llm_convert_llama2c_mem(ck.p, 20, NULL, &pte, &n, &d) == WICK_ERR_MALFORMED);
  CHECK(wick_llm_convert_llama2c_mem(ck.p, ck.n - 4, NULL, &pte, &n, &d) == WICK_ERR_MALFORMED);
  int32_t saved;
  memcpy(&saved, ck.p + 12, 4);
  int32_t three = 3; /* dim 8 is not a multiple of 3 heads */
  memcpy(ck.p + 12, &three, 4);
  CHECK(wick_llm_convert_llama2c_mem(ck.p, ck.n, NULL, &pte, &n, &d) == WICK_ERR_MALFORMED);
  memcpy(ck.p + 12, &saved, 4);
  int32_t zero = 0;
  memcpy(ck.p, &zero, 4);
  CHECK(wick_llm_convert_llama2c_mem(ck.p, ck.n, NULL, &pte, &n, &d) == WICK_ERR_MALFORMED);
  int32_t huge = 0x7fffffff;
  memcpy(ck.p + 4, &huge, 4);
  CHECK(wick_llm_convert_llama2c_mem(ck.p, ck.n, NULL, &pte, &n, &d) == WICK_ERR_MALFORMED);
  CHECK(pte == NULL);
  free(ck.p);
  free(m.w);
}

/* ---- stories260K ----------------------------------------------------------------- */

typedef struct text_sink {
  char buf[4096];
  size_t n;
} text_sink;

static void sink_text(void *user, const char *s, size_t n) {
  text_sink *t = user;
  if (t->n + n < sizeof t->buf) {
    memcpy(t->buf + t->n, s, n);
    t->n += n;
    t->buf[t->n] = '\0';
  }
}

static uint8_t *convert_stories_q(const char *ckpt, int32_t max_prefill, int32_t quantize,
                                  size_t *n) {
  wick_diag d = {0};
  uint8_t *pte = NULL;
  wick_llm_convert_options opt = {.max_prefill = max_prefill, .quantize = quantize};
  wick_status s = wick_llm_convert_llama2c(ckpt, &opt, &pte, n, &d);
  CHECK_MSG(s == WICK_OK, "convert %s: %s", ckpt, d.msg);
  if (s) return NULL;
  void *img = aligned_copy(pte, *n);
  free(pte);
  return img;
}

static uint8_t *convert_stories(const char *ckpt, int32_t max_prefill, size_t *n) {
  return convert_stories_q(ckpt, max_prefill, WICK_LLM_QUANT_NONE, n);
}

static void test_metadata(const uint8_t *img, size_t n) {
  wick_program p;
  wick_diag d = {0};
  CHECK(wick_program_load(&p, img, n, &d) == WICK_OK);
  const struct {
    const char *name;
    int kind;
    int64_t v;
  } want[] = {{"get_vocab_size", WICK_VAL_INT, 512},   {"get_max_seq_len", WICK_VAL_INT, 512},
              {"get_max_context_len", WICK_VAL_INT, 512}, {"get_bos_id", WICK_VAL_INT, 1},
              {"get_eos_id", WICK_VAL_INT, 2},         {"get_n_layers", WICK_VAL_INT, 5},
              {"use_kv_cache", WICK_VAL_BOOL, 1},     {"enable_dynamic_shape", WICK_VAL_BOOL, 1}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    wick_loaded_method lm;
    wick_status s = wick_method_load_alloc(&p, want[i].name, &lm, &d);
    CHECK_MSG(s == WICK_OK, "%s: %s", want[i].name, d.msg);
    if (s) continue;
    CHECK(wick_method_num_inputs(lm.method) == 0 && wick_method_num_outputs(lm.method) == 1);
    CHECK(wick_method_execute(lm.method, &d) == WICK_OK);
    const wick_value *v = wick_method_output_value(lm.method, 0);
    CHECK_MSG(v && v->kind == want[i].kind &&
                  (v->kind == WICK_VAL_INT ? v->u.i == want[i].v : v->u.b == (want[i].v != 0)),
              "%s", want[i].name);
    wick_method_free(&lm);
  }
}

static void test_greedy(wick_llm *llm, const wick_tokenizer *tok) {
  wick_sampler s;
  wick_diag d = {0};
  CHECK(wick_sampler_init(&s, 512, 0.0f, 0.9f, 1, &d) == WICK_OK);
  text_sink sink = {{0}, 0};
  wick_generate_options o = {.max_new_tokens = 60, .on_text = sink_text, .user = &sink};
  wick_generate_stats st;
  wick_status rc = wick_llm_generate(llm, tok, &s, "", &o, &st, &d);
  CHECK_MSG(rc == WICK_OK, "generate: %s", d.msg);
  const char *want =
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
      "park. One day, she saw a big, red ball.";
  CHECK_MSG(strncmp(sink.buf, want, strlen(want)) == 0, "greedy text: '%s'", sink.buf);
  CHECK(st.generated_tokens == 60 && st.prompt_tokens == 1 && st.stop == WICK_STOP_LENGTH);

  /* the ids match ref_llama2c.py --greedy 40 */
  const int32_t ref[40] = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317,
                           426, 338, 401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282,
                           295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352};
  int32_t ids[40];
  const int32_t bos = 1;
  o.on_text = NULL;
  o.max_new_tokens = 40;
  rc = wick_llm_generate_tokens(llm, &s, &bos, 1, &o, ids, 40, &st, &d);
  CHECK_MSG(rc == WICK_OK, "generate_tokens: %s", d.msg);
  CHECK(memcmp(ids, ref, sizeof ref) == 0);
  wick_sampler_free(&s);
}

static void test_logits(const char *ckpt) {
  /* the source tree: WICK_SOURCE_DIR (ctest sets it), else from __FILE__ */
  char srcdir[1024];
  const char *dir = getenv("WICK_SOURCE_DIR");
  if (dir == NULL) {
    const char *tail = strstr(__FILE__, "tests/unit/test_llm.c");
    size_t n = tail ? (size_t)(tail - __FILE__) : 0;
    if (n == 0 || n >= sizeof srcdir) {
      snprintf(srcdir, sizeof srcdir, ".");
    } else {
      memcpy(srcdir, __FILE__, n - 1);
      srcdir[n - 1] = '\0';
    }
    dir = srcdir;
  }
  char p_tok[1200], p_pos[1200], p_log[1200];
  snprintf(p_tok, sizeof p_tok, "%s/tests/llm/stories260K_tokens.npy", dir);
  snprintf(p_pos, sizeof p_pos, "%s/tests/llm/stories260K_positions.npy", dir);
  snprintf(p_log, sizeof p_log, "%s/tests/llm/stories260K_logits.npy", dir);
  wick_tensor ttok, tpos, tlog;
  wick_diag d = {0};
  if (wick_npy_load(p_tok, &ttok, &d) || wick_npy_load(p_pos, &tpos, &d) ||
      wick_npy_load(p_log, &tlog, &d)) {
    CHECK_MSG(0, "reference logits: %s (set WICK_SOURCE_DIR)", d.msg);
    return;
  }
  const int64_t *toks64 = ttok.data, *pos = tpos.data;
  const float *ref = tlog.data;
  size_t ntok = wick_tensor_numel(&ttok), npos = wick_tensor_numel(&tpos);
  CHECK(ntok == 64 && tlog.sizes[1] == 512 && (size_t)tlog.sizes[0] == npos);
  int32_t toks[64];
  for (size_t i = 0; i < 64 && i < ntok; i++) toks[i] = (int32_t)toks64[i];

  /* Two programs: prefill bound 256 (feeds up to the next checked position in
   * one forward, so prefill and decode both produce checked logits) and
   * bound 4 (whole prefix in one call, chunked by the runner). */
  for (int variant = 0; variant < 2; variant++) {
    size_t n;
    uint8_t *img = convert_stories(ckpt, variant == 0 ? 0 : 4, &n);
    if (img == NULL) return;
    wick_llm llm;
    wick_status s = wick_llm_load(&llm, img, n, &d);
    CHECK_MSG(s == WICK_OK, "load: %s", d.msg);
    double worst = 0;
    for (size_t k = 0; s == WICK_OK && k < npos; k++) {
      const float *lg = NULL;
      if (variant == 0) {
        /* alternate: one forward up to pos[k], then single tokens */
        int64_t target = pos[k];
        while (llm.pos <= target && s == WICK_OK) {
          size_t take = (k % 2 == 0) ? (size_t)(target - llm.pos + 1) : 1;
          s = wick_llm_forward(&llm, toks + llm.pos, take, &lg, &d);
        }
      } else {
        wick_llm_reset(&llm);
        s = wick_llm_forward(&llm, toks, (size_t)pos[k] + 1, &lg, &d);
      }
      CHECK_MSG(s == WICK_OK, "forward: %s", d.msg);
      if (s) break;
      for (int i = 0; i < 512; i++) {
        double want = ref[k * 512 + (size_t)i], err = fabs(lg[i] - want) / (1.0 + fabs(want));
        if (err > worst) worst = err;
        CHECK_MSG(err <= 1e-4, "variant %d pos %lld logit %d: %g vs %g", variant,
                  (long long)pos[k], i, (double)lg[i], want);
      }
    }
    fprintf(stderr, "stories260K logits (max_prefill %s): %zu positions, worst rel err %.2e\n",
            variant == 0 ? "256" : "4", npos, worst);
    if (s == WICK_OK) wick_llm_close(&llm);
    free(img);
  }
  free(ttok.data);
  free(tpos.data);
  free(tlog.data);
}

/* Known answers from tests/llm/ref_tokenizer.py --c (tok512.bin). */
static const struct {
  const char *text;
  size_t n;
  int32_t ids[48];
} kTok512[] = {
    {"", 1, {1}},
    {"a", 2, {1, 261}},
    {"Once upon a time", 5, {1, 403, 407, 261, 378}},
    {"Once upon a time, there was a little girl named Lily.", 16, {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426}},
    {"Hello, world!", 9, {1, 346, 306, 414, 432, 263, 304, 341, 443}},
    {"  two  spaces\011and a tab\012", 20, {1, 410, 410, 259, 424, 414, 410, 262, 427, 412, 331, 419, 12, 412, 264, 261, 259, 412, 430, 13}},
    {"caf\303\251 na\303\257ve \346\227\245\346\234\254", 17, {1, 280, 412, 431, 485, 297, 412, 198, 178, 360, 410, 233, 154, 168, 233, 159, 175}},
    {"\360\237\230\200 emoji", 11, {1, 410, 243, 162, 155, 131, 344, 423, 414, 449, 417}},
    {"The quick brown fox jumps over the lazy dog 0123456789", 40, {1, 291, 410, 456, 425, 417, 340, 268, 420, 327, 416, 272, 414, 444, 410, 449, 425, 423, 427, 419, 334, 330, 265, 278, 412, 451, 422, 400, 428, 410, 477, 475, 479, 472, 484, 480, 490, 491, 487, 483}},
};

static void test_tok512(const wick_tokenizer *t) {
  CHECK(t->vocab_size == 512);
  for (size_t c = 0; c < sizeof kTok512 / sizeof kTok512[0]; c++) {
    expect_ids(t, kTok512[c].text, true, false, kTok512[c].ids, kTok512[c].n);
    /* decoding gives the text back */
    char back[512];
    size_t bn = 0;
    for (size_t i = 1; i < kTok512[c].n; i++) {
      size_t len;
      const char *p = wick_tokenizer_decode(t, kTok512[c].ids[i - 1], kTok512[c].ids[i], &len);
      if (bn + len < sizeof back) memcpy(back + bn, p, len);
      bn += len;
    }
    CHECK_MSG(bn == strlen(kTok512[c].text) && memcmp(back, kTok512[c].text, bn) == 0,
              "round trip of '%s'", kTok512[c].text);
  }
  int32_t ids[8];
  size_t n;
  wick_diag d = {0};
  CHECK(wick_tokenizer_encode(t, "x", true, true, ids, 8, &n, &d) == WICK_OK);
  CHECK(n >= 3 && ids[0] == 1 && ids[n - 1] == 2);
}

/* (d) after load, prefill + decode + sampling allocate nothing */
static void test_no_alloc(wick_llm *llm) {
#ifdef LLM_COUNT_ALLOCS
  wick_sampler s;
  wick_diag d = {0};
  CHECK(wick_sampler_init(&s, 512, 0.8f, 0.9f, 5, &d) == WICK_OK);
  const int32_t prompt[4] = {1, 403, 407, 261};
  int32_t out[64];
  wick_generate_options o = {.max_new_tokens = 64, .ignore_eos = true};
  wick_generate_stats st;
  g_allocations = 0;
  g_counting = 1;
  wick_status rc = wick_llm_generate_tokens(llm, &s, prompt, 4, &o, out, 64, &st, &d);
  g_counting = 0;
  CHECK_MSG(rc == WICK_OK, "%s", d.msg);
  CHECK_MSG(g_allocations == 0, "%ld allocator calls while generating", (long)g_allocations);
  CHECK(st.generated_tokens == 64);
  fprintf(stderr, "generate: 4-token prefill + 64 tokens, %ld allocator calls\n", (long)g_allocations);
  wick_sampler_free(&s);
#else
  (void)llm;
  fprintf(stderr, "allocation counting unavailable here (sanitizer / non-glibc)\n");
#endif
}

/* ---- stories260K with int8 weights (--quantize q8) --------------------------------- */

/* A fixed TinyStories-style text (not generated by the model): ~200 tokens
 * of tok512, scored teacher-forced. */
static const char kStory[] =
    "Once upon a time, there was a little boy named Tom. Tom liked to play with his red ball "
    "in the garden. One day, the ball rolled under a big tree. Tom was sad because he could "
    "not reach it. His mom saw him and said, \"Do not worry, I will help you.\" She took a "
    "long stick and pushed the ball out. Tom was very happy. He gave his mom a big hug and "
    "said, \"Thank you, Mom!\" Then they played together in the sun until it was time for "
    "dinner. That night, Tom went to bed with a smile.";

/* Mean negative log-likelihood (nats) of tokens[1..n) given their prefixes,
 * one token per forward; the logits of every position go to all (n - 1
 * rows of vocab) when non-NULL. */
static double story_nll(wick_llm *llm, const int32_t *toks, size_t n, float *all) {
  wick_diag d = {0};
  wick_llm_reset(llm);
  double nll = 0;
  size_t v = (size_t)llm->vocab_size;
  for (size_t p = 0; p + 1 < n; p++) {
    const float *lg = NULL;
    wick_status s = wick_llm_forward(llm, toks + p, 1, &lg, &d);
    CHECK_MSG(s == WICK_OK, "forward: %s", d.msg);
    if (s) return NAN;
    double mx = lg[0], sum = 0;
    for (size_t i = 1; i < v; i++) mx = lg[i] > mx ? lg[i] : mx;
    for (size_t i = 0; i < v; i++) sum += exp(lg[i] - mx);
    nll += -(lg[toks[p + 1]] - mx - log(sum));
    if (all) memcpy(all + p * v, lg, v * sizeof(float));
  }
  return nll / (double)(n - 1);
}

static bool has_bytes(const uint8_t *p, size_t n, const char *s) {
  size_t k = strlen(s);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(p + i, s, k) == 0) return true;
  return false;
}

static void test_q8(const char *ckpt, const wick_tokenizer *tok) {
  size_t n32 = 0, n8 = 0;
  uint8_t *i32 = convert_stories(ckpt, 0, &n32);
  uint8_t *i8 = convert_stories_q(ckpt, 0, WICK_LLM_QUANT_Q8, &n8);
  if (i32 == NULL || i8 == NULL) {
    free(i32);
    free(i8);
    return;
  }
  /* the program is >= 3x smaller (weights 4 -> ~1 byte; the rest is the same) */
  CHECK_MSG(n32 >= 3 * n8, "q8 program %zu bytes vs fp32 %zu", n8, n32);
  /* its linears are linear_dq8 and its embedding embedding_byte: no aten::mm left */
  CHECK(has_bytes(i8, n8, "wick::linear_dq8"));
  CHECK(has_bytes(i8, n8, "quantized_decomposed::embedding_byte"));
  CHECK(!has_bytes(i8, n8, "aten::mm") && has_bytes(i32, n32, "aten::mm"));
  wick_llm a, b;
  wick_diag d = {0};
  wick_status s = wick_llm_load(&a, i32, n32, &d);
  CHECK_MSG(s == WICK_OK, "load fp32: %s", d.msg);
  if (s == WICK_OK) {
    s = wick_llm_load(&b, i8, n8, &d);
    CHECK_MSG(s == WICK_OK, "load q8: %s", d.msg);
    if (s != WICK_OK) wick_llm_close(&a);
  }
  if (s == WICK_OK) {
    int32_t toks[512];
    size_t nt = 0;
    s = wick_tokenizer_encode(tok, kStory, true, false, toks, 512, &nt, &d);
    CHECK_MSG(s == WICK_OK, "encode: %s", d.msg);
    if (nt > 201) nt = 201; /* BOS + 200 */
    float *la = malloc(nt * 512 * sizeof(float)), *lb = malloc(nt * 512 * sizeof(float));
    double nll32 = story_nll(&a, toks, nt, la), nll8 = story_nll(&b, toks, nt, lb);
    double sig = 0, noise = 0, maxd = 0;
    size_t agree = 0;
    for (size_t p = 0; p + 1 < nt; p++) {
      size_t am = 0, bm = 0;
      for (size_t i = 0; i < 512; i++) {
        double x = la[p * 512 + i], y = lb[p * 512 + i];
        sig += x * x;
        noise += (x - y) * (x - y);
        if (fabs(x - y) > maxd) maxd = fabs(x - y);
        if (x > la[p * 512 + am]) am = i;
        if (y > lb[p * 512 + bm]) bm = i;
      }
      agree += am == bm;
    }
    double db = 10 * log10(sig / noise);
    fprintf(stderr,
            "stories260K q8 vs fp32 over %zu teacher-forced positions: logits SQNR %.1f dB, max "
            "|diff| %.4f, argmax agrees %zu/%zu; mean NLL fp32 %.4f (ppl %.3f), q8 %.4f (ppl "
            "%.3f); program %zu -> %zu bytes (%.2fx)\n",
            nt - 1, db, maxd, agree, nt - 1, nll32, exp(nll32), nll8, exp(nll8), n32, n8,
            (double)n32 / (double)n8);
    CHECK_MSG(nt >= 150, "story is %zu tokens", nt);
    CHECK_MSG(db >= 25, "q8 logits SQNR %.1f dB < 25", db);
    CHECK_MSG(nll8 < nll32 * 1.05 + 0.01, "q8 NLL %.4f vs fp32 %.4f", nll8, nll32);
    free(la);
    free(lb);

    /* greedy text stays sensible (the fp32 story's opening) */
    wick_sampler sm;
    CHECK(wick_sampler_init(&sm, 512, 0.0f, 0.9f, 1, &d) == WICK_OK);
    text_sink sink = {{0}, 0};
    wick_generate_options o = {.max_new_tokens = 40, .on_text = sink_text, .user = &sink};
    wick_generate_stats st;
    wick_llm_reset(&b);
    s = wick_llm_generate(&b, tok, &sm, "", &o, &st, &d);
    CHECK_MSG(s == WICK_OK, "generate q8: %s", d.msg);
    const char *want = "Once upon a time, there was a little girl named Lily.";
    CHECK_MSG(strncmp(sink.buf, want, strlen(want)) == 0, "q8 greedy text: '%s'", sink.buf);
    wick_sampler_free(&sm);
    test_no_alloc(&b);
    wick_llm_close(&a);
    wick_llm_close(&b);
  }
  free(i32);
  free(i8);
}

int main(void) {
  test_rms_norm();
  test_rope();
  test_swiglu();
  test_sdpa();
  test_sampler();
  test_tokenizer_synthetic();
  test_convert_synthetic();

  const char *ckpt = shared_path("llm/stories260K.bin");
  const char *tokp = shared_path("llm/tok512.bin");
  if (!file_exists(ckpt) || !file_exists(tokp)) {
    fprintf(stderr, "test_llm: %s not found; skipping the stories260K checks\n", ckpt);
    if (wick_test_failures) return test_finish("test_llm");
    return WICK_TEST_SKIP;
  }
  wick_diag d = {0};
  wick_tokenizer tok;
  wick_status s = wick_tokenizer_load_file(&tok, tokp, 512, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (s == WICK_OK) test_tok512(&tok);

  size_t n;
  uint8_t *img = convert_stories(ckpt, 0, &n);
  if (img) {
    test_metadata(img, n);
    wick_llm llm;
    s = wick_llm_load(&llm, img, n, &d);
    CHECK_MSG(s == WICK_OK, "load: %s", d.msg);
    if (s == WICK_OK) {
      if (tok.vocab_size == 512) test_greedy(&llm, &tok);
      test_no_alloc(&llm);
      wick_llm_close(&llm);
    }
    free(img);
  }
  test_logits(ckpt);
  if (tok.vocab_size == 512) test_q8(ckpt, &tok);
  if (tok.vocab_size) wick_tokenizer_free(&tok);
  return test_finish("test_llm");
}
