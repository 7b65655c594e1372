#!/usr/bin/python3
"""Generates the tiny ONNX control-flow fixtures used by tests/unit/test_control_onnx.c.

Run with Debian's python3-onnx:  /usr/bin/python3 tests/models/control/make_control.py

  if_runtime.onnx   cond (bool[]), x (float[3]) -> y = cond ? x * 2 + 1 : x - 3
                    (both branches read x from the outer scope)
  loop_sum.onnx     M (int64[]), x (float[2]) -> s = sum over i < M of (x + i)
                    (run-time trip count: a real loop), and the final counter
                    k = M (loop-carried int64)
  loop_static.onnx  x (float[2]) -> Loop with trip count 4 (unrolled):
                    acc = sum over i < 4 of x * i, scan of each acc
  if_static.onnx    x (float[2]) -> If on a constant true condition: y = x + 10
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = [helper.make_opsetid("", 13)]


def const(name, value, dtype=TensorProto.FLOAT, dims=()):
    return helper.make_node("Constant", [], [name],
                            value=helper.make_tensor(name + "_v", dtype, list(dims),
                                                     value if isinstance(value, list) else [value]))


def save(graph, name):
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="wick-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def if_runtime():
    then_g = helper.make_graph(
        [const("two", 2.0), const("one", 1.0),
         helper.make_node("Mul", ["x", "two"], ["t0"]),
         helper.make_node("Add", ["t0", "one"], ["then_y"])],
        "then_g", [], [helper.make_tensor_value_info("then_y", TensorProto.FLOAT, [3])])
    else_g = helper.make_graph(
        [const("three", 3.0), helper.make_node("Sub", ["x", "three"], ["else_y"])],
        "else_g", [], [helper.make_tensor_value_info("else_y", TensorProto.FLOAT, [3])])
    g = helper.make_graph(
        [helper.make_node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g)],
        "if_runtime",
        [helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
         helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    save(g, "if_runtime.onnx")


def loop_sum():
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Cast", ["i"], ["fi"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["x", "fi"], ["xi"]),
         helper.make_node("Add", ["s_in", "xi"], ["s_out"]),
         const("one", 1, TensorProto.INT64),
         helper.make_node("Add", ["k_in", "one"], ["k_out"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("s_in", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("k_in", TensorProto.INT64, [])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("k_out", TensorProto.INT64, [])])
    g = helper.make_graph(
        [const("s0", [0.0, 0.0], dims=[2]), const("k0", 0, TensorProto.INT64),
         helper.make_node("Loop", ["M", "", "s0", "k0"], ["s", "k"], body=body)],
        "loop_sum",
        [helper.make_tensor_value_info("M", TensorProto.INT64, []),
         helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("k", TensorProto.INT64, [])])
    save(g, "loop_sum.onnx")


def loop_static():
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Cast", ["i"], ["fi"], to=TensorProto.FLOAT),
         helper.make_node("Mul", ["x", "fi"], ["xi"]),
         helper.make_node("Add", ["a_in", "xi"], ["a_out"]),
         helper.make_node("Identity", ["a_out"], ["scan"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("a_in", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("a_out", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("scan", TensorProto.FLOAT, [2])])
    g = helper.make_graph(
        [const("n", 4, TensorProto.INT64), const("t", 1, TensorProto.BOOL),
         const("a0", [0.0, 0.0], dims=[2]),
         helper.make_node("Loop", ["n", "t", "a0"], ["acc", "scans"], body=body)],
        "loop_static",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("acc", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("scans", TensorProto.FLOAT, [4, 2])])
    save(g, "loop_static.onnx")


def if_static():
    then_g = helper.make_graph(
        [const("ten", 10.0), helper.make_node("Add", ["x", "ten"], ["ty"])],
        "then_g", [], [helper.make_tensor_value_info("ty", TensorProto.FLOAT, [2])])
    else_g = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["ey"])],
        "else_g", [], [helper.make_tensor_value_info("ey", TensorProto.FLOAT, [2])])
    g = helper.make_graph(
        [const("c", 1, TensorProto.BOOL),
         helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
        "if_static",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    save(g, "if_static.onnx")


if __name__ == "__main__":
    if_runtime()
    loop_sum()
    loop_static()
    if_static()
