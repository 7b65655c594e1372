/* A loaded LLM program: metadata methods, the forward method with its KV
 * cache, and chunked feeding of tokens. */
#include <stdlib.h>
#include <string.h>

#include "wick/llm.h"

/* Executes a constant method (no inputs) and reads its Int / Bool output. */
static wick_status read_meta(const wick_program *p, const char *name, int64_t *out, bool required,
                             wick_diag *d) {
  bool found = false;
  for (uint32_t i = 0; i < p->num_methods; i++) {
    const char *mn = wick_program_method_name(p, i);
    if (mn && strcmp(mn, name) == 0) found = true;
  }
  if (!found) {
    if (required)
      return wick_diag_set(d, WICK_ERR_NOT_FOUND, "the program has no '%s' method", name);
    return WICK_OK;
  }
  wick_loaded_method lm;
  wick_status s = wick_method_load_alloc(p, name, &lm, d);
  if (s) return s;
  if ((s = wick_method_execute(lm.method, d)) == WICK_OK) {
    const wick_value *v = wick_method_output_value(lm.method, 0);
    if (v && v->kind == WICK_VAL_INT) *out = v->u.i;
    else if (v && v->kind == WICK_VAL_BOOL) *out = v->u.b;
    else
      s = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "method '%s' does not return an Int", name);
  }
  wick_method_free(&lm);
  return s;
}

void wick_llm_close(wick_llm *m) {
  if (m == NULL) return;
  wick_method_free(&m->forward);
  free(m->tokens);
  if (m->file.data) wick_file_close(&m->file);
  memset(m, 0, sizeof *m);
}

/* Loads into a zeroed *m (m->file may be set); leaves partial state to the caller. */
static wick_status load_impl(wick_llm *m, const void *pte, size_t size, wick_diag *d) {
  wick_status s = wick_program_load(&m->program, pte, size, d);
  if (s) return s;
  m->bos_id = 1;
  m->eos_id = 2;
  if ((s = read_meta(&m->program, "get_vocab_size", &m->vocab_size, true, d)) ||
      (s = read_meta(&m->program, "get_max_seq_len", &m->max_seq_len, true, d)) ||
      (s = read_meta(&m->program, "get_bos_id", &m->bos_id, false, d)) ||
      (s = read_meta(&m->program, "get_eos_id", &m->eos_id, false, d)))
    return s;
  if (m->vocab_size <= 0 || m->vocab_size > INT32_MAX || m->max_seq_len <= 0 ||
      m->max_seq_len > INT32_MAX)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "llm: vocab_size %lld / max_seq_len %lld",
                         (long long)m->vocab_size, (long long)m->max_seq_len);

  /* forward(tokens int64[1, T<=P], input_pos int64[1]) -> float32[1, vocab] */
  wick_io_info in0, in1, out0;
  if ((s = wick_method_io_info(&m->program, "forward", false, 0, &in0, d)) ||
      (s = wick_method_io_info(&m->program, "forward", false, 1, &in1, d)) ||
      (s = wick_method_io_info(&m->program, "forward", true, 0, &out0, d)))
    return s;
  if (in0.kind != WICK_VAL_TENSOR || in0.tensor.dtype != WICK_I64 || in0.tensor.dim != 2 ||
      in0.tensor.sizes[0] != 1 || in1.kind != WICK_VAL_TENSOR || in1.tensor.dtype != WICK_I64 ||
      out0.kind != WICK_VAL_TENSOR || out0.tensor.dtype != WICK_F32 ||
      wick_tensor_numel(&out0.tensor) != (size_t)m->vocab_size)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "llm: forward must take (int64[1, T], int64[1]) and return "
                         "float32[1, %lld]",
                         (long long)m->vocab_size);
  m->max_prefill = in0.tensor.sizes[1];
  if (in0.tensor.dynamism == WICK_SHAPE_STATIC && m->max_prefill != 1)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "llm: a static tokens input must be [1, 1] (got [1, %lld])",
                         (long long)m->max_prefill);
  if (m->max_prefill < 1)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "llm: tokens input has no room");
  m->tokens = malloc((size_t)m->max_prefill * sizeof *m->tokens);
  if (m->tokens == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "llm: out of memory");
  return wick_method_load_alloc(&m->program, "forward", &m->forward, d);
}

wick_status wick_llm_load(wick_llm *m, const void *pte, size_t size, wick_diag *d) {
  if (m == NULL || pte == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "llm: NULL argument");
  memset(m, 0, sizeof *m);
  wick_status s = load_impl(m, pte, size, d);
  if (s) wick_llm_close(m);
  return s;
}

wick_status wick_llm_open(wick_llm *m, const char *path, wick_diag *d) {
  if (m == NULL || path == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "llm: NULL argument");
  memset(m, 0, sizeof *m);
  wick_status s = wick_file_open(&m->file, path, d);
  if (s) return s;
  s = load_impl(m, m->file.data, m->file.size, d);
  if (s) {
    wick_diag_prefix(d, "%s", path);
    wick_llm_close(m);
  }
  return s;
}

void wick_llm_reset(wick_llm *m) {
  if (m) m->pos = 0;
}

wick_status wick_llm_forward(wick_llm *m, const int32_t *tokens, size_t n, const float **logits,
                             wick_diag *d) {
  if (m == NULL || m->forward.method == NULL || (tokens == NULL && n > 0) || logits == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "llm forward: bad arguments");
  if (n == 0) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "llm forward: no tokens");
  if ((uint64_t)m->pos + n > (uint64_t)m->max_seq_len)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "llm forward: positions %lld..%lld exceed the context of %lld",
                         (long long)m->pos, (long long)(m->pos + (int64_t)n - 1),
                         (long long)m->max_seq_len);
  wick_method *fw = m->forward.method;
  size_t done = 0;
  while (done < n) {
    size_t chunk = n - done;
    if (chunk > (size_t)m->max_prefill) chunk = (size_t)m->max_prefill;
    for (size_t i = 0; i < chunk; i++) {
      int32_t tk = tokens[done + i];
      if (tk < 0 || tk >= m->vocab_size)
        return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "llm forward: token %d out of range",
                             (int)tk);
      m->tokens[i] = tk;
    }
    wick_tensor t, p;
    int64_t pos = m->pos;
    wick_status s = wick_tensor_init(&t, WICK_I64, 2, (const int64_t[]){1, (int64_t)chunk},
                                     m->tokens, chunk * sizeof(int64_t));
    if (!s) s = wick_tensor_init(&p, WICK_I64, 1, (const int64_t[]){1}, &pos, sizeof pos);
    if (!s) s = wick_method_set_input(fw, 0, &t, d);
    if (!s) s = wick_method_set_input(fw, 1, &p, d);
    if (!s) s = wick_method_execute(fw, d);
    if (s) return s;
    m->pos += (int64_t)chunk;
    done += chunk;
  }
  const wick_tensor *out = wick_method_output(fw, 0);
  if (out == NULL || out->dtype != WICK_F32 || wick_tensor_numel(out) != (size_t)m->vocab_size)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "llm forward: unexpected output");
  *logits = out->data;
  return WICK_OK;
}
