"""Export the full-size benchmark models (see bench_models.py) to bench/models/ for bench/gradients.ts.

For each model writes
  bench/models/<name>.onnx  opset 13, constant folding (BatchNorm folded into Conv), fixed shape
                            1x3x224x224, input 'input', output 'logits'
  bench/models/<name>.json  input/output, the last-conv-block activation tensor (the Grad-CAM target:
                            resnet18 -> output of layer4, mobilenet_v2 -> output of features.18) and
                            checks: the tensor is produced by the last node of that module's ONNX scope,
                            that node has the expected exporter name, and onnxruntime reproduces both
                            the PyTorch logits and the PyTorch activation (captured by a forward hook).

bench/models/ is gitignored (resnet18 is ~45 MB). Needs /usr/bin/python3 (torch 1.13, torchvision
0.14) and Node with the repo's node_modules (onnxruntime-node, used for the check).

Usage (repo root):  /usr/bin/python3 scripts/bench/export_bench_models.py [resnet18 mobilenet_v2]
"""
from __future__ import annotations

import json
import os
import sys
import time
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import bench_models  # noqa: E402
import common as fixtures  # noqa: E402  (ONNX protobuf reader + ort_run, no onnx package needed)

warnings.filterwarnings("ignore")


def last_block_node(onnx_model: dict, module: str) -> dict:
    """The last node (graph order = exporter's topological order) whose scope is `module` or inside it."""
    inside = [n for n in onnx_model["nodes"]
              if (lambda m: m == module or m.startswith(module + "."))(fixtures.module_name_from_scope(n["name"]))]
    if not inside:
        raise RuntimeError(f"no ONNX node in module scope {module!r}")
    return inside[-1]


def process(name: str) -> None:
    spec = bench_models.MODELS[name]
    model = bench_models.build_model(name)
    x = bench_models.make_input()
    captured = {}
    hook = bench_models.get_module(model, spec["last_block"]).register_forward_hook(
        lambda mod, inp, out: captured.__setitem__("act", out.detach().clone()))
    with torch.no_grad():
        logits = model(x)
    hook.remove()

    os.makedirs(bench_models.MODELS_DIR, exist_ok=True)
    path = os.path.join(bench_models.MODELS_DIR, f"{name}.onnx")
    tmp = path + ".tmp"
    t0 = time.perf_counter()
    torch.onnx.export(model, x, tmp, opset_version=bench_models.OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"])
    export_s = time.perf_counter() - t0

    g = fixtures.read_onnx(tmp)
    node = last_block_node(g, spec["last_block"])
    if node["name"] != spec["last_block_node"]:
        raise RuntimeError(f"{name}: last node of {spec['last_block']} is {node['name']!r}, "
                           f"expected {spec['last_block_node']!r} (exporter naming changed?)")
    tensor = node["outputs"][0]

    probe = path + ".probe.onnx"  # the same model with the activation exposed as a graph output
    fixtures.add_graph_outputs(tmp, probe, [tensor])
    try:
        got = fixtures.ort_run(probe, x.numpy(), ["logits", tensor])
    finally:
        os.remove(probe)
    act = captured["act"].numpy()
    errs = {}
    for key, ref, out in (("logits", logits.numpy(), got["logits"]), ("last_block", act, got[tensor])):
        if out.shape != ref.shape:
            raise RuntimeError(f"{name}: ORT {key} shape {out.shape} != torch {ref.shape}")
        err = float(np.max(np.abs(out - ref)))
        scale = max(1.0, float(np.max(np.abs(ref))))
        if err > 1e-4 * scale:
            raise RuntimeError(f"{name}: ORT {key} differs from torch by {err} (scale {scale})")
        errs[key] = err
    os.replace(tmp, path)

    facts = {
        "model": name,
        "about": spec["about"],
        "generator": "scripts/bench/export_bench_models.py",
        "torch": torch.__version__,
        "seed": bench_models.SEED,
        "opset": g["opset"].get(""),
        "input": {"name": "input", "shape": list(x.shape)},
        "output": {"name": "logits", "shape": list(logits.shape)},
        "last_block": {"module": spec["last_block"], "node": node["name"], "op_type": node["op_type"],
                       "tensor": tensor, "shape": list(act.shape)},
        "params": sum(p.numel() for p in model.parameters()),
        "num_nodes": len(g["nodes"]),
        "bytes": os.path.getsize(path),
        "ort_vs_torch_max_abs_err": errs,
    }
    with open(os.path.join(bench_models.MODELS_DIR, f"{name}.json"), "w") as fh:
        json.dump(facts, fh, indent=1)
        fh.write("\n")
    print(f"{name:14s} {facts['bytes'] / 1e6:6.1f} MB  nodes={facts['num_nodes']:4d}  last block "
          f"{spec['last_block']} -> {tensor} {list(act.shape)}  export {export_s:.1f}s  "
          f"ORT-vs-torch logits {errs['logits']:.1e} block {errs['last_block']:.1e}")


def main(argv) -> None:
    names = argv or list(bench_models.MODELS)
    for name in names:
        process(name)
    print(f"wrote {bench_models.MODELS_DIR}")


if __name__ == "__main__":
    main(sys.argv[1:])
