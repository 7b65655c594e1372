/* Lowering of further math operators. */
#include "compiler/import.h"

const imp_op wc_lower_math[] = {
    {NULL, NULL},
};
