"""PyTorch eager peer of bench/featurevis.ts: the same feature-visualization loop, step for step.

Per step, for B images (B = 1 for one channel; B = number of channels for a batched atlas, image b
maximizing channel b):
  spectrum (2, B, 3, H, W//2+1) float32 parameters, N(0, 0.01^2) init
  -> complex * (1/max(|f|, 1/max(H,W)))^1 * sqrt(H*W) -> torch.fft.irfftn over (H, W) -> / 4   (Lucid fft_image)
  -> 3x3 colour decorrelation (Lucid color_correlation_svd_sqrt / max column norm) -> sigmoid
  -> one random affine per image composed from Lucid's standard transforms (jitter 8, scale 0.9-1.1,
     rotate +-10 deg, jitter 4; pad 12 = fill 0.5 outside), applied by one affine_grid + grid_sample
     (bilinear, align_corners=False) of (image - 0.5) with zero padding, + 0.5
  -> ImageNet normalization -> model -> forward hook on the layer -> objective = sum over images of
     the mean of its channel -> backward -> Adam(lr 0.05) ascent step.
This is what convlens does in JS + ONNX Runtime (composed transform included), so the timings compare
like with like. Parameters of the model are frozen (requires_grad_(False)).

Prints one JSON object: {"torch", "threads", "model", "layer", "channels", "steps", "warmup",
"step": {"median_ms", "min_ms", "p10_ms", "p90_ms", "cpu_median_ms", "cpu_min_ms", "cpu_total_s", "wall_total_s"},
"objective": [final per-image objective], "max_rss_mb"}.

Usage (repo root):
  /usr/bin/python3 scripts/bench/torch_featurevis_peer.py --model resnet18 --layer layer4 --channels 0 \
      [--steps 512] [--warmup 2] [--threads 1] [--seed 0]
  --channels 0-63 runs the batched atlas (64 images per step; --per-call 16 runs them 16 at a time).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_models  # noqa: E402

COLOR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR = COLOR_SQRT / COLOR_SQRT.norm(dim=0).max()
SCALES = [1 + (i - 5) / 50 for i in range(11)]
ANGLES = list(range(-10, 11)) + [0] * 5
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def percentile(sorted_vals, q):
    pos = (len(sorted_vals) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def parse_channels(s: str):
    out = []
    for part in s.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def spectrum_scale(h: int, w: int) -> torch.Tensor:
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]  # = |fftfreq(w)[: w//2+1]|
    freqs = torch.sqrt(fx * fx + fy * fy)
    return (1.0 / torch.clamp(freqs, min=1.0 / max(h, w))) * math.sqrt(h * w)


def draw_theta(rng: random.Random, size: int) -> torch.Tensor:
    """One composed standard transform as an affine_grid theta (output -> input, normalized coords)."""
    def jitter(d):
        return rng.randrange(d + 1) - d / 2, rng.randrange(d + 1) - d / 2
    # forward map (image centred coords -> canvas centred coords): x1 = x - j1; x2 = s R x1; x3 = x2 - j2
    j1 = jitter(8)
    s = SCALES[rng.randrange(len(SCALES))]
    a = math.radians(ANGLES[rng.randrange(len(ANGLES))])
    j2 = jitter(4)
    c, sn = math.cos(a), math.sin(a)
    A = torch.tensor([[s * c, -s * sn], [s * sn, s * c]], dtype=torch.float64)
    b = -(A @ torch.tensor(j1, dtype=torch.float64)) - torch.tensor(j2, dtype=torch.float64)
    Ai = torch.linalg.inv(A)
    bi = -(Ai @ b)
    theta = torch.zeros(2, 3, dtype=torch.float64)
    theta[:, :2] = Ai
    theta[:, 2] = bi / (size / 2)  # centred pixels -> normalized coords (align_corners=False)
    return theta.float()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="resnet18", choices=list(bench_models.MODELS))
    ap.add_argument("--layer", default="layer4")
    ap.add_argument("--channels", default="0")
    ap.add_argument("--steps", type=int, default=512)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-call", type=int, default=0, help="images per forward/backward (0 = all at once)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    model = bench_models.build_model(args.model)
    for p in model.parameters():
        p.requires_grad_(False)
    channels = parse_channels(args.channels)
    B = len(channels)
    H = W = bench_models.INPUT_SHAPE[2]
    K = W // 2 + 1
    scale = spectrum_scale(H, W)
    spec = (torch.randn(2, B, 3, H, K) * 0.01).requires_grad_(True)
    opt = torch.optim.Adam([spec], lr=0.05)
    captured = {}
    bench_models.get_module(model, args.layer).register_forward_hook(lambda _m, _i, out: captured.__setitem__("act", out))
    idx = torch.tensor(channels)

    per = args.per_call or B

    def step():
        opt.zero_grad(set_to_none=True)
        objs = []
        for a in range(0, B, per):  # chunks of images, each its own forward/backward (as convlens' runtime calls)
            b = min(B, a + per)
            n = b - a
            t = torch.fft.irfftn(torch.complex(spec[0, a:b], spec[1, a:b]) * scale, s=(H, W), dim=(-2, -1)) / 4
            t = torch.einsum("cd,bdhw->bchw", COLOR, t)
            img = torch.sigmoid(t)
            theta = torch.stack([draw_theta(rng, H) for _ in range(n)])
            grid = F.affine_grid(theta, [n, 3, H, W], align_corners=False)
            x = F.grid_sample(img - 0.5, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 0.5
            model((x - MEAN) / STD)
            act = captured["act"]
            obj = act[torch.arange(n), idx[a:b]].mean(dim=(-2, -1))
            (-obj.sum()).backward()
            objs.append(obj.detach())
        opt.step()
        return torch.cat(objs)

    for _ in range(args.warmup):
        step()
    ms, cpu = [], []
    c_all, t_all = time.process_time(), time.perf_counter()
    last = None
    for _ in range(args.steps):
        c0, t0 = time.process_time(), time.perf_counter()
        last = step()
        ms.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    cpu_total, wall_total = time.process_time() - c_all, time.perf_counter() - t_all
    ms.sort()
    cpu.sort()
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "model": args.model, "layer": args.layer,
        "channels": channels, "steps": args.steps, "warmup": args.warmup,
        "step": {"median_ms": statistics.median(ms), "min_ms": ms[0], "p10_ms": percentile(ms, 0.1), "p90_ms": percentile(ms, 0.9),
                 "cpu_median_ms": statistics.median(cpu), "cpu_min_ms": cpu[0], "cpu_total_s": cpu_total, "wall_total_s": wall_total},
        "objective": [float(v) for v in last],
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
