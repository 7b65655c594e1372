/* llama2.c checkpoint -> ExecuTorch program (.pte).
 *
 * Checkpoint: 7 x int32 {dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size (negative: unshared classifier), seq_len}, then float32 weights:
 * token_embedding (vocab, dim), rms_att (L, dim), wq (L, dim, n_heads*hs),
 * wk (L, dim, n_kv*hs), wv (L, dim, n_kv*hs), wo (L, n_heads*hs, dim),
 * rms_ffn (L, dim), w1 (L, hidden, dim), w2 (L, dim, hidden), w3 (L, hidden, dim),
 * rms_final (dim), freq_cis real/imag (seq_len, hs/2) each (skipped), and the
 * classifier (vocab, dim) when unshared. Each matrix W is [out, in] row-major
 * (y = W x); the program stores W^T [in, out] so that y = x @ W^T is one
 * aten::mm.out.
 *
 * Method "forward" (T = rows of tokens, P = max_prefill, S = seq_len):
 *   x3 = aten::embedding.out(tok_emb, tokens)                  [1, T, dim]
 *   x  = aten::view_copy.out(x3, [-1, dim])                    [T, dim]
 *   per layer l:
 *     h = wick::rms_norm.out(x, rms_att[l], eps)
 *     q, k, v = aten::mm.out(h, wq^T / wk^T / wv^T)
 *     q, k = wick::rope.out(q / k, input_pos, hs, theta)       (in place)
 *     a = wick::sdpa_with_kv_cache.out(q, k, v, k_cache[l], v_cache[l], input_pos, H, KV)
 *     x = aten::add.out(x, aten::mm.out(a, wo^T))              (in place)
 *     h = wick::rms_norm.out(x, rms_ffn[l], eps)
 *     g = wick::swiglu.out(aten::mm.out(h, w1^T), aten::mm.out(h, w3^T))
 *     x = aten::add.out(x, aten::mm.out(g, w2^T))              (in place)
 *   xl = aten::slice_copy.Tensor_out(x, 0, -1, None, 1)         [1, dim]
 *   logits = aten::mm.out(wick::rms_norm.out(xl, rms_final), wcls^T)   [1, vocab]
 * Activations are DYNAMIC_BOUND [P, ...] tensors in arena 1, shared by every
 * layer; the caches are static tensors in arena 2.
 *
 * With opt->quantize = WICK_LLM_QUANT_Q8 each aten::mm.out(h, W^T) is
 * wick::linear_dq8.out(h, Wq, scale, sum, None) over W quantized by the
 * --quantize int8-dynamic pass's own helper (wc_dq8_pack, read straight from
 * the [out, in] source, no transpose), and the embedding is
 * quantized_decomposed::embedding_byte.out over wc_quantize_rows_int8's table.
 */
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "compiler/quant.h"
#include "kernels/quantized/linear_dq8.h"
#include "wick/llm.h"
#include "wick/tensor.h"
#include "wick/util.h"

#define HEADER_BYTES 28
/* Upper bound on any single dimension (keeps every product in range). */
#define MAX_DIM_SIZE (1 << 20)

static int32_t rd_i32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Floats of weights before rms_final + rms_final itself, and the offsets we
 * need (all in floats, from the first weight). */
typedef struct ckpt_layout {
  uint64_t emb, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq, wcls, end;
} ckpt_layout;

static void layout_of(const wick_llama2c_config *c, ckpt_layout *l) {
  uint64_t dim = (uint64_t)c->dim, hid = (uint64_t)c->hidden_dim, L = (uint64_t)c->n_layers;
  uint64_t hs = dim / (uint64_t)c->n_heads;
  uint64_t qd = (uint64_t)c->n_heads * hs, kvd = (uint64_t)c->n_kv_heads * hs;
  uint64_t V = (uint64_t)c->vocab_size, S = (uint64_t)c->seq_len;
  uint64_t o = 0;
  l->emb = o; o += V * dim;
  l->rms_att = o; o += L * dim;
  l->wq = o; o += L * dim * qd;
  l->wk = o; o += L * dim * kvd;
  l->wv = o; o += L * dim * kvd;
  l->wo = o; o += L * qd * dim;
  l->rms_ffn = o; o += L * dim;
  l->w1 = o; o += L * hid * dim;
  l->w2 = o; o += L * dim * hid;
  l->w3 = o; o += L * hid * dim;
  l->rms_final = o; o += dim;
  l->freq = o; o += S * hs; /* real and imag, (seq_len, hs/2) each */
  l->wcls = c->shared_classifier ? l->emb : o;
  if (!c->shared_classifier) o += V * dim;
  /* a shared classifier needs nothing past rms_final */
  l->end = c->shared_classifier ? l->freq : o;
}

wick_status wick_llama2c_parse_header(const void *data, size_t size, wick_llama2c_config *cfg,
                                      wick_diag *d) {
  if (data == NULL || cfg == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "llama2.c header: NULL argument");
  if (size < HEADER_BYTES)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "llama2.c checkpoint: %zu bytes is shorter than the 28-byte header", size);
  const uint8_t *p = data;
  wick_llama2c_config c;
  c.dim = rd_i32(p);
  c.hidden_dim = rd_i32(p + 4);
  c.n_layers = rd_i32(p + 8);
  c.n_heads = rd_i32(p + 12);
  c.n_kv_heads = rd_i32(p + 16);
  c.vocab_size = rd_i32(p + 20);
  c.seq_len = rd_i32(p + 24);
  c.shared_classifier = c.vocab_size > 0;
  if (c.vocab_size < 0) c.vocab_size = c.vocab_size == INT32_MIN ? 0 : -c.vocab_size;
  const int32_t vals[7] = {c.dim, c.hidden_dim, c.n_layers, c.n_heads,
                           c.n_kv_heads, c.vocab_size, c.seq_len};
  static const char *const names[7] = {"dim", "hidden_dim", "n_layers", "n_heads",
                                       "n_kv_heads", "vocab_size", "seq_len"};
  for (int i = 0; i < 7; i++)
    if (vals[i] <= 0 || vals[i] > MAX_DIM_SIZE)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "llama2.c checkpoint: %s %d is out of range",
                           names[i], (int)vals[i]);
  if (c.dim % c.n_heads != 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "llama2.c checkpoint: dim %d is not a multiple of n_heads %d", (int)c.dim,
                         (int)c.n_heads);
  if (c.n_heads % c.n_kv_heads != 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "llama2.c checkpoint: n_heads %d is not a multiple of n_kv_heads %d",
                         (int)c.n_heads, (int)c.n_kv_heads);
  if ((c.dim / c.n_heads) % 2 != 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "llama2.c checkpoint: head size %d is odd",
                         (int)(c.dim / c.n_heads));
  if (c.n_layers > 4096)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "llama2.c checkpoint: %d layers is implausible",
                         (int)c.n_layers);
  ckpt_layout l;
  layout_of(&c, &l);
  uint64_t avail = (uint64_t)(size - HEADER_BYTES) / 4;
  if (l.end > avail)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "llama2.c checkpoint: the header (dim %d, hidden %d, %d layers, %d/%d "
                         "heads, vocab %d, seq_len %d) needs %llu bytes of weights, the file has %llu",
                         (int)c.dim, (int)c.hidden_dim, (int)c.n_layers, (int)c.n_heads,
                         (int)c.n_kv_heads, (int)c.vocab_size, (int)c.seq_len,
                         (unsigned long long)(l.end * 4), (unsigned long long)(avail * 4));
  /* Every tensor the program holds must stay below 2^31 elements. */
  uint64_t big = (uint64_t)c.vocab_size * (uint64_t)c.dim;
  uint64_t ffn = (uint64_t)c.hidden_dim * (uint64_t)c.dim;
  if (big > INT32_MAX || ffn > INT32_MAX || (uint64_t)c.dim * (uint64_t)c.dim > INT32_MAX)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "llama2.c checkpoint: matrices too large");
  *cfg = c;
  return WICK_OK;
}

bool wick_llm_is_llama2c_checkpoint(const char *path) {
  wick_file f;
  if (path == NULL || wick_file_open(&f, path, NULL) != WICK_OK) return false;
  wick_llama2c_config c;
  bool ok = wick_llama2c_parse_header(f.data, f.size, &c, NULL) == WICK_OK;
  wick_file_close(&f);
  return ok;
}

/* ---- emission ------------------------------------------------------------------ */

typedef struct emitter {
  wick_pte_writer *w;
  wick_llm_weight_fn fn;
  void *user;
  wick_diag *d;
  float *src;           /* a weight as the source gives it ([out, in] row-major)  */
  float *tmp;           /* its transpose                                          */
  wick_status err;      /* first failure (the source's, or WICK_ERR_MEMORY)       */
} emitter;

static bool fetch(emitter *e, wick_llm_weight which, int32_t layer, size_t n) {
  if (e->err) return false;
  wick_status s = e->fn(e->user, which, layer, e->src, n, e->d);
  if (s) {
    e->err = s;
    return false;
  }
  return true;
}

static uint32_t add_bytes(emitter *e, const void *p, size_t bytes) {
  if (e->err) return 0;
  uint32_t k = wick_pte_add_constant(e->w, p, bytes);
  if (k == 0) e->err = wick_diag_set(e->d, WICK_ERR_MEMORY, "convert: out of memory");
  return k;
}

static uint32_t add_const(emitter *e, const float *p, size_t n) { return add_bytes(e, p, n * 4); }

/* Adds a weight (vector or row-major block) as it is. */
static uint32_t add_block(emitter *e, wick_llm_weight which, int32_t layer, size_t n) {
  if (!fetch(e, which, layer, n)) return 0;
  return add_const(e, e->src, n);
}

/* Adds W^T ([in, out]) of the row-major [out, in] = [rows, cols] weight. */
static uint32_t add_transposed(emitter *e, wick_llm_weight which, int32_t layer, int32_t rows,
                               int32_t cols) {
  if (!fetch(e, which, layer, (size_t)rows * (size_t)cols)) return 0;
  for (int32_t r = 0; r < rows; r++)
    for (int32_t c = 0; c < cols; c++)
      e->tmp[(size_t)c * (size_t)rows + (size_t)r] = e->src[(size_t)r * (size_t)cols + (size_t)c];
  return add_const(e, e->tmp, (size_t)rows * (size_t)cols);
}

static int const_tensor(wick_pte_method *m, uint32_t buf, int32_t d0, int32_t d1) {
  int32_t sz[2] = {d0, d1};
  return wick_pte_const_tensor(m, WICK_F32, d1 > 0 ? 2 : 1, sz, buf);
}

/* A linear y = x W^T of the row-major [out, in] = [rows, cols] weight: the
 * right operand of aten::mm.out (W^T, float32), or with q8 the weight, scale
 * and sum tensors of wick::linear_dq8.out (wc_dq8_pack: the int8-dynamic
 * pass's layout). */
typedef struct linear_w {
  int w, scale, sum;
} linear_w;

static linear_w add_linear(emitter *e, wick_pte_method *m, bool q8, wick_llm_weight which,
                           int32_t layer, int32_t rows, int32_t cols) {
  linear_w r = {0, 0, 0};
  if (!q8) {
    r.w = const_tensor(m, add_transposed(e, which, layer, rows, cols), cols, rows);
    return r;
  }
  if (!fetch(e, which, layer, (size_t)rows * (size_t)cols)) return r;
  size_t pb = wc_dq8_packed_bytes(cols, rows);
  int8_t *packed = calloc(pb, 1);
  float *scale = malloc((size_t)rows * sizeof(float));
  int32_t *sum = malloc((size_t)rows * sizeof(int32_t));
  if (packed && scale && sum) {
    wc_dq8_pack(e->src, cols, rows, 1, cols, packed, scale, sum);
    int32_t wd[4] = {(rows + WQ_DQ8_NB - 1) / WQ_DQ8_NB, (cols + WQ_DQ8_KB - 1) / WQ_DQ8_KB,
                     WQ_DQ8_NB, WQ_DQ8_KB};
    r.w = wick_pte_const_tensor(m, WICK_I8, 4, wd, add_bytes(e, packed, pb));
    r.scale = wick_pte_const_tensor(m, WICK_F32, 1, &rows, add_const(e, scale, (size_t)rows));
    r.sum = wick_pte_const_tensor(m, WICK_I32, 1, &rows,
                                  add_bytes(e, sum, (size_t)rows * sizeof(int32_t)));
  } else if (!e->err) {
    e->err = wick_diag_set(e->d, WICK_ERR_MEMORY, "convert: out of memory");
  }
  free(packed);
  free(scale);
  free(sum);
  return r;
}

/* out = in @ W^T (aten::mm.out) or wick::linear_dq8.out(in, W..., None, out). */
static void linear(wick_pte_method *m, bool q8, int in, const linear_w *w, int none, int out) {
  if (q8)
    wick_pte_kernel_named(m, "wick::linear_dq8", "out",
                          (const int32_t[]){in, w->w, w->scale, w->sum, none, out}, 6);
  else
    wick_pte_kernel_named(m, "aten::mm", "out", (const int32_t[]){in, w->w, out}, 3);
}

/* Bump planner over one arena (64-byte aligned offsets). */
typedef struct planner {
  uint32_t id;
  uint64_t used;
} planner;

static int planned(wick_pte_method *m, planner *p, int dtype, uint32_t dim, const int32_t *sizes,
                   bool dynamic) {
  uint64_t bytes = wick_dtype_size(dtype);
  for (uint32_t i = 0; i < dim; i++) bytes *= (uint64_t)sizes[i];
  wick_pte_tensor_desc t = {.scalar_type = dtype,
                            .dim = dim,
                            .sizes = sizes,
                            .memory_id = p->id,
                            .memory_offset = p->used,
                            .shape_dynamism = dynamic ? WICK_SHAPE_DYNAMIC_BOUND
                                                      : WICK_SHAPE_STATIC};
  p->used += (bytes + 63) & ~(uint64_t)63;
  return wick_pte_tensor(m, &t);
}

static void const_int_method(wick_pte_writer *w, const char *name, int64_t v) {
  wick_pte_method *m = wick_pte_add_method(w, name);
  int32_t out = wick_pte_int(m, v);
  wick_pte_set_outputs(m, &out, 1);
}

static void const_bool_method(wick_pte_writer *w, const char *name, bool v) {
  wick_pte_method *m = wick_pte_add_method(w, name);
  int32_t out = wick_pte_bool(m, v);
  wick_pte_set_outputs(m, &out, 1);
}

static void kernel(wick_pte_method *m, const char *name, const char *overload,
                   const int32_t *args, uint32_t n) {
  wick_pte_kernel_named(m, name, overload, args, n);
}

wick_status wick_llm_build_program(const wick_llama2c_config *cfg,
                                   const wick_llm_convert_options *opt, wick_llm_weight_fn fn,
                                   void *user, uint8_t **pte, size_t *pte_size, wick_diag *d) {
  if (pte == NULL || pte_size == NULL || cfg == NULL || opt == NULL || fn == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: NULL argument");
  *pte = NULL;
  *pte_size = 0;
  wick_llama2c_config c = *cfg;
  wick_llm_convert_options o = *opt;
  const int32_t vals[7] = {c.dim, c.hidden_dim, c.n_layers, c.n_heads,
                           c.n_kv_heads, c.vocab_size, c.seq_len};
  for (int i = 0; i < 7; i++)
    if (vals[i] <= 0 || vals[i] > MAX_DIM_SIZE)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: model size %d out of range",
                           (int)vals[i]);
  if (c.dim % c.n_heads != 0 || c.n_heads % c.n_kv_heads != 0 || (c.dim / c.n_heads) % 2 != 0 ||
      c.n_layers > 4096)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "convert: dim %d / %d heads / %d kv heads / %d layers do not fit",
                         (int)c.dim, (int)c.n_heads, (int)c.n_kv_heads, (int)c.n_layers);
  if ((uint64_t)c.vocab_size * (uint64_t)c.dim > INT32_MAX ||
      (uint64_t)c.hidden_dim * (uint64_t)c.dim > INT32_MAX ||
      (uint64_t)c.dim * (uint64_t)c.dim > INT32_MAX)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "convert: matrices too large");
  if (o.max_prefill < 0 || o.max_seq_len < 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "convert: max_prefill %d / max_seq_len %d is negative",
                         (int)o.max_prefill, (int)o.max_seq_len);
  if (o.max_seq_len > 0 && o.max_seq_len < c.seq_len) c.seq_len = o.max_seq_len;
  if (o.max_prefill == 0) o.max_prefill = c.seq_len < 256 ? c.seq_len : 256;
  if (o.max_prefill > c.seq_len) o.max_prefill = c.seq_len;
  if (o.rope_theta == 0) o.rope_theta = 10000.0;
  if (o.norm_eps == 0) o.norm_eps = 1e-5;
  if (!(o.rope_theta > 0) || !(o.norm_eps > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: rope_theta and norm_eps must be > 0");
  if (o.quantize == WICK_LLM_QUANT_Q4)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "convert: 4-bit (q4) weights are not implemented yet; use q8");
  if (o.quantize != WICK_LLM_QUANT_NONE && o.quantize != WICK_LLM_QUANT_Q8)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: unknown quantize mode %d",
                         (int)o.quantize);
  const bool q8 = o.quantize == WICK_LLM_QUANT_Q8;
  if (q8 && (c.dim > WQ_DQ8_MAX_K || c.hidden_dim > WQ_DQ8_MAX_K))
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "convert: q8 linears take at most %d inputs (dim %d, hidden %d)",
                         WQ_DQ8_MAX_K, (int)c.dim, (int)c.hidden_dim);
  if (o.bos_id < 0 || o.bos_id >= c.vocab_size || o.eos_id < 0 || o.eos_id >= c.vocab_size)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "convert: bos_id %lld / eos_id %lld outside the vocabulary of %d",
                         (long long)o.bos_id, (long long)o.eos_id, (int)c.vocab_size);

  const int32_t D = c.dim, HID = c.hidden_dim, L = c.n_layers, H = c.n_heads, KV = c.n_kv_heads;
  const int32_t V = c.vocab_size, S = c.seq_len, P = o.max_prefill;
  const int32_t HS = D / H, QD = H * HS, KVD = KV * HS;

  /* Activation arena: P rows of the widest layer; the caches: 2 L S KVD floats. */
  uint64_t cache_bytes = 2ull * (uint64_t)L * (uint64_t)S * (uint64_t)KVD * 4ull;
  if (cache_bytes > ((uint64_t)1 << 40))
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "convert: the KV cache would need %llu bytes",
                         (unsigned long long)cache_bytes);

  emitter e = {0};
  e.fn = fn;
  e.user = user;
  e.d = d;
  uint64_t biggest = (uint64_t)V * D;
  uint64_t cand[3] = {(uint64_t)HID * D, (uint64_t)QD * D, (uint64_t)D};
  for (int i = 0; i < 3; i++)
    if (cand[i] > biggest) biggest = cand[i];
  e.src = malloc((size_t)biggest * 4);
  e.tmp = malloc((size_t)biggest * 4);
  e.w = wick_pte_writer_new();
  if (e.src == NULL || e.tmp == NULL || e.w == NULL) {
    free(e.src);
    free(e.tmp);
    wick_pte_writer_free(e.w);
    return wick_diag_set(d, WICK_ERR_MEMORY, "convert: out of memory");
  }

  wick_pte_method *m = wick_pte_add_method(e.w, "forward");

  /* ---- constants (data buffers) ---- */
  int t_emb = 0, t_emb_scale = 0;
  if (!q8) {
    t_emb = const_tensor(m, add_block(&e, WICK_LLM_W_TOK_EMB, 0, (size_t)V * D), V, D);
  } else if (fetch(&e, WICK_LLM_W_TOK_EMB, 0, (size_t)V * D)) {
    /* int8 rows, then V float scales, in tmp: V*D/4 + V floats fit its V*D (D >= 2) */
    int8_t *q = (int8_t *)e.tmp;
    float *sc = e.tmp + ((size_t)V * D + 3) / 4;
    wc_quantize_rows_int8(e.src, V, D, q, sc);
    t_emb = wick_pte_const_tensor(m, WICK_I8, 2, (const int32_t[]){V, D},
                                  add_bytes(&e, q, (size_t)V * D));
    t_emb_scale = const_tensor(m, add_const(&e, sc, (size_t)V), V, 0);
  }
  int t_final = const_tensor(m, add_block(&e, WICK_LLM_W_RMS_FINAL, 0, (size_t)D), D, 0);
  linear_w t_cls = add_linear(&e, m, q8, WICK_LLM_W_CLS, 0, V, D);

  /* ---- planned tensors ---- */
  planner act = {wick_pte_add_arena(m, 0), 0};
  planner kv = {wick_pte_add_arena(m, 0), 0};
  int tokens = planned(m, &act, WICK_I64, 2, (const int32_t[]){1, P}, true);
  int pos = planned(m, &act, WICK_I64, 1, (const int32_t[]){1}, false);
  int x3 = planned(m, &act, WICK_F32, 3, (const int32_t[]){1, P, D}, true);
  int x = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, D}, true);
  int h = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, D}, true);
  int q = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, QD}, true);
  int k = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, KVD}, true);
  int v = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, KVD}, true);
  int att = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, QD}, true);
  int proj = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, D}, true);
  int g1 = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, HID}, true);
  int g3 = planned(m, &act, WICK_F32, 2, (const int32_t[]){P, HID}, true);
  int xl = planned(m, &act, WICK_F32, 2, (const int32_t[]){1, D}, false);
  int hl = planned(m, &act, WICK_F32, 2, (const int32_t[]){1, D}, false);
  int logits = planned(m, &act, WICK_F32, 2, (const int32_t[]){1, V}, false);

  /* ---- scalars ---- */
  int eps = wick_pte_double(m, o.norm_eps);
  int theta = wick_pte_double(m, o.rope_theta);
  int hs_v = wick_pte_int(m, HS);
  int nh_v = wick_pte_int(m, H);
  int nkv_v = wick_pte_int(m, KV);
  int one = wick_pte_int(m, 1);
  int pad = wick_pte_int(m, -1);
  int f_v = wick_pte_bool(m, false);
  int view = wick_pte_int_list_of(m, (const int64_t[]){-1, D}, 2);
  int zero = wick_pte_int(m, 0);
  int minus1 = wick_pte_int(m, -1);
  int none = wick_pte_null(m);

  if (q8)
    kernel(m, "quantized_decomposed::embedding_byte", "out",
           (const int32_t[]){t_emb, t_emb_scale, none, wick_pte_int(m, -127), wick_pte_int(m, 127),
                             tokens, x3},
           7);
  else
    kernel(m, "aten::embedding", "out", (const int32_t[]){t_emb, tokens, pad, f_v, f_v, x3}, 6);
  kernel(m, "aten::view_copy", "out", (const int32_t[]){x3, view, x}, 3);
  for (int32_t l = 0; l < L && !e.err; l++) {
    int32_t kc_sz[2] = {S, KVD};
    int kc = planned(m, &kv, WICK_F32, 2, kc_sz, false);
    int vc = planned(m, &kv, WICK_F32, 2, kc_sz, false);
    int w_att = const_tensor(m, add_block(&e, WICK_LLM_W_RMS_ATT, l, (size_t)D), D, 0);
    linear_w wq = add_linear(&e, m, q8, WICK_LLM_W_WQ, l, QD, D);
    linear_w wk = add_linear(&e, m, q8, WICK_LLM_W_WK, l, KVD, D);
    linear_w wv = add_linear(&e, m, q8, WICK_LLM_W_WV, l, KVD, D);
    linear_w wo = add_linear(&e, m, q8, WICK_LLM_W_WO, l, D, QD);
    int w_ffn = const_tensor(m, add_block(&e, WICK_LLM_W_RMS_FFN, l, (size_t)D), D, 0);
    linear_w w1 = add_linear(&e, m, q8, WICK_LLM_W_W1, l, HID, D);
    linear_w w2 = add_linear(&e, m, q8, WICK_LLM_W_W2, l, D, HID);
    linear_w w3 = add_linear(&e, m, q8, WICK_LLM_W_W3, l, HID, D);

    kernel(m, "wick::rms_norm", "out", (const int32_t[]){x, w_att, eps, h}, 4);
    linear(m, q8, h, &wq, none, q);
    linear(m, q8, h, &wk, none, k);
    linear(m, q8, h, &wv, none, v);
    kernel(m, "wick::rope", "out", (const int32_t[]){q, pos, hs_v, theta, q}, 5);
    kernel(m, "wick::rope", "out", (const int32_t[]){k, pos, hs_v, theta, k}, 5);
    kernel(m, "wick::sdpa_with_kv_cache", "out",
           (const int32_t[]){q, k, v, kc, vc, pos, nh_v, nkv_v, att}, 9);
    linear(m, q8, att, &wo, none, proj);
    kernel(m, "aten::add", "out", (const int32_t[]){x, proj, one, x}, 4);
    kernel(m, "wick::rms_norm", "out", (const int32_t[]){x, w_ffn, eps, h}, 4);
    linear(m, q8, h, &w1, none, g1);
    linear(m, q8, h, &w3, none, g3);
    kernel(m, "wick::swiglu", "out", (const int32_t[]){g1, g3, g1}, 3);
    linear(m, q8, g1, &w2, none, proj);
    kernel(m, "aten::add", "out", (const int32_t[]){x, proj, one, x}, 4);
  }
  kernel(m, "aten::slice_copy", "Tensor_out", (const int32_t[]){x, zero, minus1, none, one, xl},
         6);
  kernel(m, "wick::rms_norm", "out", (const int32_t[]){xl, t_final, eps, hl}, 4);
  linear(m, q8, hl, &t_cls, none, logits);
  wick_pte_set_inputs(m, (const int32_t[]){tokens, pos}, 2);
  wick_pte_set_outputs(m, (const int32_t[]){logits}, 1);
  wick_pte_set_buffer_sizes(m, (const int64_t[]){0, (int64_t)act.used, (int64_t)kv.used}, 3);

  /* ---- metadata methods ---- */
  const_int_method(e.w, "get_vocab_size", V);
  const_int_method(e.w, "get_max_seq_len", S);
  const_int_method(e.w, "get_max_context_len", S);
  const_int_method(e.w, "get_bos_id", o.bos_id);
  const_int_method(e.w, "get_eos_id", o.eos_id);
  const_int_method(e.w, "get_n_layers", L);
  const_int_method(e.w, "get_max_prefill_len", P);
  const_bool_method(e.w, "use_kv_cache", true);
  const_bool_method(e.w, "enable_dynamic_shape", true);

  free(e.src);
  free(e.tmp);
  if (e.err) {
    wick_pte_writer_free(e.w);
    return e.err;
  }
  wick_status s = wick_pte_writer_finish(e.w, pte, pte_size, d);
  wick_pte_writer_free(e.w);
  return s;
}

/* The llama2.c weight source: float offsets into the checkpoint image. */
typedef struct ckpt_source {
  const uint8_t *wbytes; /* checkpoint floats after the header (unaligned: memcpy) */
  ckpt_layout lay;
  uint64_t D, HID, QD, KVD;
} ckpt_source;

static wick_status ckpt_weight(void *user, wick_llm_weight w, int32_t layer, float *dst, size_t n,
                               wick_diag *d) {
  const ckpt_source *c = user;
  uint64_t l = (uint64_t)layer, off;
  switch (w) {
    case WICK_LLM_W_TOK_EMB: off = c->lay.emb; break;
    case WICK_LLM_W_RMS_ATT: off = c->lay.rms_att + l * c->D; break;
    case WICK_LLM_W_WQ: off = c->lay.wq + l * c->D * c->QD; break;
    case WICK_LLM_W_WK: off = c->lay.wk + l * c->D * c->KVD; break;
    case WICK_LLM_W_WV: off = c->lay.wv + l * c->D * c->KVD; break;
    case WICK_LLM_W_WO: off = c->lay.wo + l * c->QD * c->D; break;
    case WICK_LLM_W_RMS_FFN: off = c->lay.rms_ffn + l * c->D; break;
    case WICK_LLM_W_W1: off = c->lay.w1 + l * c->HID * c->D; break;
    case WICK_LLM_W_W2: off = c->lay.w2 + l * c->D * c->HID; break;
    case WICK_LLM_W_W3: off = c->lay.w3 + l * c->HID * c->D; break;
    case WICK_LLM_W_RMS_FINAL: off = c->lay.rms_final; break;
    case WICK_LLM_W_CLS: off = c->lay.wcls; break;
    default: return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: unknown weight %d", (int)w);
  }
  memcpy(dst, c->wbytes + off * 4, n * 4);
  return WICK_OK;
}

wick_status wick_llm_convert_llama2c_mem(const void *data, size_t size,
                                         const wick_llm_convert_options *opt, uint8_t **pte,
                                         size_t *pte_size, wick_diag *d) {
  if (pte == NULL || pte_size == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: NULL output");
  *pte = NULL;
  *pte_size = 0;
  wick_llama2c_config c;
  wick_status s = wick_llama2c_parse_header(data, size, &c, d);
  if (s) return s;
  wick_llm_convert_options o = {0};
  if (opt) o = *opt;
  if (o.bos_id == 0) o.bos_id = 1;
  if (o.eos_id == 0) o.eos_id = 2;
  ckpt_source src;
  src.wbytes = (const uint8_t *)data + HEADER_BYTES;
  layout_of(&c, &src.lay);
  src.D = (uint64_t)c.dim;
  src.HID = (uint64_t)c.hidden_dim;
  src.QD = (uint64_t)c.n_heads * (uint64_t)(c.dim / c.n_heads);
  src.KVD = (uint64_t)c.n_kv_heads * (uint64_t)(c.dim / c.n_heads);
  return wick_llm_build_program(&c, &o, ckpt_weight, &src, pte, pte_size, d);
}

wick_status wick_llm_convert_llama2c(const char *ckpt, const wick_llm_convert_options *opt,
                                     uint8_t **pte, size_t *size, wick_diag *d) {
  if (ckpt == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: NULL path");
  wick_file f;
  wick_status s = wick_file_open(&f, ckpt, d);
  if (s) return s;
  s = wick_llm_convert_llama2c_mem(f.data, f.size, opt, pte, size, d);
  if (s) wick_diag_prefix(d, "%s", ckpt);
  wick_file_close(&f);
  return s;
}
