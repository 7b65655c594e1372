/* Lowering of further neural-network operators (ConvTranspose, LayerNormalization, InstanceNormalization, LSTM, GRU, ...). */
#include "compiler/import.h"

const imp_op wc_lower_nn[] = {
    {NULL, NULL},
};
