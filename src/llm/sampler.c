/* Token sampling: greedy, temperature, top-p (nucleus), with llama2.c's
 * xorshift64* generator so that a seed gives llama2.c's choices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wick/llm.h"

uint32_t wick_rng_u32(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

float wick_rng_f32(uint64_t *state) { return (float)(wick_rng_u32(state) >> 8) / 16777216.0f; }

wick_status wick_sampler_init(wick_sampler *s, int32_t vocab_size, float temperature, float topp,
                              uint64_t seed, wick_diag *d) {
  if (s == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "sampler: NULL argument");
  memset(s, 0, sizeof *s);
  if (vocab_size <= 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "sampler: vocab_size %d", (int)vocab_size);
  if (!(temperature >= 0) || !isfinite(temperature))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "sampler: temperature %g must be >= 0",
                         (double)temperature);
  if (!(topp >= 0 && topp <= 1))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "sampler: top-p %g must lie in [0, 1]",
                         (double)topp);
  s->vocab_size = vocab_size;
  s->temperature = temperature;
  s->topp = topp;
  s->rng = seed ? seed : 0x9E3779B97F4A7C15ull; /* xorshift must not start at 0 */
  s->probs = malloc((size_t)vocab_size * sizeof *s->probs);
  s->cand = malloc((size_t)vocab_size * sizeof *s->cand);
  if (s->probs == NULL || s->cand == NULL) {
    wick_sampler_free(s);
    return wick_diag_set(d, WICK_ERR_MEMORY, "sampler: out of memory");
  }
  return WICK_OK;
}

void wick_sampler_free(wick_sampler *s) {
  if (s == NULL) return;
  free(s->probs);
  free(s->cand);
  memset(s, 0, sizeof *s);
}

static int32_t argmax(const float *v, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

/* In place: v = softmax(v). */
static void softmax(float *v, int32_t n) {
  float mx = v[0];
  for (int32_t i = 1; i < n; i++)
    if (v[i] > mx) mx = v[i];
  float sum = 0.0f;
  for (int32_t i = 0; i < n; i++) {
    v[i] = expf(v[i] - mx);
    sum += v[i];
  }
  for (int32_t i = 0; i < n; i++) v[i] /= sum;
}

/* Inverse CDF of the distribution p (sums to 1) at coin in [0, 1). */
static int32_t sample_all(const float *p, int32_t n, float coin) {
  float cdf = 0.0f;
  for (int32_t i = 0; i < n; i++) {
    cdf += p[i];
    if (coin < cdf) return i;
  }
  return n - 1; /* rounding */
}

/* Orders candidates by descending probability (heap sort: no allocation). */
static bool before(const wick_prob_index *a, const wick_prob_index *b) {
  return a->prob > b->prob || (a->prob == b->prob && a->index < b->index);
}

static void sift(wick_prob_index *v, size_t root, size_t n) {
  for (;;) {
    size_t c = 2 * root + 1;
    if (c >= n) return;
    /* the root is the element that sorts last (the least likely) */
    if (c + 1 < n && before(&v[c], &v[c + 1])) c++;
    if (!before(&v[root], &v[c])) return;
    wick_prob_index t = v[root];
    v[root] = v[c];
    v[c] = t;
    root = c;
  }
}

static void sort_desc(wick_prob_index *v, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift(v, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    wick_prob_index t = v[0];
    v[0] = v[end];
    v[end] = t;
    sift(v, 0, end);
  }
}

/* Nucleus sampling: the smallest set of most likely tokens whose mass
 * exceeds topp; tokens below (1 - topp) / (n - 1) cannot be in it and are
 * dropped before sorting. */
static int32_t sample_topp(const float *p, int32_t n, float topp, wick_prob_index *cand,
                           float coin) {
  const float cutoff = (1.0f - topp) / (float)(n > 1 ? n - 1 : 1);
  size_t m = 0;
  for (int32_t i = 0; i < n; i++)
    if (p[i] >= cutoff) {
      cand[m].index = i;
      cand[m].prob = p[i];
      m++;
    }
  if (m == 0) return argmax(p, n);
  sort_desc(cand, m);
  float cum = 0.0f;
  size_t last = m - 1;
  for (size_t i = 0; i < m; i++) {
    cum += cand[i].prob;
    if (cum > topp) {
      last = i;
      break;
    }
  }
  float r = coin * cum;
  float cdf = 0.0f;
  for (size_t i = 0; i <= last; i++) {
    cdf += cand[i].prob;
    if (r < cdf) return cand[i].index;
  }
  return cand[last].index;
}

int32_t wick_sampler_sample(wick_sampler *s, const float *logits) {
  int32_t n = s->vocab_size;
  if (s->temperature == 0.0f) return argmax(logits, n);
  for (int32_t i = 0; i < n; i++) s->probs[i] = logits[i] / s->temperature;
  softmax(s->probs, n);
  float coin = wick_rng_f32(&s->rng);
  if (s->topp <= 0.0f || s->topp >= 1.0f) return sample_all(s->probs, n, coin);
  return sample_topp(s->probs, n, s->topp, s->cand, coin);
}
