/* GGUF (llama.cpp) "llama" models -> the LLM program of convert_llama2c.c.
 *
 * The tensors are dequantized to float32 one at a time and handed to
 * wick_llm_build_program. A GGUF matrix with ne = {in, out} is stored
 * row-major [out][in], i.e. exactly the [out, in] layout the builder wants;
 * Q / K rows need no permutation (see wick_llm_convert_gguf_mem in llm.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf.h"
#include "wick/llm.h"
#include "wick/util.h"

#define MAX_DIM_SIZE (1 << 20)

bool wick_llm_is_gguf(const char *path) {
  if (path == NULL) return false;
  FILE *f = fopen(path, "rb");
  if (f == NULL) return false;
  char m[4];
  bool ok = fread(m, 1, 4, f) == 4 && memcmp(m, "GGUF", 4) == 0;
  fclose(f);
  return ok;
}

typedef struct gguf_source {
  const wick_gguf *g;
} gguf_source;

static const char *weight_name(wick_llm_weight w, int32_t layer, bool tied, char *buf, size_t n) {
  static const char *const per_layer[] = {NULL,       "attn_norm",   "attn_q",   "attn_k",
                                          "attn_v",   "attn_output", "ffn_norm", "ffn_gate",
                                          "ffn_down", "ffn_up"};
  switch (w) {
    case WICK_LLM_W_TOK_EMB: return "token_embd.weight";
    case WICK_LLM_W_RMS_FINAL: return "output_norm.weight";
    case WICK_LLM_W_CLS: return tied ? "token_embd.weight" : "output.weight";
    default:
      if (w >= WICK_LLM_W_RMS_ATT && w <= WICK_LLM_W_W3) {
        snprintf(buf, n, "blk.%d.%s.weight", (int)layer, per_layer[w]);
        return buf;
      }
      return NULL;
  }
}

static wick_status gguf_weight(void *user, wick_llm_weight w, int32_t layer, float *dst, size_t n,
                               wick_diag *d) {
  const gguf_source *s = user;
  char buf[64];
  bool tied = wick_gguf_find_tensor(s->g, "output.weight") == NULL;
  const char *name = weight_name(w, layer, tied, buf, sizeof buf);
  const wick_gguf_tensor *t = name ? wick_gguf_find_tensor(s->g, name) : NULL;
  if (t == NULL)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: tensor '%s' is missing", name ? name : "?");
  if (t->n_elems != (uint64_t)n)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: tensor '%s' has %llu elements, want %zu",
                         name, (unsigned long long)t->n_elems, n);
  return wick_gguf_dequantize(t, dst, d);
}

/* A uint hyperparameter in 1..MAX_DIM_SIZE. */
static wick_status hparam(const wick_gguf *g, const char *key, bool required, int32_t *out,
                          wick_diag *d) {
  uint64_t v = 0;
  bool found = false;
  wick_status s = wick_gguf_get_uint(g, key, required, &v, &found, d);
  if (s) return s;
  if (!found) return WICK_OK;
  if (v == 0 || v > MAX_DIM_SIZE)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: key '%s' = %llu is out of range (1..%d)",
                         key, (unsigned long long)v, MAX_DIM_SIZE);
  *out = (int32_t)v;
  return WICK_OK;
}

/* Checks that tensor `name` exists with sizes {ne0[, ne1]} and a type we
 * can dequantize. */
static wick_status want(const wick_gguf *g, const char *name, uint64_t ne0, uint64_t ne1,
                        wick_diag *d) {
  const wick_gguf_tensor *t = wick_gguf_find_tensor(g, name);
  if (t == NULL) return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: tensor '%s' is missing", name);
  bool ok = t->ne[0] == ne0 && t->ne[1] == ne1 && t->ne[2] == 1 && t->ne[3] == 1;
  if (!ok)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "GGUF: tensor '%s' has ne {%llu, %llu, %llu, %llu}, want {%llu, %llu}",
                         name, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
                         (unsigned long long)t->ne[2], (unsigned long long)t->ne[3],
                         (unsigned long long)ne0, (unsigned long long)ne1);
  if (!wick_gguf_can_dequantize(t->type))
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "GGUF: tensor '%s' has type %s, which wick cannot dequantize yet "
                         "(F32, F16, BF16, Q8_0, Q4_0, Q4_1 are supported)",
                         name, wick_ggml_type_name(t->type));
  return WICK_OK;
}

static bool is_layer_tensor(const char *name, int32_t L) {
  static const char *const parts[] = {"attn_norm", "attn_q",   "attn_k",   "attn_v", "attn_output",
                                      "ffn_norm",  "ffn_gate", "ffn_down", "ffn_up"};
  if (strncmp(name, "blk.", 4) != 0) return false;
  const char *p = name + 4;
  long l = 0;
  int digits = 0;
  while (*p >= '0' && *p <= '9' && digits < 8) {
    l = l * 10 + (*p - '0');
    p++;
    digits++;
  }
  if (digits == 0 || *p != '.' || l >= L || (digits > 1 && name[4] == '0')) return false;
  p++;
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    size_t n = strlen(parts[i]);
    if (strncmp(p, parts[i], n) == 0 && strcmp(p + n, ".weight") == 0) return true;
  }
  return false;
}

wick_status wick_llm_convert_gguf_mem(const void *data, size_t size,
                                      const wick_llm_convert_options *opt, uint8_t **pte,
                                      size_t *pte_size, wick_gguf_model_info *info, wick_diag *d) {
  if (pte == NULL || pte_size == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: NULL output");
  *pte = NULL;
  *pte_size = 0;
  wick_gguf g;
  wick_status s = wick_gguf_parse(&g, data, size, d);
  if (s) return s;
  wick_gguf_model_info mi;
  memset(&mi, 0, sizeof mi);
  mi.version = g.version;
  mi.bos_id = mi.eos_id = -1;
  wick_llama2c_config c;
  memset(&c, 0, sizeof c);

  const char *arch;
  size_t arch_len;
  if ((s = wick_gguf_get_string(&g, "general.architecture", true, &arch, &arch_len, NULL, d)))
    goto done;
  if (arch_len != 5 || memcmp(arch, "llama", 5) != 0) {
    s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                      "GGUF: general.architecture '%.*s' is not supported (only 'llama')",
                      (int)(arch_len < 64 ? arch_len : 64), arch);
    goto done;
  }
  if ((s = hparam(&g, "llama.embedding_length", true, &c.dim, d)) ||
      (s = hparam(&g, "llama.feed_forward_length", true, &c.hidden_dim, d)) ||
      (s = hparam(&g, "llama.block_count", true, &c.n_layers, d)) ||
      (s = hparam(&g, "llama.attention.head_count", true, &c.n_heads, d)) ||
      (s = hparam(&g, "llama.context_length", true, &c.seq_len, d)))
    goto done;
  c.n_kv_heads = c.n_heads;
  if ((s = hparam(&g, "llama.attention.head_count_kv", false, &c.n_kv_heads, d))) goto done;
  if (c.dim % c.n_heads != 0 || c.n_heads % c.n_kv_heads != 0 || (c.dim / c.n_heads) % 2 != 0) {
    s = wick_diag_set(d, WICK_ERR_MALFORMED,
                      "GGUF: llama.embedding_length %d, head_count %d, head_count_kv %d do not "
                      "give whole, even heads",
                      (int)c.dim, (int)c.n_heads, (int)c.n_kv_heads);
    goto done;
  }
  if (c.n_layers > 4096) {
    s = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: llama.block_count %d is implausible",
                      (int)c.n_layers);
    goto done;
  }
  const int32_t HS = c.dim / c.n_heads;
  {
    static const char *const same_as_head[] = {
        "llama.rope.dimension_count", "llama.attention.key_length", "llama.attention.value_length"};
    for (int i = 0; i < 3; i++) {
      int32_t v = HS;
      if ((s = hparam(&g, same_as_head[i], false, &v, d))) goto done;
      if (v != HS) {
        s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                          "GGUF: %s = %d differs from the head size %d (not supported)",
                          same_as_head[i], (int)v, (int)HS);
        goto done;
      }
    }
    uint64_t experts = 0;
    if ((s = wick_gguf_get_uint(&g, "llama.expert_count", false, &experts, NULL, d))) goto done;
    if (experts > 0) {
      s = wick_diag_set(
          d, WICK_ERR_NOT_SUPPORTED,
          "GGUF: llama.expert_count %llu: mixture-of-experts models are not supported",
          (unsigned long long)experts);
      goto done;
    }
    const char *st;
    size_t sl;
    bool found = false;
    if ((s = wick_gguf_get_string(&g, "llama.rope.scaling.type", false, &st, &sl, &found, d)))
      goto done;
    if (found && !(sl == 4 && memcmp(st, "none", 4) == 0)) {
      s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                        "GGUF: llama.rope.scaling.type '%.*s' is not supported",
                        (int)(sl < 32 ? sl : 32), st);
      goto done;
    }
  }
  mi.rope_theta = 10000.0;
  mi.norm_eps = 1e-5;
  if ((s = wick_gguf_get_float(&g, "llama.rope.freq_base", false, &mi.rope_theta, NULL, d)) ||
      (s = wick_gguf_get_float(&g, "llama.attention.layer_norm_rms_epsilon", false, &mi.norm_eps,
                               NULL, d)))
    goto done;
  if (!(mi.rope_theta > 0) || !(mi.norm_eps > 0) || mi.rope_theta > 1e30 || mi.norm_eps > 1) {
    s = wick_diag_set(d, WICK_ERR_MALFORMED,
                      "GGUF: llama.rope.freq_base %g / llama.attention.layer_norm_rms_epsilon %g "
                      "out of range",
                      mi.rope_theta, mi.norm_eps);
    goto done;
  }

  /* the vocabulary: token_embd.weight is {dim, vocab} */
  const wick_gguf_tensor *emb = wick_gguf_find_tensor(&g, "token_embd.weight");
  if (emb == NULL) {
    s = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: tensor 'token_embd.weight' is missing");
    goto done;
  }
  if (emb->ne[1] == 0 || emb->ne[1] > MAX_DIM_SIZE) {
    s = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: tensor 'token_embd.weight': vocabulary %llu",
                      (unsigned long long)emb->ne[1]);
    goto done;
  }
  c.vocab_size = (int32_t)emb->ne[1];
  c.shared_classifier = wick_gguf_find_tensor(&g, "output.weight") == NULL;

  /* every tensor present, of the right size and a type we can read; no others */
  {
    const uint64_t D = (uint64_t)c.dim, V = (uint64_t)c.vocab_size, HID = (uint64_t)c.hidden_dim;
    const uint64_t QD = (uint64_t)c.n_heads * (uint64_t)HS,
                   KVD = (uint64_t)c.n_kv_heads * (uint64_t)HS;
    if ((s = want(&g, "token_embd.weight", D, V, d)) ||
        (s = want(&g, "output_norm.weight", D, 1, d)) ||
        (!c.shared_classifier && (s = want(&g, "output.weight", D, V, d))))
      goto done;
    for (int32_t l = 0; l < c.n_layers; l++) {
      char b[64];
      const struct {
        const char *part;
        uint64_t ne0, ne1;
      } parts[] = {{"attn_norm", D, 1},  {"attn_q", D, QD},      {"attn_k", D, KVD},
                   {"attn_v", D, KVD},   {"attn_output", QD, D}, {"ffn_norm", D, 1},
                   {"ffn_gate", D, HID}, {"ffn_down", HID, D},   {"ffn_up", D, HID}};
      for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(b, sizeof b, "blk.%d.%s.weight", (int)l, parts[i].part);
        if ((s = want(&g, b, parts[i].ne0, parts[i].ne1, d))) goto done;
      }
    }
    for (uint64_t i = 0; i < g.n_tensors; i++) {
      const char *n = g.tensors[i].name;
      if (g.tensors[i].type < 32) mi.tensor_types[g.tensors[i].type]++;
      if (strcmp(n, "token_embd.weight") == 0 || strcmp(n, "output_norm.weight") == 0 ||
          strcmp(n, "output.weight") == 0 || is_layer_tensor(n, c.n_layers))
        continue;
      s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                        "GGUF: tensor '%s' is not part of a plain llama model (biases, "
                        "rope_freqs, experts... are not supported)",
                        n);
      goto done;
    }
  }

  /* special tokens */
  {
    uint64_t v;
    bool found = false;
    if ((s = wick_gguf_get_uint(&g, "tokenizer.ggml.bos_token_id", false, &v, &found, d)))
      goto done;
    if (found) mi.bos_id = v <= INT32_MAX ? (int64_t)v : INT32_MAX;
    found = false;
    if ((s = wick_gguf_get_uint(&g, "tokenizer.ggml.eos_token_id", false, &v, &found, d)))
      goto done;
    if (found) mi.eos_id = v <= INT32_MAX ? (int64_t)v : INT32_MAX;
  }

  wick_llm_convert_options o = {0};
  if (opt) o = *opt;
  if (o.rope_theta == 0) o.rope_theta = mi.rope_theta;
  if (o.norm_eps == 0) o.norm_eps = mi.norm_eps;
  if (o.bos_id == 0) o.bos_id = mi.bos_id >= 0 ? mi.bos_id : 1;
  if (o.eos_id == 0) o.eos_id = mi.eos_id >= 0 ? mi.eos_id : 2;
  mi.cfg = c;
  gguf_source src = {&g};
  s = wick_llm_build_program(&c, &o, gguf_weight, &src, pte, pte_size, d);

done:
  if (info) *info = mi;
  wick_gguf_free(&g);
  return s;
}

wick_status wick_llm_convert_gguf(const char *path, const wick_llm_convert_options *opt,
                                  uint8_t **pte, size_t *pte_size, wick_gguf_model_info *info,
                                  wick_diag *d) {
  if (path == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "convert: NULL path");
  wick_file f;
  wick_status s = wick_file_open(&f, path, d);
  if (s) return s;
  s = wick_llm_convert_gguf_mem(f.data, f.size, opt, pte, pte_size, info, d);
  if (s) wick_diag_prefix(d, "%s", path);
  wick_file_close(&f);
  return s;
}
