/* wick — a small FlatBuffers builder (host side; uses malloc).
 *
 * The buffer is built back to front, the way the reference builder works:
 * children (strings, vectors, tables) are written before the table that points
 * at them, so every uoffset points forward. A reference (wick_fbb_ref) to an
 * object is its distance from the END of the buffer, which stays valid while
 * the buffer grows downwards.
 *
 * Output layout (little-endian):
 *   [u32 root uoffset][4-byte file identifier (optional)] ... objects ...
 * Tables start with an i32 soffset to their vtable (vtable = table - soffset);
 * vtables are [u16 vtable bytes][u16 table bytes][u16 field offset]*, and
 * identical vtables are shared. Vectors are [u32 length][elements], with the
 * elements aligned to their size (or to a caller-given larger alignment, for
 * force_align byte vectors). Strings are [u32 length][bytes][NUL].
 *
 *   wick_fbb b; wick_fbb_init(&b);
 *   wick_fbb_ref name = wick_fbb_string(&b, "forward");
 *   wick_fbb_table_start(&b);
 *   wick_fbb_add_ref(&b, 0, name);
 *   wick_fbb_add_u32(&b, 1, 7);
 *   wick_fbb_ref root = wick_fbb_table_end(&b);
 *   wick_fbb_finish(&b, root, "ET12");
 *   ... wick_fbb_data(&b), wick_fbb_size(&b) ...
 *   wick_fbb_free(&b);
 *
 * Errors (out of memory, a table started inside a table, too many fields) are
 * sticky: calls after a failure do nothing and b->failed stays set.
 */
#ifndef WICK_COMPILER_FBB_H
#define WICK_COMPILER_FBB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distance of an object from the end of the buffer; 0 means "no object". */
typedef uint32_t wick_fbb_ref;

#define WICK_FBB_MAX_FIELDS 64

typedef struct wick_fbb {
  uint8_t *buf;      /* (cap) bytes; data occupies the last `size` bytes     */
  size_t cap;
  size_t size;       /* bytes written so far                                */
  size_t minalign;   /* largest alignment requested                         */
  bool failed;       /* sticky error flag                                    */
  bool finished;

  /* The table being built. */
  bool in_table;
  size_t table_start;                      /* size when the table started   */
  uint32_t field_at[WICK_FBB_MAX_FIELDS];  /* (field id) ref of field; 0 = absent */
  int num_fields;                          /* highest field id + 1          */

  /* Refs of vtables already written, for sharing. */
  wick_fbb_ref *vtables;
  size_t num_vtables, vtables_cap;
} wick_fbb;

void wick_fbb_init(wick_fbb *b);
void wick_fbb_free(wick_fbb *b);

/* ---- leaf objects (call outside a table) ---- */
wick_fbb_ref wick_fbb_string(wick_fbb *b, const char *s);
wick_fbb_ref wick_fbb_string_n(wick_fbb *b, const char *s, size_t n);
/* Byte vector whose data starts at a multiple of `align` (1, or a force_align). */
wick_fbb_ref wick_fbb_vec_u8(wick_fbb *b, const void *data, size_t n, size_t align);
wick_fbb_ref wick_fbb_vec_i32(wick_fbb *b, const int32_t *v, size_t n);
wick_fbb_ref wick_fbb_vec_i64(wick_fbb *b, const int64_t *v, size_t n);
wick_fbb_ref wick_fbb_vec_u64(wick_fbb *b, const uint64_t *v, size_t n);
wick_fbb_ref wick_fbb_vec_f64(wick_fbb *b, const double *v, size_t n);
wick_fbb_ref wick_fbb_vec_bool(wick_fbb *b, const bool *v, size_t n);
/* Vector of offsets to tables/strings/vectors made earlier. */
wick_fbb_ref wick_fbb_vec_refs(wick_fbb *b, const wick_fbb_ref *v, size_t n);

/* ---- tables ---- */
void wick_fbb_table_start(wick_fbb *b);
void wick_fbb_add_u8(wick_fbb *b, int field, uint8_t v);
void wick_fbb_add_i8(wick_fbb *b, int field, int8_t v);
void wick_fbb_add_bool(wick_fbb *b, int field, bool v);
void wick_fbb_add_i32(wick_fbb *b, int field, int32_t v);
void wick_fbb_add_u32(wick_fbb *b, int field, uint32_t v);
void wick_fbb_add_i64(wick_fbb *b, int field, int64_t v);
void wick_fbb_add_u64(wick_fbb *b, int field, uint64_t v);
void wick_fbb_add_f64(wick_fbb *b, int field, double v);
/* Offset field; ref 0 leaves the field absent. */
void wick_fbb_add_ref(wick_fbb *b, int field, wick_fbb_ref ref);
/* Union: type byte at field `type_field`, offset at `type_field + 1`. */
void wick_fbb_add_union(wick_fbb *b, int type_field, uint8_t type, wick_fbb_ref value);
wick_fbb_ref wick_fbb_table_end(wick_fbb *b);

/* Writes the root offset (and identifier when non-NULL, 4 chars). The total size
 * becomes a multiple of max(minalign, 16). Returns false after any failure. */
bool wick_fbb_finish(wick_fbb *b, wick_fbb_ref root, const char *identifier);

/* The finished buffer (valid until wick_fbb_free). */
const uint8_t *wick_fbb_data(const wick_fbb *b);
size_t wick_fbb_size(const wick_fbb *b);

#endif
