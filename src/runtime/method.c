/* Method instantiation (values, memory plan, constants, kernel binding) and
 * the instruction loop. Everything is carved from caller arenas at load;
 * execute allocates nothing. */
#include <string.h>

#include "runtime/internal.h"

wick_status wick_resolve_constant(const wick_program *p, fb_reader *r, const fb_table *tensor,
                                  uint32_t vidx, uint64_t need, const uint8_t **ptr,
                                  wick_diag *d);
wick_status wick_check_signature(const wick_kernel *k, const wick_value *values, uint32_t nvalues,
                                 const uint8_t *kinds, fb_reader *r, fb_vec args, uint32_t instr,
                                 wick_diag *d);

/* Default instruction budget for methods whose chains jump backwards (loops):
 * a malformed program must not hang the caller. wick_method_set_step_limit
 * changes it. */
#define WICK_DEFAULT_STEP_LIMIT 100000000ull

enum { INPUT_UNSET = 0, INPUT_SET = 1, INPUT_PLANNED = 2 };

typedef struct bump {
  uint8_t *base;
  size_t size;
  size_t used;
} bump;

static void *bump_alloc(bump *b, size_t n) {
  size_t need = wick_arena_round(n);
  if (need > b->size - b->used) return NULL;
  void *p = b->base + b->used;
  b->used += need;
  memset(p, 0, need);
  return p;
}

#define BAIL_MALFORMED(r, d, what)                                                        \
  wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (at byte %u)", what, (r)->bad ? (r)->bad : "invalid", \
                (unsigned)(r)->bad_pos)

static wick_status arena_short(wick_diag *d) {
  return wick_diag_set(d, WICK_ERR_MEMORY, "runtime arena exhausted during method load");
}

wick_status wick_method_load(const wick_program *p, const char *name, const wick_arenas *a,
                             wick_method **out, wick_diag *d) {
  if (out) *out = NULL;
  if (p == NULL || name == NULL || a == NULL || out == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "method load: NULL argument");
  fb_reader rd;
  fb_reader *r = &rd;
  fb_table plan = wick_program_find_plan(p, r, name, d);
  if (plan.pos == 0) return d && d->status ? d->status : WICK_ERR_NOT_FOUND;
  plan_scan scan;
  wick_status s = wick_plan_scan(p, r, &plan, &scan, d);
  if (s) return s;

  /* Arenas. */
  if (a->runtime == NULL || a->runtime_size < scan.runtime_bytes)
    return wick_diag_set(d, WICK_ERR_MEMORY, "method '%s': runtime arena of %zu bytes, needs %zu",
                         name, a->runtime ? a->runtime_size : 0, scan.runtime_bytes);
  if (a->num_planned < scan.num_planned)
    return wick_diag_set(d, WICK_ERR_MEMORY, "method '%s': %u planned arenas given, needs %u", name,
                         a->num_planned, scan.num_planned);
  for (uint32_t i = 0; i < scan.num_planned; i++) {
    if (a->planned_sizes[i] < scan.planned_sizes[i] ||
        (scan.planned_sizes[i] > 0 && a->planned[i] == NULL))
      return wick_diag_set(d, WICK_ERR_MEMORY,
                           "method '%s': planned arena %u has %zu bytes, needs %llu", name, i + 1,
                           a->planned[i] ? a->planned_sizes[i] : 0,
                           (unsigned long long)scan.planned_sizes[i]);
  }
  bump b;
  uintptr_t base = ((uintptr_t)a->runtime + 15u) & ~(uintptr_t)15u;
  b.base = (uint8_t *)base;
  b.size = a->runtime_size - (size_t)(base - (uintptr_t)a->runtime);
  b.used = 0;

  wick_method *m = bump_alloc(&b, sizeof *m);
  if (m == NULL) return arena_short(d);
  m->prog = p;
  m->name = fb_get_str(r, &plan, PLAN_NAME, NULL);
  fb_vec values = fb_get_vec(r, &plan, PLAN_VALUES, 4);
  m->num_values = values.len;
  m->values = bump_alloc(&b, (size_t)values.len * sizeof(wick_value));
  uint8_t *kinds = bump_alloc(&b, values.len);
  if ((values.len && (m->values == NULL || kinds == NULL)) || r->bad) return arena_short(d);

  /* Pass 1: scalars, strings and tensors. */
  for (uint32_t i = 0; i < values.len; i++) {
    fb_table ev = fb_vec_table(r, values, i);
    uint8_t tag = fb_get_u8(r, &ev, EVALUE_VAL_TYPE, KT_NONE);
    fb_table val = fb_get_table(r, &ev, EVALUE_VAL);
    wick_value *v = &m->values[i];
    switch (tag) {
      case KT_INT: v->kind = WICK_VAL_INT; v->u.i = fb_get_i64(r, &val, SCALAR_VAL, 0); break;
      case KT_BOOL: v->kind = WICK_VAL_BOOL; v->u.b = fb_get_bool(r, &val, SCALAR_VAL, false); break;
      case KT_DOUBLE: v->kind = WICK_VAL_DOUBLE; v->u.d = fb_get_f64(r, &val, SCALAR_VAL, 0); break;
      case KT_STRING:
        v->kind = WICK_VAL_STRING;
        v->u.s.ptr = fb_get_str(r, &val, SCALAR_VAL, &v->u.s.len);
        if (v->u.s.ptr == NULL) v->u.s.ptr = "";
        break;
      case KT_TENSOR: {
        wick_tensor *t = bump_alloc(&b, sizeof *t);
        if (t == NULL) return arena_short(d);
        s = wick_read_tensor_header(r, &val, t, i, d);
        if (s) return s;
        v->kind = WICK_VAL_TENSOR;
        v->u.t = t;
        const uint8_t *init = NULL;
        s = wick_resolve_constant(p, r, &val, i, t->capacity, &init, d);
        if (s) return s;
        fb_table alloc = fb_get_table(r, &val, TENSOR_ALLOCATION_INFO);
        if (alloc.pos) {
          uint32_t mid = fb_get_u32(r, &alloc, ALLOC_MEMORY_ID, 0);
          uint64_t off = fb_get_u32(r, &alloc, ALLOC_OFFSET_LOW, 0) |
                         ((uint64_t)fb_get_u32(r, &alloc, ALLOC_OFFSET_HIGH, 0) << 32);
          t->data = (uint8_t *)a->planned[mid - 1] + off;
          if (init && t->capacity) memcpy(t->data, init, t->capacity);
        } else if (init) {
          t->data = (void *)(uintptr_t)init; /* read-only program data */
          t->is_const = 1;
        }
        /* Kernels read elements in place: data must be aligned to its element. */
        if (t->data && ((uintptr_t)t->data % wick_dtype_size(t->dtype)) != 0)
          return wick_diag_set(d, WICK_ERR_MALFORMED,
                               "value %u: %s data at address %p is not aligned to %zu bytes%s",
                               i, t->is_const ? "constant" : "planned", t->data,
                               wick_dtype_size(t->dtype),
                               t->is_const ? " (load the program from an aligned buffer)" : "");
        break;
      }
      default:
        v->kind = WICK_VAL_NONE;
        break;
    }
    kinds[i] = v->kind;
    if (tag >= KT_INT_LIST && tag <= KT_OPT_TENSOR_LIST) kinds[i] = (uint8_t)(WICK_VAL_INT_LIST + (tag - KT_INT_LIST));
    if (r->bad) return BAIL_MALFORMED(r, d, "value");
  }

  /* Pass 2: lists (they refer to other values). */
  for (uint32_t i = 0; i < values.len; i++) {
    if (kinds[i] < WICK_VAL_INT_LIST) continue;
    fb_table ev = fb_vec_table(r, values, i);
    fb_table val = fb_get_table(r, &ev, EVALUE_VAL);
    wick_value *v = &m->values[i];
    v->kind = kinds[i];
    switch (kinds[i]) {
      case WICK_VAL_INT_LIST: {
        fb_vec it = fb_get_vec(r, &val, LIST_ITEMS, 8);
        v->u.il.n = it.len;
        v->u.il.items = bump_alloc(&b, (size_t)it.len * sizeof(int64_t));
        v->u.il.src = bump_alloc(&b, (size_t)it.len * sizeof(wick_value *));
        if (it.len && (v->u.il.items == NULL || v->u.il.src == NULL)) return arena_short(d);
        for (uint32_t k = 0; k < it.len; k++) {
          v->u.il.src[k] = &m->values[fb_vec_i64(r, it, k)];
          v->u.il.items[k] = v->u.il.src[k]->u.i;
        }
        break;
      }
      case WICK_VAL_DOUBLE_LIST: {
        fb_vec it = fb_get_vec(r, &val, LIST_ITEMS, 8);
        v->u.dl.n = it.len;
        v->u.dl.items = bump_alloc(&b, (size_t)it.len * sizeof(double));
        if (it.len && v->u.dl.items == NULL) return arena_short(d);
        for (uint32_t k = 0; k < it.len; k++) v->u.dl.items[k] = fb_vec_f64(r, it, k);
        break;
      }
      case WICK_VAL_BOOL_LIST: {
        fb_vec it = fb_get_vec(r, &val, LIST_ITEMS, 1);
        v->u.bl.n = it.len;
        v->u.bl.items = bump_alloc(&b, (size_t)it.len * sizeof(bool));
        if (it.len && v->u.bl.items == NULL) return arena_short(d);
        for (uint32_t k = 0; k < it.len; k++) v->u.bl.items[k] = fb_vec_u8(r, it, k) != 0;
        break;
      }
      case WICK_VAL_TENSOR_LIST:
      case WICK_VAL_OPT_TENSOR_LIST: {
        fb_vec it = fb_get_vec(r, &val, LIST_ITEMS, 4);
        v->u.tl.n = it.len;
        v->u.tl.items = bump_alloc(&b, (size_t)it.len * sizeof(wick_tensor *));
        if (it.len && v->u.tl.items == NULL) return arena_short(d);
        for (uint32_t k = 0; k < it.len; k++) {
          int32_t ix = fb_vec_i32(r, it, k);
          v->u.tl.items[k] = ix < 0 ? NULL : m->values[ix].u.t;
        }
        break;
      }
      default:
        break;
    }
    if (r->bad) return BAIL_MALFORMED(r, d, "list value");
  }

  /* Inputs and outputs. */
  fb_vec ins = fb_get_vec(r, &plan, PLAN_INPUTS, 4);
  fb_vec outs = fb_get_vec(r, &plan, PLAN_OUTPUTS, 4);
  m->num_inputs = ins.len;
  m->num_outputs = outs.len;
  m->inputs = bump_alloc(&b, (size_t)ins.len * 4);
  m->outputs = bump_alloc(&b, (size_t)outs.len * 4);
  m->input_set = bump_alloc(&b, ins.len);
  if ((ins.len && (m->inputs == NULL || m->input_set == NULL)) || (outs.len && m->outputs == NULL))
    return arena_short(d);
  for (uint32_t k = 0; k < ins.len; k++) {
    m->inputs[k] = fb_vec_i32(r, ins, k);
    const wick_value *v = &m->values[m->inputs[k]];
    if (v->kind == WICK_VAL_TENSOR && v->u.t->is_const)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "method '%s': input %u (value %d) is a constant tensor", name, k,
                           m->inputs[k]);
    m->input_set[k] = (v->kind != WICK_VAL_TENSOR || v->u.t->data != NULL || v->u.t->capacity == 0)
                          ? INPUT_PLANNED
                          : INPUT_UNSET;
  }
  for (uint32_t k = 0; k < ins.len; k++)
    if (m->input_set[k] == INPUT_UNSET) m->has_unplanned_inputs = true;
  for (uint32_t k = 0; k < outs.len; k++) m->outputs[k] = fb_vec_i32(r, outs, k);

  fb_vec ops = fb_get_vec(r, &plan, PLAN_OPERATORS, 4);

  /* Chains. */
  fb_vec chains = fb_get_vec(r, &plan, PLAN_CHAINS, 4);
  fb_vec dels = fb_get_vec(r, &plan, PLAN_DELEGATES, 4);
  m->num_chains = chains.len;
  m->chains = bump_alloc(&b, (size_t)chains.len * sizeof(wick_chain));
  if (chains.len && m->chains == NULL) return arena_short(d);
  uint32_t global = 0;
  for (uint32_t c = 0; c < chains.len; c++) {
    fb_table ch = fb_vec_table(r, chains, c);
    fb_vec instrs = fb_get_vec(r, &ch, CHAIN_INSTRUCTIONS, 4);
    wick_chain *chain = &m->chains[c];
    chain->n = instrs.len;
    chain->first = global;
    chain->instrs = bump_alloc(&b, (size_t)instrs.len * sizeof(wick_instr));
    if (instrs.len && chain->instrs == NULL) return arena_short(d);
    for (uint32_t k = 0; k < instrs.len; k++, global++) {
      fb_table in = fb_vec_table(r, instrs, k);
      uint8_t tag = fb_get_u8(r, &in, INSTR_ARGS_TYPE, IA_NONE);
      fb_table at = fb_get_table(r, &in, INSTR_ARGS);
      wick_instr *ins_ = &chain->instrs[k];
      ins_->kind = tag;
      if (tag == IA_KERNEL_CALL) {
        int32_t opi = fb_get_i32(r, &at, KCALL_OP_INDEX, 0);
        fb_vec args = fb_get_vec(r, &at, KCALL_ARGS, 4);
        fb_table op = fb_vec_table(r, ops, (uint32_t)opi);
        const char *nm = fb_get_str(r, &op, OPERATOR_NAME, NULL);
        const char *ov = fb_get_str(r, &op, OPERATOR_OVERLOAD, NULL);
        if (r->bad || nm == NULL) return BAIL_MALFORMED(r, d, "operator");
        char full[256];
        if (ov && ov[0])
          wick_snprintf(full, sizeof full, "%s.%s", nm, ov);
        else
          wick_snprintf(full, sizeof full, "%s", nm);
        const wick_kernel *kern = wick_find_kernel(full);
        if (kern == NULL)
          return wick_diag_set(d, WICK_ERR_MISSING_KERNEL,
                               "method '%s' instruction %u calls operator '%s', which has no "
                               "kernel in this build of wick",
                               name, global, full);
        s = wick_check_signature(kern, m->values, m->num_values, kinds, r, args, global, d);
        if (s) return s;
        /* A kernel must never write into program data (it may be a read-only mapping). */
        char sigbuf[64];
        uint32_t nouts;
        wick_kernel_sig(kern, sigbuf, sizeof sigbuf, &nouts);
        size_t siglen0 = strlen(sigbuf);
        for (uint32_t j = 0; j < nouts && j < siglen0 && j < args.len; j++) {
          const wick_value *wv = &m->values[fb_vec_i32(r, args, (uint32_t)siglen0 - 1 - j)];
          bool konst = wv->kind == WICK_VAL_TENSOR && wv->u.t->is_const;
          if (wv->kind == WICK_VAL_TENSOR_LIST)
            for (uint32_t q = 0; q < wv->u.tl.n; q++)
              konst = konst || (wv->u.tl.items[q] && wv->u.tl.items[q]->is_const);
          if (konst)
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "instruction %u: %s would write its output into constant "
                                 "program data",
                                 global, kern->name);
        }
        ins_->fn = kern->fn;
        ins_->name = kern->name;
        /* Returns repeat the out arguments (checked above): pass the schema's
         * arguments only. */
        ins_->nargs = (siglen0 == 1 && sigbuf[0] == '*') ? args.len : (uint32_t)siglen0;
        ins_->argv = bump_alloc(&b, (size_t)args.len * sizeof(wick_value *));
        if (args.len && ins_->argv == NULL) return arena_short(d);
        for (uint32_t j = 0; j < ins_->nargs; j++) {
          int32_t vi = fb_vec_i32(r, args, j);
          ins_->argv[j] = &m->values[vi];
        }
        if (kern->scratch) {
          size_t need = kern->scratch(ins_->argv, ins_->nargs);
          if (need > m->scratch_needed) m->scratch_needed = need;
        }
      } else if (tag == IA_DELEGATE_CALL) {
        int32_t di = fb_get_i32(r, &at, DCALL_DELEGATE_INDEX, 0);
        fb_table del = fb_vec_table(r, dels, (uint32_t)di);
        const char *id = fb_get_str(r, &del, DELEGATE_ID, NULL);
        if (r->bad) return BAIL_MALFORMED(r, d, "delegate");
        return wick_diag_set(d, WICK_ERR_MISSING_BACKEND,
                             "method '%s' instruction %u delegates to backend '%s', which is not "
                             "available in this build of wick",
                             name, global, id ? id : "?");
      } else if (tag == IA_MOVE_CALL) {
        ins_->a = fb_get_i32(r, &at, MOVE_FROM, 0);
        ins_->b = fb_get_i32(r, &at, MOVE_TO, 0);
        ins_->name = "move";
        /* Kernels were checked against value kinds at load: a move must not
         * change a value's kind behind their back. */
        if (m->values[ins_->a].kind != m->values[ins_->b].kind)
          return wick_diag_set(d, WICK_ERR_MALFORMED,
                               "instruction %u: move from value %d (%s) to value %d (%s) changes "
                               "the value's kind",
                               global, ins_->a, wick_value_kind_name(m->values[ins_->a].kind),
                               ins_->b, wick_value_kind_name(m->values[ins_->b].kind));
      } else if (tag == IA_JUMP_FALSE_CALL) {
        ins_->a = fb_get_i32(r, &at, JUMP_COND, 0);
        ins_->b = fb_get_i32(r, &at, JUMP_DEST, 0);
        ins_->name = "jump_false";
        const wick_value *cv = &m->values[ins_->a];
        bool ok = cv->kind == WICK_VAL_BOOL ||
                  (cv->kind == WICK_VAL_TENSOR && cv->u.t->dtype == WICK_BOOL);
        if (!ok)
          return wick_diag_set(d, WICK_ERR_MALFORMED,
                               "instruction %u: jump condition value %d is a %s, not a Bool",
                               global, ins_->a, wick_value_kind_name(cv->kind));
      } else if (tag == IA_FREE_CALL) {
        ins_->a = fb_get_i32(r, &at, FREE_VALUE, 0);
        ins_->name = "free";
        if (m->values[ins_->a].kind != WICK_VAL_TENSOR)
          return wick_diag_set(d, WICK_ERR_MALFORMED, "instruction %u: free of non-tensor value %d",
                               global, ins_->a);
      }
      if (r->bad) return BAIL_MALFORMED(r, d, "instruction");
    }
  }
  m->num_instructions = global;

  /* Tensors a kernel or a move touches must have memory, unless they are
   * method inputs (bound by set_input, checked when execute starts). */
  uint8_t *bound = kinds; /* reuse: kinds are no longer needed */
  memset(bound, 0, values.len);
  for (uint32_t k = 0; k < m->num_inputs; k++) bound[m->inputs[k]] = 1;
  for (uint32_t c = 0; c < m->num_chains; c++) {
    for (uint32_t k = 0; k < m->chains[c].n; k++) {
      const wick_instr *ins_ = &m->chains[c].instrs[k];
      uint32_t nuse = ins_->kind == INSTR_MOVE ? 1 : ins_->nargs;
      for (uint32_t j = 0; j < nuse; j++) {
        const wick_value *v = ins_->kind == INSTR_MOVE ? &m->values[ins_->a] : ins_->argv[j];
        uint32_t vi = (uint32_t)(v - m->values);
        if (v->kind == WICK_VAL_TENSOR && v->u.t->data == NULL && v->u.t->capacity > 0 &&
            !bound[vi])
          return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                               "instruction %u (%s): tensor value %u has no memory (neither "
                               "planned nor constant; dynamic allocation is not supported)",
                               m->chains[c].first + k, ins_->name, vi);
      }
    }
  }
  m->step_limit = scan.has_backward_jump ? WICK_DEFAULT_STEP_LIMIT : 0;
  m->ctx.diag = NULL;
  *out = m;
  return WICK_OK;
}

size_t wick_method_scratch_size(const wick_method *m) { return m ? m->scratch_needed : 0; }

wick_status wick_method_set_scratch(wick_method *m, void *mem, size_t size, wick_diag *d) {
  if (m == NULL || (mem == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "set_scratch: NULL argument");
  if (((uintptr_t)mem & 63u) != 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "scratch memory must be 64-byte aligned");
  m->ctx.scratch = mem;
  m->ctx.scratch_size = size;
  return WICK_OK;
}

void wick_method_set_threadpool(wick_method *m, wick_threadpool *pool) {
  if (m) m->ctx.pool = pool;
}

uint32_t wick_method_num_inputs(const wick_method *m) { return m ? m->num_inputs : 0; }
uint32_t wick_method_num_outputs(const wick_method *m) { return m ? m->num_outputs : 0; }
uint32_t wick_method_num_instructions(const wick_method *m) { return m ? m->num_instructions : 0; }

wick_value *wick_method_input_value(wick_method *m, uint32_t i) {
  if (m == NULL || i >= m->num_inputs) return NULL;
  return &m->values[m->inputs[i]];
}

wick_tensor *wick_method_input(wick_method *m, uint32_t i) {
  wick_value *v = wick_method_input_value(m, i);
  return v && v->kind == WICK_VAL_TENSOR ? v->u.t : NULL;
}

/* Copies src into dst element by element following both tensors' strides
 * (they may have different dim orders). Shapes are equal. */
static void strided_copy(wick_tensor *dst, const wick_tensor *src) {
  size_t es = wick_dtype_size(dst->dtype);
  size_t n = wick_tensor_numel(dst);
  int32_t idx[WICK_MAX_DIM] = {0};
  for (size_t e = 0; e < n; e++) {
    size_t so = 0, doff = 0;
    for (int k = 0; k < dst->dim; k++) {
      so += (size_t)idx[k] * (size_t)src->strides[k];
      doff += (size_t)idx[k] * (size_t)dst->strides[k];
    }
    memcpy((uint8_t *)dst->data + doff * es, (const uint8_t *)src->data + so * es, es);
    for (int k = dst->dim - 1; k >= 0; k--) {
      if (++idx[k] < dst->sizes[k]) break;
      idx[k] = 0;
    }
  }
}

wick_status wick_method_set_input(wick_method *m, uint32_t i, const wick_tensor *t, wick_diag *d) {
  if (m == NULL || t == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "set_input: NULL argument");
  if (i >= m->num_inputs)
    return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "input %u out of range (method '%s' has %u)",
                         i, m->name, m->num_inputs);
  wick_value *v = &m->values[m->inputs[i]];
  if (v->kind != WICK_VAL_TENSOR)
    return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "input %u is a %s, not a tensor", i,
                         wick_value_kind_name(v->kind));
  wick_tensor *dst = v->u.t;
  char want[96], got[96];
  if (t->dtype != dst->dtype || t->dim != dst->dim)
    return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "input %u: expected %s, got %s", i,
                         wick_tensor_describe(dst, want, sizeof want),
                         wick_tensor_describe(t, got, sizeof got));
  if (!wick_tensor_same_shape(t, dst)) {
    int64_t sizes[WICK_MAX_DIM];
    for (int k = 0; k < t->dim; k++) sizes[k] = t->sizes[k];
    wick_diag tmp = {WICK_OK, ""};
    if (wick_tensor_resize(dst, t->dim, sizes, &tmp) != WICK_OK)
      return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "input %u: expected %s, got %s", i,
                           wick_tensor_describe(dst, want, sizeof want),
                           wick_tensor_describe(t, got, sizeof got));
  }
  size_t nbytes = wick_tensor_nbytes(dst);
  if (nbytes > 0 && t->data == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "input %u: tensor has no data", i);
  if (m->input_set[i] == INPUT_PLANNED) {
    if (dst->data == t->data) return WICK_OK;
    if (nbytes == 0) return WICK_OK;
    bool same_order = memcmp(dst->dim_order, t->dim_order, dst->dim) == 0;
    if (same_order)
      memcpy(dst->data, t->data, nbytes);
    else
      strided_copy(dst, t);
    return WICK_OK;
  }
  /* Not planned: alias the caller's memory (same dim order required). */
  if (memcmp(dst->dim_order, t->dim_order, dst->dim) != 0)
    return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH,
                         "input %u: dim order differs and the input is not memory-planned", i);
  dst->data = t->data;
  dst->capacity = t->capacity > nbytes ? t->capacity : nbytes;
  m->input_set[i] = INPUT_SET;
  return WICK_OK;
}

wick_status wick_method_set_input_scalar(wick_method *m, uint32_t i, double x, wick_diag *d) {
  if (m == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "set_input: NULL method");
  if (i >= m->num_inputs)
    return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "input %u out of range (method has %u)", i,
                         m->num_inputs);
  wick_value *v = &m->values[m->inputs[i]];
  switch (v->kind) {
    case WICK_VAL_INT:
      if (!(x >= -9.2e18 && x <= 9.2e18))
        return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "input %u: %g is not a valid Int", i, x);
      v->u.i = (int64_t)x;
      return WICK_OK;
    case WICK_VAL_BOOL: v->u.b = x != 0; return WICK_OK;
    case WICK_VAL_DOUBLE: v->u.d = x; return WICK_OK;
    default:
      return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "input %u is a %s, not a scalar", i,
                           wick_value_kind_name(v->kind));
  }
}

const wick_value *wick_method_output_value(const wick_method *m, uint32_t i) {
  if (m == NULL || i >= m->num_outputs) return NULL;
  return &m->values[m->outputs[i]];
}

const wick_tensor *wick_method_output(const wick_method *m, uint32_t i) {
  const wick_value *v = wick_method_output_value(m, i);
  return v && v->kind == WICK_VAL_TENSOR ? v->u.t : NULL;
}

void wick_method_set_observer(wick_method *m, wick_instr_observer fn, void *user) {
  if (m == NULL) return;
  m->observer = fn;
  m->observer_user = user;
}

static const wick_instr *instr_at(const wick_method *m, uint32_t i) {
  for (uint32_t c = 0; c < m->num_chains; c++)
    if (i >= m->chains[c].first && i - m->chains[c].first < m->chains[c].n)
      return &m->chains[c].instrs[i - m->chains[c].first];
  return NULL;
}

const char *wick_method_instr_name(const wick_method *m, uint32_t i) {
  const wick_instr *in = m ? instr_at(m, i) : NULL;
  return in ? in->name : NULL;
}

wick_value *const *wick_method_instr_args(const wick_method *m, uint32_t i, uint32_t *nargs) {
  const wick_instr *in = m ? instr_at(m, i) : NULL;
  if (nargs) *nargs = in ? in->nargs : 0;
  return in ? in->argv : NULL;
}

void wick_method_set_step_limit(wick_method *m, uint64_t limit) {
  if (m) m->step_limit = limit;
}

static bool jump_condition(const wick_value *v) {
  if (v->kind == WICK_VAL_BOOL) return v->u.b;
  /* A bool tensor: true when every element is true. */
  const wick_tensor *t = v->u.t;
  size_t n = wick_tensor_numel(t);
  const uint8_t *p = (const uint8_t *)t->data;
  if (p == NULL) return n == 0;
  for (size_t k = 0; k < n; k++)
    if (!p[k]) return false;
  return true;
}

static wick_status kernel_failed(wick_method *m, wick_diag *d, wick_status s, const wick_instr *in,
                                 uint32_t cur) {
  if (d && d->status == WICK_OK)
    wick_diag_set(d, s, "method '%s' instruction %u: %s failed", m->name, cur, in->name);
  else
    wick_diag_prefix(d, "method '%s' instruction %u", m->name, cur);
  return s;
}

/* Move, jump and free: returns the next program counter. */
static uint32_t control_step(wick_method *m, const wick_instr *in, uint32_t pc) {
  switch (in->kind) {
    case INSTR_MOVE:
      m->values[in->b] = m->values[in->a];
      return pc + 1;
    case INSTR_JUMP_FALSE:
      return jump_condition(&m->values[in->a]) ? pc + 1 : (uint32_t)in->b;
    default: /* free: planned and constant memory is never freed */
      return pc + 1;
  }
}

wick_status wick_method_execute(wick_method *m, wick_diag *d) {
  if (m == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "execute: NULL method");
  if (m->has_unplanned_inputs) {
    for (uint32_t k = 0; k < m->num_inputs; k++)
      if (m->input_set[k] == INPUT_UNSET)
        return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH,
                             "method '%s': input %u was never set (it is not memory-planned)",
                             m->name, k);
  }
  if (m->ctx.scratch_size < m->scratch_needed)
    return wick_diag_set(d, WICK_ERR_MEMORY,
                         "method '%s' needs %zu bytes of scratch memory "
                         "(wick_method_set_scratch), has %zu",
                         m->name, m->scratch_needed, m->ctx.scratch_size);
  wick_kernel_ctx *ctx = &m->ctx;
  ctx->diag = d;
  uint64_t steps = 0;
  for (uint32_t c = 0; c < m->num_chains; c++) {
    const wick_chain *chain = &m->chains[c];
    uint32_t pc = 0;
    while (pc < chain->n) {
      const wick_instr *in = &chain->instrs[pc];
      const uint32_t cur = chain->first + pc;
      if (m->step_limit && ++steps > m->step_limit)
        return wick_diag_set(d, WICK_ERR_KERNEL,
                             "method '%s': stopped after %llu instructions (step limit; the "
                             "program loops)",
                             m->name, (unsigned long long)m->step_limit);
      if (m->observer) m->observer(m->observer_user, m, cur, 0);
      if (__builtin_expect(in->kind == INSTR_KERNEL, 1)) {
        ctx->op_name = in->name;
        ctx->instr_index = cur;
        wick_status s = in->fn(ctx, in->argv, in->nargs);
        if (__builtin_expect(s != WICK_OK, 0)) return kernel_failed(m, d, s, in, cur);
        pc++;
      } else {
        pc = control_step(m, in, pc);
      }
      if (m->observer) m->observer(m->observer_user, m, cur, 1);
    }
  }
  return WICK_OK;
}
