/* Hot swap with rollback (include/wick/swap.h). A slot points at one model;
 * a mutex guards that pointer, each model's reference count and its free list
 * of method instances. Loading, integrity checks, self-tests and execution
 * all happen outside the lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wick/swap.h"

typedef struct slot_instance {
  wick_loaded_method lm;
  struct slot_instance *next;
} slot_instance;

struct wick_slot_model {
  void *bytes;              /* 64-aligned copy of the .pte / .bpte            */
  void *program_bytes;      /* 64-aligned copy of a bundle's embedded program  */
  wick_program program;
  uint64_t generation;
  uint32_t refs;            /* leases outstanding                             */
  bool retired;             /* replaced; freed when refs drops to 0            */
  slot_instance *free_list; /* instances not leased                            */
};

struct wick_model_slot {
  pthread_mutex_t lock;
  wick_slot_model *current;
  char method[128];
  uint64_t generation, swaps, rejected;
  uint32_t retired_alive, leases;
};

static void model_free(wick_slot_model *m) {
  if (m == NULL) return;
  slot_instance *i = m->free_list;
  while (i) {
    slot_instance *next = i->next;
    wick_method_free(&i->lm);
    free(i);
    i = next;
  }
  free(m->program_bytes);
  free(m->bytes);
  free(m);
}

static wick_status new_instance(const wick_slot_model *m, const char *method, slot_instance **out,
                                wick_diag *d) {
  slot_instance *i = calloc(1, sizeof *i);
  if (i == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "model slot: out of memory");
  wick_status s = wick_method_load_alloc(&m->program, method, &i->lm, d);
  if (s != WICK_OK) {
    free(i);
    return s;
  }
  *out = i;
  return WICK_OK;
}

wick_status wick_slot_new(wick_model_slot **out, const char *method, wick_diag *d) {
  *out = NULL;
  if (method == NULL) method = "forward";
  if (strlen(method) >= sizeof ((wick_model_slot *)0)->method)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "model slot: method name too long");
  wick_model_slot *s = calloc(1, sizeof *s);
  if (s == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "model slot: out of memory");
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    free(s);
    return wick_diag_set(d, WICK_ERR_MEMORY, "model slot: cannot create its lock");
  }
  strcpy(s->method, method);
  *out = s;
  return WICK_OK;
}

void wick_slot_free(wick_model_slot *s) {
  if (s == NULL) return;
  model_free(s->current);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

static void *aligned_copy(const void *data, size_t size) {
  void *p = NULL;
  if (posix_memalign(&p, 64, size ? size : 1) != 0) return NULL;
  if (size) memcpy(p, data, size);
  return p;
}

/* Runs every bundled case; the slot's method on `inst`, other methods on a
 * temporary instance. */
static wick_status self_test(const wick_model_slot *s, const wick_slot_model *m,
                             const wick_bundled *b, slot_instance *inst,
                             const wick_slot_options *opt, uint32_t *cases_run, wick_diag *d) {
  *cases_run = 0;
  for (uint32_t su = 0; su < b->num_suites; su++) {
    wick_bundled_suite suite;
    wick_status st = wick_bundled_get_suite(b, su, &suite, d);
    if (st != WICK_OK) return st;
    bool own = strcmp(suite.method_name, s->method) == 0;
    slot_instance *tmp = NULL;
    if (!own && suite.num_cases) {
      st = new_instance(m, suite.method_name, &tmp, d);
      if (st != WICK_OK) {
        wick_diag_prefix(d, "self-test suite %u: method '%s'", su, suite.method_name);
        return st;
      }
    }
    for (uint32_t c = 0; c < suite.num_cases; c++) {
      wick_case_result res;
      wick_method *meth = own ? inst->lm.method : tmp->lm.method;
      if (wick_bundled_run_case(b, su, c, meth, opt ? opt->tolerance : NULL, &res, NULL) !=
          WICK_OK) {
        if (tmp) {
          wick_method_free(&tmp->lm);
          free(tmp);
        }
        return wick_diag_set(d, WICK_ERR_VERIFY_FAILED,
                             "self-test failed: suite %u method '%s' case %u: %s", su,
                             suite.method_name, c, res.why);
      }
      if (own) (*cases_run)++;
    }
    if (tmp) {
      wick_method_free(&tmp->lm);
      free(tmp);
    }
  }
  return WICK_OK;
}

/* Loads and checks a model; *out is ready to swap in. */
static wick_status prepare(const wick_model_slot *s, const void *data, size_t size,
                           const wick_slot_options *opt, wick_slot_model **out, wick_diag *d) {
  *out = NULL;
  wick_slot_model *m = calloc(1, sizeof *m);
  if (m == NULL || (m->bytes = aligned_copy(data, size)) == NULL) {
    free(m);
    return wick_diag_set(d, WICK_ERR_MEMORY, "model slot: cannot copy %zu bytes", size);
  }
  wick_bundled bundle;
  bool bundled = wick_is_bundled(m->bytes, size);
  wick_status st = WICK_OK;
  if (bundled) {
    st = wick_bundled_load(&bundle, m->bytes, size, d);
    if (st == WICK_OK && (m->program_bytes = aligned_copy(bundle.program, bundle.program_size)) ==
                             NULL)
      st = wick_diag_set(d, WICK_ERR_MEMORY, "model slot: cannot copy the embedded program");
    if (st == WICK_OK)
      st = wick_program_load(&m->program, m->program_bytes, bundle.program_size, d);
  } else {
    st = wick_program_load(&m->program, m->bytes, size, d);
  }
  if (st == WICK_OK) {
    char want[8];
    bool recorded =
        wick_program_metadata(&m->program, "constants_sha256", want, sizeof want, NULL) == WICK_OK;
    if (!recorded && opt && opt->require_digest)
      st = wick_diag_set(d, WICK_ERR_VERIFY_FAILED,
                         "the program records no constants digest (require_digest)");
    else if (recorded && !(opt && opt->skip_integrity))
      st = wick_program_check_integrity(&m->program, d);
  }
  slot_instance *first = NULL;
  if (st == WICK_OK) st = new_instance(m, s->method, &first, d);
  uint32_t cases = 0;
  if (st == WICK_OK && bundled) st = self_test(s, m, &bundle, first, opt, &cases, d);
  if (st == WICK_OK && cases == 0 && opt && opt->require_self_test)
    st = wick_diag_set(d, WICK_ERR_VERIFY_FAILED,
                       "no bundled test case for method '%s' (require_self_test)", s->method);
  if (first) {
    first->next = m->free_list;
    m->free_list = first;
  }
  uint32_t want_instances = opt && opt->instances ? opt->instances : 1;
  for (uint32_t k = 1; st == WICK_OK && k < want_instances; k++) {
    slot_instance *i = NULL;
    st = new_instance(m, s->method, &i, d);
    if (st == WICK_OK) {
      i->next = m->free_list;
      m->free_list = i;
    }
  }
  if (st != WICK_OK) {
    model_free(m);
    return st;
  }
  *out = m;
  return WICK_OK;
}

wick_status wick_slot_stage_buffer(wick_model_slot *s, const void *data, size_t size,
                                   const wick_slot_options *opt, wick_diag *d) {
  if (s == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_slot_stage: NULL argument");
  wick_slot_model *m = NULL;
  wick_status st = prepare(s, data, size, opt, &m, d);
  wick_slot_model *drop = NULL;
  pthread_mutex_lock(&s->lock);
  if (st != WICK_OK) {
    s->rejected++;
    uint64_t gen = s->generation;
    pthread_mutex_unlock(&s->lock);
    if (gen)
      wick_diag_prefix(d, "staging rejected, generation %llu keeps running",
                       (unsigned long long)gen);
    else
      wick_diag_prefix(d, "staging rejected (no model running)");
    return st;
  }
  wick_slot_model *old = s->current;
  m->generation = ++s->generation;
  s->current = m;
  s->swaps++;
  if (old) {
    old->retired = true;
    if (old->refs == 0)
      drop = old;
    else
      s->retired_alive++;
  }
  pthread_mutex_unlock(&s->lock);
  model_free(drop);
  return WICK_OK;
}

wick_status wick_slot_stage_file(wick_model_slot *s, const char *path,
                                 const wick_slot_options *opt, wick_diag *d) {
  if (s == NULL || path == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_slot_stage_file: NULL argument");
  wick_file f;
  wick_status st = wick_file_open(&f, path, d);
  if (st != WICK_OK) return st;
  st = wick_slot_stage_buffer(s, f.data, f.size, opt, d);
  wick_file_close(&f);
  if (st != WICK_OK) wick_diag_prefix(d, "%s", path);
  return st;
}

wick_status wick_slot_acquire(wick_model_slot *s, wick_slot_lease *lease, wick_diag *d) {
  memset(lease, 0, sizeof *lease);
  pthread_mutex_lock(&s->lock);
  wick_slot_model *m = s->current;
  if (m == NULL) {
    pthread_mutex_unlock(&s->lock);
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "model slot: no model staged yet");
  }
  m->refs++;
  s->leases++;
  slot_instance *i = m->free_list;
  if (i) m->free_list = i->next;
  pthread_mutex_unlock(&s->lock);
  if (i == NULL) {
    /* Every instance is leased: load another (the program is read-only). */
    wick_status st = new_instance(m, s->method, &i, d);
    if (st != WICK_OK) {
      wick_slot_lease tmp = {NULL, NULL, 0, m, NULL};
      wick_slot_release(s, &tmp);
      return st;
    }
  }
  i->next = NULL;
  lease->method = i->lm.method;
  lease->program = &m->program;
  lease->generation = m->generation;
  lease->model_ = m;
  lease->instance_ = i;
  return WICK_OK;
}

void wick_slot_release(wick_model_slot *s, wick_slot_lease *lease) {
  wick_slot_model *m = lease->model_;
  if (m == NULL) return;
  slot_instance *i = lease->instance_;
  wick_slot_model *drop = NULL;
  pthread_mutex_lock(&s->lock);
  if (i) {
    i->next = m->free_list;
    m->free_list = i;
  }
  m->refs--;
  s->leases--;
  if (m->retired && m->refs == 0) {
    drop = m;
    s->retired_alive--;
  }
  pthread_mutex_unlock(&s->lock);
  model_free(drop);
  memset(lease, 0, sizeof *lease);
}

uint64_t wick_slot_generation(wick_model_slot *s) {
  pthread_mutex_lock(&s->lock);
  uint64_t g = s->current ? s->current->generation : 0;
  pthread_mutex_unlock(&s->lock);
  return g;
}

void wick_slot_get_stats(wick_model_slot *s, wick_slot_stats *out) {
  pthread_mutex_lock(&s->lock);
  out->generation = s->current ? s->current->generation : 0;
  out->swaps = s->swaps;
  out->rejected = s->rejected;
  out->retired_alive = s->retired_alive;
  out->leases = s->leases;
  pthread_mutex_unlock(&s->lock);
}
