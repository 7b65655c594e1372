#!/usr/bin/env python3
"""Independent reference for cortex_m::softmax (CMSIS-NN arm_softmax_s8).

Written from the published definition of the TFLite-micro / CMSIS-NN int8
softmax (gemmlowp fixed point) with Python's unbounded integers, so it shares
no code with src/kernels/quantized. Prints C initializers that
tests/unit/test_quantized.c pastes in (test_softmax_golden).

Usage: python3 tests/quantized/softmax_ref.py
"""
import math

Q31_MIN, Q31_MAX = -(1 << 31), (1 << 31) - 1


def wrap(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def mul_sat(a, b):  # VQRDMULH: round half away from zero, saturate MIN*MIN
    if a == Q31_MIN and b == Q31_MIN:
        return Q31_MAX
    nudge = (1 << 30) if (a < 0) == (b < 0) else 1 - (1 << 30)
    return wrap(trunc_div(a * b + nudge, 1 << 31))


def div_pow2(x, e):  # rounding right shift, ties away from zero
    if e == 0:
        return x
    mag = (abs(x) + (1 << (e - 1))) >> e
    return mag if x >= 0 else -mag


def mul_pow2(x, e):  # saturating left shift
    thresh = (1 << (31 - e)) - 1
    if x > thresh:
        return Q31_MAX
    if x < -thresh:
        return Q31_MIN
    return wrap(x << e)


def exp_on_neg(a):  # exp(a) for a <= 0, a in Q5.26, result Q0.31
    if a == 0:
        return Q31_MAX
    quarter = 1 << 24
    mod = (a & (quarter - 1)) - quarter
    rem = wrap(mod - a)
    x = wrap((mod << 5) + (1 << 28))
    x2 = mul_sat(x, x)
    x3 = mul_sat(x2, x)
    x4_4 = div_pow2(mul_sat(x2, x2), 2)
    poly = div_pow2(wrap(mul_sat(wrap(x4_4 + x3), 715827883) + x2), 1)
    r = wrap(1895147668 + mul_sat(1895147668, wrap(x + poly)))
    for k, c in enumerate([1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242]):
        if rem & (1 << (24 + k)):
            r = mul_sat(r, c)
    return r


def one_over_one_plus_x(a):
    s = a + Q31_MAX
    half = (s + (1 if s >= 0 else -1)) // 2 if s >= 0 else -((-s + 1) // 2)
    x = wrap(1515870810 + mul_sat(half, -1010580540))
    for _ in range(3):
        x = wrap(x + mul_pow2(mul_sat(x, wrap((1 << 29) - mul_sat(half, x))), 2))
    return mul_pow2(x, 1)


def softmax_row(row, mult, shift, diff_min):
    mx = max(row)
    es = []
    total = 0
    for v in row:
        d = v - mx
        if d >= diff_min:
            e = exp_on_neg(mul_sat(wrap(d * (1 << shift)), mult))
            es.append(e)
            total += div_pow2(e, 12)
        else:
            es.append(None)
    total = wrap(total)
    headroom = 32 - total.bit_length() if total > 0 else 0
    shifted = wrap((total << headroom if total > 0 else 0) - (1 << 31))
    scale = one_over_one_plus_x(shifted)
    bits = 12 - headroom + 23
    out = []
    for e in es:
        if e is None:
            out.append(-128)
        else:
            out.append(max(-128, min(127, div_pow2(mul_sat(scale, e), bits) - 128)))
    return out


def tflite_params(input_scale, beta=1.0, int_bits=5):
    """TFLite PreprocessSoftmaxScaling + CalculateInputRadius."""
    real = min(beta * input_scale * (1 << (31 - int_bits)), (1 << 31) - 1.0)
    m, e = math.frexp(real)  # real = m * 2^e, m in [0.5, 1)
    q = round(m * (1 << 31))
    if q == 1 << 31:
        q //= 2
        e += 1
    radius = math.floor(((1 << int_bits) - 1) * (1 << (31 - int_bits)) / (1 << e))
    return q, e, -radius


CASES = [
    (0.1, [-128, -100, 0, 50, 127, 127, 3, -7]),
    (0.05, [10, 20, 30, 40, 50, 60, 70, 80]),
    (0.5, [0, 0, 0, 0, 1, -1, 5, -5]),
    (0.02, [-128, 127, -128, 127, 0, 1, 2, 3]),
    (1.0 / 16, [100, 99, 98, 60, 20, -20, -60, -128]),
]

if __name__ == "__main__":
    for scale, row in CASES:
        mult, shift, diff_min = tflite_params(scale)
        out = softmax_row(row, mult, shift, diff_min)
        print("    {%d, %d, %d, {%s}, {%s}}, /* input scale %g */" % (
            mult, shift, diff_min, ", ".join(map(str, row)), ", ".join(map(str, out)), scale))
