/* Encoder-decoder translation on wick programs: tokenization, the encoder,
 * and beam search over the batched decoder step (include/wick/translate.h).
 *
 * The beam search mirrors examples/translate/translate.py: per step, every
 * live hypothesis is extended by every token (log-softmax scores, <pad> and
 * <s> excluded); of the best 2k candidates, EOS ones among the top k (and,
 * at the length limit, all others) become finished hypotheses scored by
 * score / ((5 + n) / 6)^alpha; the best k non-EOS candidates go on. It
 * stops when k hypotheses have finished or the limit is reached. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wick/llm.h"
#include "wick/runtime.h"
#include "wick/threadpool.h"
#include "wick/translate.h"
#include "wick/util.h"

#define MAX_TEXT 16384 /* bytes of one source line that are looked at */
#define MAX_BEAM 16

#define MAX_LAYERS 64

/* Where each named input / output sits (index into the method's list). */
typedef struct io_map {
  int32_t src, mem_bias_out, ck_out[MAX_LAYERS], cv_out[MAX_LAYERS];            /* encoder */
  int32_t token, pos, mem_bias, ck[MAX_LAYERS], cv[MAX_LAYERS], sk[MAX_LAYERS], /* decoder */
      sv[MAX_LAYERS], logits, nk[MAX_LAYERS], nv[MAX_LAYERS];
  bool log_probs; /* the decoder returns log_softmax(logits) ("log_probs") */
} io_map;

typedef struct finished_hyp {
  float score;     /* normalized by the length penalty */
  int32_t len;
  int32_t *ids;    /* (T) */
} finished_hyp;

struct wick_translator {
  wick_translate_options opt;
  wick_file enc_file, dec_file;
  wick_program enc_prog, dec_prog;
  wick_loaded_method enc, dec;
  wick_tokenizer tok;
  wick_threadpool *pool;
  io_map io;
  int32_t V, S, T, B, L, H, Dh;
  int32_t pad_id, bos_id, eos_id;
  /* work memory, all allocated at open */
  char *text;             /* MAX_TEXT + 4: sanitized source                          */
  int32_t *src_ids;       /* MAX_TEXT + 4                                             */
  int32_t *hist[2];       /* (B * T) token history per live hypothesis, double-buffered */
  float *scores;          /* (B) */
  int32_t *sel_beam;      /* (B) */
  int32_t *sel_tok;       /* (B) */
  float *logp;            /* (V) one row's log-softmax */
  finished_hyp *fin;      /* (B) */
  int32_t *fin_ids;       /* (B * T) */
  uint64_t arena_bytes;
};

wick_translate_options wick_translate_defaults(void) {
  wick_translate_options o;
  memset(&o, 0, sizeof o);
  o.beam = 4;
  o.alpha = 1.5;
  o.max_len_a = 1.5;
  o.max_len_b = 10.0;
  o.threads = 1;
  return o;
}

void wick_translator_close(wick_translator *tr) {
  if (tr == NULL) return;
  wick_method_free(&tr->enc);
  wick_method_free(&tr->dec);
  if (tr->enc_file.data) wick_file_close(&tr->enc_file);
  if (tr->dec_file.data) wick_file_close(&tr->dec_file);
  wick_tokenizer_free(&tr->tok);
  wick_threadpool_destroy(tr->pool);
  free(tr->text);
  free(tr->src_ids);
  free(tr->hist[0]);
  free(tr->hist[1]);
  free(tr->scores);
  free(tr->sel_beam);
  free(tr->sel_tok);
  free(tr->logp);
  free(tr->fin);
  free(tr->fin_ids);
  free(tr);
}

/* io tensor check: dtype, rank and sizes (-1 = any, stored into *got). */
static wick_status io_check(const wick_program *p, const char *file, bool output, uint32_t i,
                            const char *what, int dtype, int rank, const int32_t *want,
                            int32_t *got, wick_diag *d) {
  wick_io_info info;
  wick_status s = wick_method_io_info(p, "forward", output, i, &info, d);
  if (s) {
    wick_diag_prefix(d, "%s", file);
    return s;
  }
  if (info.kind != WICK_VAL_TENSOR || info.tensor.dtype != dtype || info.tensor.dim != rank)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "%s: %s %u ('%s') must be a rank-%d %s tensor", file,
                         output ? "output" : "input", (unsigned)i, what, rank,
                         dtype == WICK_I64 ? "int64" : "float32");
  if (!wick_tensor_is_contiguous(&info.tensor))
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "%s: %s '%s' is not contiguous", file,
                         output ? "output" : "input", what);
  for (int k = 0; k < rank; k++) {
    int32_t v = info.tensor.sizes[k];
    if (want[k] >= 0 && v != want[k])
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "%s: %s '%s' has size %d in dim %d where %d was expected (the "
                           "encoder and decoder must come from the same export)",
                           file, output ? "output" : "input", what, (int)v, k, (int)want[k]);
    if (v <= 0)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "%s: '%s' has an empty dim %d", file,
                           what, k);
    if (got) got[k] = v;
  }
  return WICK_OK;
}

static wick_status open_program(wick_file *f, wick_program *p, wick_loaded_method *lm,
                                const char *path, wick_diag *d) {
  wick_status s = wick_file_open(f, path, d);
  if (s) return s;
  if ((s = wick_program_load(p, f->data, f->size, d)) ||
      (s = wick_method_load_alloc(p, "forward", lm, d))) {
    wick_diag_prefix(d, "%s", path);
    return s;
  }
  return WICK_OK;
}

static uint64_t arena_total(const wick_loaded_method *lm) {
  uint64_t n = lm->meta.runtime_bytes;
  for (uint32_t i = 0; i < lm->meta.num_planned; i++) n += lm->meta.planned_sizes[i];
  return n + wick_method_scratch_size(lm->method);
}

/* Index of the input / output called name, or -1. */
static int32_t find_io(const wick_program *p, bool output, const char *name) {
  wick_method_meta meta;
  wick_diag d = {0};
  if (wick_method_meta_get(p, "forward", &meta, &d)) return -1;
  uint32_t n = output ? meta.num_outputs : meta.num_inputs;
  char buf[128];
  for (uint32_t i = 0; i < n; i++)
    if (wick_method_io_name(p, "forward", output, i, buf, sizeof buf, &d) == WICK_OK &&
        strcmp(buf, name) == 0)
      return (int32_t)i;
  return -1;
}

static wick_status need_io(const wick_program *p, const char *file, bool output, const char *name,
                           int32_t *idx, wick_diag *d) {
  *idx = find_io(p, output, name);
  if (*idx < 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "%s: no %s named '%s' (export the model with "
                         "examples/translate/export.py)",
                         file, output ? "output" : "input", name);
  return WICK_OK;
}

static wick_status bind_io(wick_translator *tr, const char *enc_path, const char *dec_path,
                           wick_diag *d) {
  const wick_program *ep = &tr->enc_prog, *dp = &tr->dec_prog;
  io_map *io = &tr->io;
  wick_status s;
  int32_t sz[4];
  char name[64];
  /* layers: count the decoder's self_kt_<i> inputs */
  int32_t L = 0;
  while (L < MAX_LAYERS) {
    snprintf(name, sizeof name, "self_kt_%d", (int)L);
    if (find_io(dp, false, name) < 0) break;
    L++;
  }
  if (L == 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "%s: no 'self_kt_0' input: not a decoder step exported by "
                         "examples/translate/export.py",
                         dec_path);
  tr->L = L;
  const int32_t src_want[2] = {1, -1};
  if ((s = need_io(ep, enc_path, false, "src", &io->src, d)) ||
      (s = io_check(ep, enc_path, false, (uint32_t)io->src, "src", WICK_I64, 2, src_want, sz, d)))
    return s;
  tr->S = sz[1];
  const int32_t mb1[2] = {1, tr->S};
  if ((s = need_io(ep, enc_path, true, "mem_bias", &io->mem_bias_out, d)) ||
      (s = io_check(ep, enc_path, true, (uint32_t)io->mem_bias_out, "mem_bias", WICK_F32, 2, mb1,
                    NULL, d)))
    return s;
  const int32_t kt_any[4] = {1, -1, -1, tr->S};
  if ((s = need_io(ep, enc_path, true, "cross_kt_0", &io->ck_out[0], d)) ||
      (s = io_check(ep, enc_path, true, (uint32_t)io->ck_out[0], "cross_kt_0", WICK_F32, 4,
                    kt_any, sz, d)))
    return s;
  tr->H = sz[1];
  tr->Dh = sz[2];
  /* decoder scalars */
  const int32_t tok_any[1] = {-1}, pos1[1] = {1};
  if ((s = need_io(dp, dec_path, false, "token", &io->token, d)) ||
      (s = io_check(dp, dec_path, false, (uint32_t)io->token, "token", WICK_I64, 1, tok_any, sz, d)))
    return s;
  tr->B = sz[0];
  const int32_t mbB[2] = {tr->B, tr->S}, lg_any[2] = {tr->B, -1};
  if ((s = need_io(dp, dec_path, false, "pos", &io->pos, d)) ||
      (s = io_check(dp, dec_path, false, (uint32_t)io->pos, "pos", WICK_I64, 1, pos1, NULL, d)) ||
      (s = need_io(dp, dec_path, false, "mem_bias", &io->mem_bias, d)) ||
      (s = io_check(dp, dec_path, false, (uint32_t)io->mem_bias, "mem_bias", WICK_F32, 2, mbB,
                    NULL, d)))
    return s;
  /* scores: "log_probs" (log_softmax in the program), else "logits" */
  io->logits = find_io(dp, true, "log_probs");
  io->log_probs = io->logits >= 0;
  if (!io->log_probs && (s = need_io(dp, dec_path, true, "logits", &io->logits, d))) return s;
  if ((s = io_check(dp, dec_path, true, (uint32_t)io->logits, io->log_probs ? "log_probs" : "logits",
                    WICK_F32, 2, lg_any, sz, d)))
    return s;
  tr->V = sz[1];
  const int32_t skt_any[4] = {tr->B, tr->H, tr->Dh, -1};
  if ((s = need_io(dp, dec_path, false, "self_kt_0", &io->sk[0], d)) ||
      (s = io_check(dp, dec_path, false, (uint32_t)io->sk[0], "self_kt_0", WICK_F32, 4, skt_any, sz,
                    d)))
    return s;
  tr->T = sz[3];
  const int32_t ekt[4] = {1, tr->H, tr->Dh, tr->S}, ev[4] = {1, tr->H, tr->S, tr->Dh};
  const int32_t dkt[4] = {tr->B, tr->H, tr->Dh, tr->S}, dv[4] = {tr->B, tr->H, tr->S, tr->Dh};
  const int32_t skt[4] = {tr->B, tr->H, tr->Dh, tr->T}, sv[4] = {tr->B, tr->H, tr->T, tr->Dh};
  for (int32_t i = 0; i < L; i++) {
    struct {
      const wick_program *p;
      const char *file;
      bool out;
      const char *fmt;
      int32_t *idx;
      const int32_t *want;
    } spec[] = {
        {ep, enc_path, true, "cross_kt_%d", &io->ck_out[i], ekt},
        {ep, enc_path, true, "cross_v_%d", &io->cv_out[i], ev},
        {dp, dec_path, false, "cross_kt_%d", &io->ck[i], dkt},
        {dp, dec_path, false, "cross_v_%d", &io->cv[i], dv},
        {dp, dec_path, false, "self_kt_%d", &io->sk[i], skt},
        {dp, dec_path, false, "self_v_%d", &io->sv[i], sv},
        {dp, dec_path, true, "new_self_kt_%d", &io->nk[i], skt},
        {dp, dec_path, true, "new_self_v_%d", &io->nv[i], sv},
    };
    for (size_t k = 0; k < sizeof spec / sizeof spec[0]; k++) {
      snprintf(name, sizeof name, spec[k].fmt, (int)i);
      if ((s = need_io(spec[k].p, spec[k].file, spec[k].out, name, spec[k].idx, d)) ||
          (s = io_check(spec[k].p, spec[k].file, spec[k].out, (uint32_t)*spec[k].idx, name,
                        WICK_F32, 4, spec[k].want, NULL, d)))
        return s;
    }
  }
  return WICK_OK;
}

wick_status wick_translator_set_options(wick_translator *tr, const wick_translate_options *opt,
                                        wick_diag *d) {
  if (tr == NULL || opt == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: NULL argument");
  if (opt->beam < 1 || opt->beam > tr->B || opt->beam > MAX_BEAM)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "translate: beam %d is outside 1..%d (the decoder program runs %d "
                         "hypotheses per step; re-export with --dec-batch for more)",
                         opt->beam, tr->B < MAX_BEAM ? tr->B : MAX_BEAM, (int)tr->B);
  if (!(opt->alpha >= 0.0 && opt->alpha <= 10.0) || !(opt->max_len_a >= 0.0) ||
      !(opt->max_len_b >= 0.0) || opt->max_len_a > 1e6 || opt->max_len_b > 1e6)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "translate: alpha must be in 0..10 and the length limits >= 0");
  int threads = tr->opt.threads;
  tr->opt = *opt;
  tr->opt.threads = threads;
  return WICK_OK;
}

wick_status wick_translator_open(wick_translator **out, const char *dir,
                                 const wick_translate_options *opt, wick_diag *d) {
  if (out == NULL || dir == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: NULL argument");
  *out = NULL;
  wick_translate_options o = opt ? *opt : wick_translate_defaults();
  if (o.threads < 0 || o.threads > 1024)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: threads %d", o.threads);
  wick_translator *tr = calloc(1, sizeof *tr);
  if (tr == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "translate: out of memory");
  tr->opt = o;
  char enc_path[4096], dec_path[4096], tok_path[4096];
  wick_status s = WICK_OK;
  if (snprintf(enc_path, sizeof enc_path, "%s/encoder.pte", dir) >= (int)sizeof enc_path ||
      snprintf(dec_path, sizeof dec_path, "%s/decoder.pte", dir) >= (int)sizeof dec_path ||
      snprintf(tok_path, sizeof tok_path, "%s/spm.model", dir) >= (int)sizeof tok_path) {
    s = wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: model path too long");
    goto fail;
  }
  if ((s = open_program(&tr->enc_file, &tr->enc_prog, &tr->enc, enc_path, d)) ||
      (s = open_program(&tr->dec_file, &tr->dec_prog, &tr->dec, dec_path, d)))
    goto fail;
  if ((s = wick_tokenizer_load_any_file(&tr->tok, tok_path, 0, d))) goto fail;

  /* Bind inputs / outputs by name (examples/translate/export.py) and read the sizes. */
  if ((s = bind_io(tr, enc_path, dec_path, d))) goto fail;
  if (tr->tok.vocab_size != tr->V) {
    s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                      "%s: %d pieces, but the decoder's logits have %d (not the model's tokenizer)",
                      tok_path, (int)tr->tok.vocab_size, (int)tr->V);
    goto fail;
  }
  if (tr->S < 2 || tr->T < 1) {
    s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "translate: source length %d / target length %d",
                      (int)tr->S, (int)tr->T);
    goto fail;
  }
  if (!tr->tok.spm) {
    s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "%s: not a sentencepiece model file", tok_path);
    goto fail;
  }
  tr->pad_id = tr->tok.pad_id;
  tr->bos_id = tr->tok.bos_id;
  tr->eos_id = tr->tok.eos_id;
  if (tr->pad_id < 0 || tr->bos_id < 0 || tr->eos_id < 0 || tr->pad_id >= tr->V ||
      tr->bos_id >= tr->V || tr->eos_id >= tr->V) {
    s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "%s: needs <pad>, <s> and </s> pieces", tok_path);
    goto fail;
  }

  if (o.threads != 1) {
    tr->pool = wick_threadpool_create(o.threads);
    if (tr->pool == NULL) {
      s = wick_diag_set(d, WICK_ERR_MEMORY, "translate: cannot start %d threads", o.threads);
      goto fail;
    }
    wick_method_set_threadpool(tr->enc.method, tr->pool);
    wick_method_set_threadpool(tr->dec.method, tr->pool);
  }

  size_t BT = (size_t)tr->B * (size_t)tr->T;
  tr->text = malloc(MAX_TEXT + 4);
  tr->src_ids = malloc((MAX_TEXT + 4) * sizeof *tr->src_ids);
  tr->hist[0] = calloc(BT, sizeof(int32_t));
  tr->hist[1] = calloc(BT, sizeof(int32_t));
  tr->scores = calloc((size_t)tr->B, sizeof(float));
  tr->sel_beam = calloc((size_t)tr->B, sizeof(int32_t));
  tr->sel_tok = calloc((size_t)tr->B, sizeof(int32_t));
  tr->logp = calloc((size_t)tr->V, sizeof(float));
  tr->fin = calloc((size_t)tr->B, sizeof(finished_hyp));
  tr->fin_ids = calloc(BT, sizeof(int32_t));
  if (!tr->text || !tr->src_ids || !tr->hist[0] || !tr->hist[1] || !tr->scores ||
      !tr->sel_beam || !tr->sel_tok || !tr->logp || !tr->fin || !tr->fin_ids) {
    s = wick_diag_set(d, WICK_ERR_MEMORY, "translate: out of memory");
    goto fail;
  }
  for (int32_t b = 0; b < tr->B; b++) tr->fin[b].ids = tr->fin_ids + (size_t)b * tr->T;
  tr->arena_bytes = arena_total(&tr->enc) + arena_total(&tr->dec) + (MAX_TEXT + 4) * 5 +
                    BT * 12 + (size_t)tr->B * 12 + (size_t)tr->V * 4;
  if ((s = wick_translator_set_options(tr, &o, d))) goto fail;
  *out = tr;
  return WICK_OK;
fail:
  wick_translator_close(tr);
  return s;
}

void wick_translator_info_get(const wick_translator *tr, wick_translator_info *info) {
  if (tr == NULL || info == NULL) return;
  memset(info, 0, sizeof *info);
  info->vocab_size = tr->V;
  info->max_src_len = tr->S;
  info->max_tgt_len = tr->T;
  info->batch = tr->B;
  info->layers = tr->L;
  info->heads = tr->H;
  info->head_dim = tr->Dh;
  info->pad_id = tr->pad_id;
  info->bos_id = tr->bos_id;
  info->eos_id = tr->eos_id;
  info->program_bytes = (uint64_t)tr->enc_file.size + tr->dec_file.size;
  info->arena_bytes = tr->arena_bytes;
}

/* Copies text into buf (cap bytes incl. NUL) replacing invalid UTF-8 with
 * U+FFFD, control characters (tabs, CR, NUL ...) with spaces. Returns bytes
 * written; *cut = 1 when input remained. */
static size_t sanitize_utf8(const char *s, size_t n, char *buf, size_t cap, int *cut) {
  size_t o = 0, i = 0;
  *cut = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) len = 1, cp = c;
    else if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; k++) {
      unsigned char cc = (unsigned char)s[i + k];
      if ((cc & 0xC0) != 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
      ok = false;
    const char *src = s + i;
    size_t w = len;
    if (!ok) {
      src = "\xEF\xBF\xBD";
      w = 3;
      len = 1;
    } else if (len == 1 && (c < 0x20 || c == 0x7F)) {
      src = " ";
    }
    if (o + w + 1 > cap) {
      *cut = 1;
      break;
    }
    memcpy(buf + o, src, w);
    o += w;
    i += len;
  }
  buf[o] = '\0';
  return o;
}

static inline float *f32_of(wick_tensor *t) { return (float *)t->data; }

/* One row's log-softmax into tr->logp (decoders that return logits). */
static void log_softmax_row(wick_translator *tr, const float *x) {
  int32_t V = tr->V;
  float mx = -INFINITY;
  for (int32_t v = 0; v < V; v++) mx = x[v] > mx ? x[v] : mx;
  double sum = 0.0;
  for (int32_t v = 0; v < V; v++) sum += exp((double)(x[v] - mx));
  float lse = mx + (float)log(sum);
  for (int32_t v = 0; v < V; v++) tr->logp[v] = x[v] - lse;
}

typedef struct cand {
  float s;
  int32_t beam, tok;
} cand;

/* Inserts into the descending list c[0..*n) of capacity cap. */
static void cand_push(cand *c, int *n, int cap, float s, int32_t beam, int32_t tok) {
  if (*n == cap && !(s > c[cap - 1].s)) return;
  int i = *n < cap ? (*n)++ : cap - 1;
  while (i > 0 && c[i - 1].s < s) {
    c[i] = c[i - 1];
    i--;
  }
  c[i].s = s;
  c[i].beam = beam;
  c[i].tok = tok;
}

static double length_penalty(int n, double alpha) {
  return alpha == 0.0 ? 1.0 : pow((5.0 + n) / 6.0, alpha);
}

wick_status wick_translate_ids(wick_translator *tr, const int32_t *src, size_t n,
                               int32_t *out_ids, size_t cap, size_t *n_out,
                               wick_translate_result *result, wick_diag *d) {
  if (tr == NULL || (src == NULL && n) || out_ids == NULL || n_out == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: NULL argument");
  if (cap < (size_t)tr->T)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: output needs room for %d ids",
                         (int)tr->T);
  *n_out = 0;
  uint64_t t0 = wick_now_ns();
  wick_translate_result r;
  memset(&r, 0, sizeof r);
  if (n > (size_t)tr->S - 1) {
    n = (size_t)tr->S - 1;
    r.truncated = 1;
  }
  /* encoder */
  wick_method *em = tr->enc.method, *dm = tr->dec.method;
  const io_map *io = &tr->io;
  wick_tensor *esrc = wick_method_input(em, (uint32_t)io->src);
  if (esrc == NULL || esrc->data == NULL)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "translate: encoder input is not planned");
  int64_t *sp = esrc->data;
  for (size_t i = 0; i < n; i++) {
    if (src[i] < 0 || src[i] >= tr->V)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: source id %d out of range",
                           (int)src[i]);
    sp[i] = src[i];
  }
  sp[n] = tr->eos_id;
  for (size_t i = n + 1; i < (size_t)tr->S; i++) sp[i] = tr->pad_id;
  r.src_tokens = (uint32_t)(n + 1);
  wick_status s = wick_method_execute(em, d);
  if (s) return s;

  /* decoder inputs: the encoder's outputs copied into every row, caches zeroed
   * (export.py's layout: per layer, keys transposed) */
  const size_t L = (size_t)tr->L, B = (size_t)tr->B, HSD = (size_t)tr->H * tr->S * tr->Dh;
  const size_t HTD = (size_t)tr->H * tr->T * tr->Dh;
  wick_tensor *dtok = wick_method_input(dm, (uint32_t)io->token);
  wick_tensor *dpos = wick_method_input(dm, (uint32_t)io->pos);
  wick_tensor *dmb = wick_method_input(dm, (uint32_t)io->mem_bias);
  const wick_tensor *emb = wick_method_output(em, (uint32_t)io->mem_bias_out);
  if (!dtok || !dpos || !dmb || !dtok->data || !dpos->data || !dmb->data || !emb)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "translate: decoder inputs are not planned");
  for (size_t b = 0; b < B; b++)
    memcpy(f32_of(dmb) + b * (size_t)tr->S, emb->data, (size_t)tr->S * 4);
  for (size_t l = 0; l < L; l++) {
    const wick_tensor *eck = wick_method_output(em, (uint32_t)io->ck_out[l]);
    const wick_tensor *ecv = wick_method_output(em, (uint32_t)io->cv_out[l]);
    wick_tensor *dck = wick_method_input(dm, (uint32_t)io->ck[l]);
    wick_tensor *dcv = wick_method_input(dm, (uint32_t)io->cv[l]);
    wick_tensor *dsk = wick_method_input(dm, (uint32_t)io->sk[l]);
    wick_tensor *dsv = wick_method_input(dm, (uint32_t)io->sv[l]);
    if (!eck || !ecv || !dck || !dcv || !dsk || !dsv || !dck->data || !dcv->data || !dsk->data ||
        !dsv->data)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "translate: decoder inputs are not planned");
    for (size_t b = 0; b < B; b++) {
      memcpy(f32_of(dck) + b * HSD, eck->data, HSD * 4);
      memcpy(f32_of(dcv) + b * HSD, ecv->data, HSD * 4);
    }
    memset(dsk->data, 0, B * HTD * 4);
    memset(dsv->data, 0, B * HTD * 4);
  }
  uint64_t t1 = wick_now_ns();
  r.encode_ns = t1 - t0;

  /* beam search */
  const int k = tr->opt.beam;
  int max_len = (int)(tr->opt.max_len_a * (double)(n + 1) + tr->opt.max_len_b);
  if (max_len > tr->T) max_len = tr->T;
  if (max_len < 1) max_len = 1;
  int64_t *tokp = dtok->data, *posp = dpos->data;
  for (size_t b = 0; b < B; b++) tokp[b] = tr->bos_id;
  for (int b = 0; b < k; b++) tr->scores[b] = b == 0 ? 0.0f : -INFINITY;
  int nfin = 0, cur = 0, live_len = 0;
  cand c[2 * MAX_BEAM];
  for (int t = 0; t < max_len; t++) {
    *posp = t;
    if ((s = wick_method_execute(dm, d))) return s;
    r.steps++;
    const wick_tensor *lg = wick_method_output(dm, (uint32_t)io->logits);
    int nc = 0;
    for (int b = 0; b < k; b++) {
      if (tr->scores[b] == -INFINITY) continue;
      const float *lp = (const float *)lg->data + (size_t)b * tr->V;
      if (!io->log_probs) { /* older exports return logits */
        log_softmax_row(tr, lp);
        lp = tr->logp;
      }
      float base = tr->scores[b];
      for (int32_t v = 0; v < tr->V; v++) {
        if (v == tr->pad_id || v == tr->bos_id) continue; /* never produced */
        float sc = base + lp[v];
        if (nc < 2 * k || sc > c[nc - 1].s) cand_push(c, &nc, 2 * k, sc, b, v);
      }
    }
    bool last = t + 1 >= max_len;
    for (int j = 0; j < nc; j++) {
      if (c[j].s == -INFINITY) break;
      bool eos = c[j].tok == tr->eos_id;
      if (nfin >= k) break;
      if (eos && j < k) {
        finished_hyp *f = &tr->fin[nfin++];
        f->len = live_len;
        memcpy(f->ids, tr->hist[cur] + (size_t)c[j].beam * tr->T, (size_t)live_len * 4);
        f->score = (float)(c[j].s / length_penalty(live_len + 1, tr->opt.alpha));
      } else if (last && !eos) {
        finished_hyp *f = &tr->fin[nfin++];
        f->len = live_len + 1;
        memcpy(f->ids, tr->hist[cur] + (size_t)c[j].beam * tr->T, (size_t)live_len * 4);
        f->ids[live_len] = c[j].tok;
        f->score = (float)(c[j].s / length_penalty(live_len + 1, tr->opt.alpha));
      }
    }
    if (nfin >= k || last) break;
    /* the best k non-EOS candidates continue */
    int ns = 0;
    for (int j = 0; j < nc && ns < k; j++) {
      if (c[j].tok == tr->eos_id || c[j].s == -INFINITY) continue;
      tr->sel_beam[ns] = c[j].beam;
      tr->sel_tok[ns] = c[j].tok;
      tr->scores[ns] = c[j].s;
      ns++;
    }
    for (int b = ns; b < k; b++) tr->scores[b] = -INFINITY, tr->sel_beam[b] = 0, tr->sel_tok[b] = tr->pad_id;
    int nxt = cur ^ 1;
    for (int b = 0; b < k; b++) {
      int32_t *dst = tr->hist[nxt] + (size_t)b * tr->T;
      memcpy(dst, tr->hist[cur] + (size_t)tr->sel_beam[b] * tr->T, (size_t)live_len * 4);
      dst[live_len] = tr->sel_tok[b];
      tokp[b] = tr->sel_tok[b];
    }
    cur = nxt;
    live_len++;
    /* caches: row b <- new cache of row sel_beam[b]; slots 0..t only (later slots
     * are masked by the program and were zeroed at the start). Keys are
     * [B,H,Dh,T] (slot innermost), values [B,H,T,Dh]. */
    const size_t T = (size_t)tr->T, Dh = (size_t)tr->Dh, H = (size_t)tr->H;
    const size_t nslot = (size_t)t + 1;
    for (size_t l = 0; l < L; l++) {
      const float *nk = wick_method_output(dm, (uint32_t)io->nk[l])->data;
      const float *nv = wick_method_output(dm, (uint32_t)io->nv[l])->data;
      float *sk = f32_of(wick_method_input(dm, (uint32_t)io->sk[l]));
      float *sv = f32_of(wick_method_input(dm, (uint32_t)io->sv[l]));
      for (int b = 0; b < k; b++) {
        size_t dst = (size_t)b * HTD, src_row = (size_t)tr->sel_beam[b] * HTD;
        for (size_t row = 0; row < H * Dh; row++)
          memcpy(sk + dst + row * T, nk + src_row + row * T, nslot * 4);
        for (size_t h = 0; h < H; h++)
          memcpy(sv + dst + h * T * Dh, nv + src_row + h * T * Dh, nslot * Dh * 4);
      }
    }
  }
  /* best finished hypothesis (first on ties, as Python's max) */
  const int32_t *best = tr->hist[cur];
  int best_len = live_len;
  if (nfin > 0) {
    int bi = 0;
    for (int i = 1; i < nfin; i++)
      if (tr->fin[i].score > tr->fin[bi].score) bi = i;
    best = tr->fin[bi].ids;
    best_len = tr->fin[bi].len;
  }
  memcpy(out_ids, best, (size_t)best_len * 4);
  *n_out = (size_t)best_len;
  r.out_tokens = (uint32_t)best_len;
  r.decode_ns = wick_now_ns() - t1;
  if (result) *result = r;
  return WICK_OK;
}

wick_status wick_translate(wick_translator *tr, const char *text, size_t len, char *out,
                           size_t cap, wick_translate_result *result, wick_diag *d) {
  if (tr == NULL || (text == NULL && len) || out == NULL || cap == 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "translate: NULL argument");
  uint64_t t0 = wick_now_ns();
  int cut = 0;
  sanitize_utf8(text ? text : "", len, tr->text, MAX_TEXT + 1, &cut);
  size_t n = 0;
  wick_status s = wick_tokenizer_encode(&tr->tok, tr->text, false, false, tr->src_ids,
                                        MAX_TEXT + 4, &n, d);
  if (s) return s;
  int32_t ids[1024];
  int32_t *outv = tr->T <= 1024 ? ids : NULL;
  if (outv == NULL)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "translate: target length %d > 1024",
                         (int)tr->T);
  size_t nout = 0;
  wick_translate_result r;
  uint64_t t_tok = wick_now_ns() - t0;
  if (n == 0) { /* nothing to translate (empty or blank line) */
    out[0] = '\0';
    if (result) {
      memset(result, 0, sizeof *result);
      result->encode_ns = t_tok;
    }
    return WICK_OK;
  }
  if ((s = wick_translate_ids(tr, tr->src_ids, n, outv, 1024, &nout, &r, d))) return s;
  if (cut) r.truncated = 1;
  uint64_t t1 = wick_now_ns();
  size_t olen = 0;
  s = wick_tokenizer_decode_ids(&tr->tok, outv, nout, out, cap, &olen, d);
  r.encode_ns += t_tok;
  r.decode_ns += wick_now_ns() - t1;
  if (result) *result = r;
  return s;
}
