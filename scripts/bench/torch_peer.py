"""PyTorch eager peer of bench/gradients.ts: times the same computations on the same models.

Tasks (model in eval mode, input 1x3x224x224, parameters frozen with requires_grad_(False) so autograd
records and computes only what the requested gradient needs — the fastest eager setting):
  forward     logits = model(x) under torch.no_grad()
  input_grad  x.requires_grad_(); torch.autograd.grad(model(x)[0, k], x)          (saliency path)
  block_grad  a forward hook on the last conv block makes its output a grad-requiring leaf;
              torch.autograd.grad(model(x)[0, k], activation)                       (Grad-CAM path)
k is the predicted class (computed once, before timing). Each task runs `warmup` untimed iterations,
then `iters` timed ones (time.perf_counter around the whole call, and time.process_time — CPU time of
all threads — which at one thread is robust to load on a shared machine). Prints one JSON object:
  {"torch": ..., "threads": ..., "model": ..., "results": {task: {"median_ms", "p10_ms", "p90_ms",
   "min_ms", "cpu_median_ms", "cpu_min_ms", "iters", "warmup"}}, "max_rss_mb": peak RSS of this process}

Note: PyTorch eager runs Conv and BatchNorm as separate kernels, while the ONNX export folds BN into
the Conv weights; that is part of what "eager" means and is reported, not corrected for.

Usage (repo root):
  /usr/bin/python3 scripts/bench/torch_peer.py --model resnet18 [--task all|forward|input_grad|block_grad]
                                               [--iters 20] [--warmup 3] [--threads N]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_models  # noqa: E402

TASKS = ("forward", "input_grad", "block_grad")


def percentile(sorted_vals, q: float) -> float:
    """Linear-interpolated percentile (numpy's default method) of an ascending list."""
    pos = (len(sorted_vals) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def time_it(fn, iters: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn()
    ms, cpu = [], []
    for _ in range(iters):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    ms.sort()
    cpu.sort()
    return {"median_ms": statistics.median(ms), "p10_ms": percentile(ms, 0.1), "p90_ms": percentile(ms, 0.9),
            "min_ms": ms[0], "iters": iters, "warmup": warmup,
            "cpu_median_ms": statistics.median(cpu), "cpu_min_ms": cpu[0]}


def make_tasks(name: str):
    model = bench_models.build_model(name)
    for p in model.parameters():
        p.requires_grad_(False)
    x = bench_models.make_input()
    with torch.no_grad():
        k = int(model(x)[0].argmax())

    def forward():
        with torch.no_grad():
            return model(x)

    def input_grad():
        xi = x.detach().clone().requires_grad_(True)
        logits = model(xi)
        return torch.autograd.grad(logits[0, k], xi)[0]

    captured = {}

    def hook(_mod, _inp, out):
        out.requires_grad_(True)  # a leaf: nothing upstream requires grad
        captured["act"] = out

    block = bench_models.get_module(model, bench_models.MODELS[name]["last_block"])

    def block_grad():
        handle = block.register_forward_hook(hook)
        try:
            logits = model(x)
        finally:
            handle.remove()
        return torch.autograd.grad(logits[0, k], captured["act"])[0]

    # Sanity: the gradients exist and have the expected shapes.
    assert input_grad().shape == x.shape
    g = block_grad()
    assert g.dim() == 4 and g.abs().sum() > 0, "block gradient is zero"
    return {"forward": forward, "input_grad": input_grad, "block_grad": block_grad}, k


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, choices=list(bench_models.MODELS))
    ap.add_argument("--task", default="all", choices=("all",) + TASKS)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    fns, k = make_tasks(args.model)
    tasks = TASKS if args.task == "all" else (args.task,)
    results = {t: time_it(fns[t], args.iters, args.warmup) for t in tasks}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "model": args.model,
                      "class": k, "input_shape": list(bench_models.INPUT_SHAPE), "results": results,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
