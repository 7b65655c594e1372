/* Lowering of shape and indexing operators (Split, Slice, Expand, Tile, Pad, Resize, ConstantOfShape, Range, Where, ArgMax, TopK, CumSum, Einsum, ...). */
#include "compiler/import.h"

const imp_op wc_lower_shape[] = {
    {NULL, NULL},
};
