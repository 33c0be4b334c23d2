"""PyTorch eager peer of bench/explain.ts: the issue-4 explanation methods, each written the fastest
reasonable eager way, on the same seeded resnet18 as bench/models/resnet18.onnx (bench_models.py).

Methods (input 1x3x224x224 = bench_models.make_input(); parameters frozen with requires_grad_(False);
the target is the top-1 class, always taken from a forward pass the method needs anyway):

  gradcam    forward hook makes layer4's output a grad-requiring leaf; torch.autograd.grad(logit_k, A)
             (the gradient stops at the target layer); α = spatial mean; ReLU(Σ α A); min-max normalise
             (+1e-7); bilinear resize to 224 (align_corners=False, cv2's INTER_LINEAR)  — the
             "fastest eager Grad-CAM" of issue 4 (pytorch-grad-cam computes every parameter gradient)
  scorecam   pytorch-grad-cam's ScoreCAM: layer4 activations upsampled with UpsamplingBilinear2d
             (align_corners=True), per-map min-max (+1e-8), input x mask, the 512 masked inputs in
             batches of `batch` under no_grad, softmax of the target logits over channels, then the
             Grad-CAM tail (ReLU, normalise, resize)
  ig         Integrated Gradients, zeros baseline, Captum's riemann_trapezoid rule (α = linspace(0, 1, n),
             step 1/n with both ends halved): the n path points as ONE batch (Captum's default
             internal_batch_size=None), autograd.grad(Σ_rows logit_k, xs); the target is read from the
             α = 1 row (= x) of that same forward
  occlusion  Captum Occlusion semantics, baseline 0, window w×w over all channels, stride s; the occluded
             copies in batches of `batch` under no_grad; attribution = mean output drop over the
             windows covering a pixel
  rise       RISE (Petsiuk et al. 2018): per batch of `batch` masks, s×s Bernoulli(p) grids upsampled
             bilinearly (align_corners=False) to (s+1)·cell, random crop 224x224, x ⊙ M through the
             model under no_grad, saliency += scoresᵀ·M; / (N·p). Mask generation is timed (as on the
             convlens side).

It runs as a server so bench/explain.ts can interleave the two sides without re-building the model:
one JSON command per stdin line, one JSON reply per stdout line.

  {"cmd": "init", "out": DIR}            -> writes DIR/input.f32 and DIR/torch-logits.f32 (raw float32)
  {"cmd": "run", "method": M, "params": {...}, "warmup": W, "iters": I, "out": DIR|null}
        -> {"method", "timings": [{"wall_ms", "cpu_ms"}...], "class"}; writes DIR/torch-M.f32 (the
           224x224 map) when out is given. cpu_ms = time.process_time() (all threads of this process).
  {"cmd": "quit"}

Run with Debian's interpreter (torch 1.13): /usr/bin/python3 scripts/bench/torch_explain_peer.py [--threads N]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_models  # noqa: E402

MODEL = "resnet18"


def _minmax(cam: torch.Tensor) -> torch.Tensor:
    mn = cam.amin(dim=(2, 3), keepdim=True)
    mx = cam.amax(dim=(2, 3), keepdim=True)
    return (cam - mn) / (mx - mn + 1e-7)


def normalise_resize(cam: torch.Tensor, size) -> torch.Tensor:
    """pytorch-grad-cam's tail: scale_cam_image (per-image min-max +1e-7, bilinear resize as cv2 does),
    then aggregate_multi_layers (ReLU, mean over the one layer, scale_cam_image again)."""
    up = F.interpolate(_minmax(cam), size=size, mode="bilinear", align_corners=False)
    return _minmax(up.clamp_min_(0))


class Peer:
    def __init__(self):
        self.model = bench_models.build_model(MODEL)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.x = bench_models.make_input()
        self.layer = bench_models.get_module(self.model, bench_models.MODELS[MODEL]["last_block"])
        self.size = tuple(self.x.shape[-2:])
        self._batches = {1: self.x}

    # ---- plain forward (context rows) -----------------------------------------------------------

    def forward(self, batch=1, **_):
        xb = self._batches.get(batch)
        if xb is None:
            xb = self._batches[batch] = self.x.repeat(batch, 1, 1, 1).contiguous()
        with torch.no_grad():
            self.model(xb)
        return None, None

    # ---- CAM family ------------------------------------------------------------------------------

    def _forward_with_layer(self, x: torch.Tensor, leaf: bool):
        captured = {}

        def hook(_mod, _inp, out):
            if leaf:
                out.requires_grad_(True)  # a leaf: nothing upstream requires grad
            captured["act"] = out

        h = self.layer.register_forward_hook(hook)
        try:
            logits = self.model(x)
        finally:
            h.remove()
        return logits, captured["act"]

    def gradcam(self, **_):
        logits, act = self._forward_with_layer(self.x, leaf=True)
        k = int(logits[0].argmax())
        (g,) = torch.autograd.grad(logits[0, k], act)
        with torch.no_grad():
            w = g.mean(dim=(2, 3), keepdim=True)
            cam = (w * act).sum(dim=1, keepdim=True).clamp_min_(0)
            return normalise_resize(cam, self.size), k

    def scorecam(self, batch=64, **_):
        x = self.x
        with torch.no_grad():
            logits, act = self._forward_with_layer(x, leaf=False)
            k = int(logits[0].argmax())
            up = F.interpolate(act, size=self.size, mode="bilinear", align_corners=True)  # UpsamplingBilinear2d
            flat = up.view(up.shape[0], up.shape[1], -1)
            mx = flat.max(dim=-1)[0][:, :, None, None]
            mn = flat.min(dim=-1)[0][:, :, None, None]
            up = (up - mn) / (mx - mn + 1e-8)
            C = up.shape[1]
            scores = torch.empty(C)
            for s in range(0, C, batch):
                e = min(C, s + batch)
                masked = x * up[0, s:e, None]  # (b, 3, H, W)
                scores[s:e] = self.model(masked)[:, k]
            w = torch.softmax(scores, dim=0)
            cam = (w[None, :, None, None] * act).sum(dim=1, keepdim=True).clamp_min_(0)
            return normalise_resize(cam, self.size), k

    # ---- gradient family -------------------------------------------------------------------------

    def ig(self, steps=50, **_):
        x = self.x
        base = torch.zeros_like(x)
        alphas = torch.linspace(0, 1, steps)
        step = torch.full((steps,), 1.0 / steps)
        step[0] /= 2
        step[-1] /= 2
        xs = (base + alphas.view(-1, 1, 1, 1) * (x - base)).requires_grad_(True)
        logits = self.model(xs)
        k = int(logits[-1].detach().argmax())  # row α = 1 is x itself
        (g,) = torch.autograd.grad(logits[:, k].sum(), xs)
        with torch.no_grad():
            avg = (g * step.view(-1, 1, 1, 1)).sum(dim=0, keepdim=True)
            attr = (x - base) * avg
            return attr.sum(dim=1, keepdim=True), k

    # ---- perturbation family ---------------------------------------------------------------------

    def occlusion(self, window=16, stride=8, batch=64, **_):
        x = self.x
        _, _, H, W = x.shape
        with torch.no_grad():
            logits = self.model(x)
            k = int(logits[0].argmax())
            fx = logits[0, k]
            ny = math.ceil(max(H - window, 0) / stride) + 1
            nx = math.ceil(max(W - window, 0) / stride) + 1
            corners = [(iy * stride, ix * stride) for ix in range(nx) for iy in range(ny)]
            total_sum = torch.zeros(H, W)
            cover = torch.zeros(H, W)
            for s in range(0, len(corners), batch):
                cs = corners[s:s + batch]
                xb = x.repeat(len(cs), 1, 1, 1)
                for j, (y0, x0) in enumerate(cs):
                    xb[j, :, y0:y0 + window, x0:x0 + window] = 0
                d = fx - self.model(xb)[:, k]
                for j, (y0, x0) in enumerate(cs):
                    total_sum[y0:y0 + window, x0:x0 + window] += d[j]
                    cover[y0:y0 + window, x0:x0 + window] += 1
            return (total_sum / cover)[None, None], k

    def rise(self, n=4000, s=8, p=0.5, batch=64, seed=0, **_):
        x = self.x
        _, _, H, W = x.shape
        gen = torch.Generator().manual_seed(seed)
        ch, cw = math.ceil(H / s), math.ceil(W / s)
        up = ((s + 1) * ch, (s + 1) * cw)
        with torch.no_grad():
            logits = self.model(x)
            k = int(logits[0].argmax())
            sal = torch.zeros(H * W)
            masks = torch.empty(batch, 1, H, W)
            for start in range(0, n, batch):
                b = min(batch, n - start)
                grid = (torch.rand(b, 1, s, s, generator=gen) < p).float()
                big = F.interpolate(grid, size=up, mode="bilinear", align_corners=False)
                dy = torch.randint(0, ch, (b,), generator=gen).tolist()
                dx = torch.randint(0, cw, (b,), generator=gen).tolist()
                m = masks[:b]
                for j in range(b):
                    m[j] = big[j, :, dy[j]:dy[j] + H, dx[j]:dx[j] + W]
                scores = self.model(x * m)[:, k]
                sal += scores @ m.view(b, -1)
            return (sal / (n * p)).view(1, 1, H, W), k


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    peer = Peer()
    out = sys.stdout

    def reply(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "model": MODEL,
           "about": bench_models.MODELS[MODEL]["about"]})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req.get("cmd")
        try:
            if cmd == "quit":
                reply({"bye": True})
                return
            if cmd == "init":
                with torch.no_grad():
                    logits = peer.model(peer.x)
                peer.x.numpy().astype("float32").tofile(os.path.join(req["out"], "input.f32"))
                logits.numpy().astype("float32").tofile(os.path.join(req["out"], "torch-logits.f32"))
                reply({"dims": list(peer.x.shape), "class": int(logits[0].argmax())})
                continue
            if cmd == "run":
                fn = getattr(peer, req["method"])
                params = req.get("params") or {}
                for _ in range(int(req.get("warmup", 0))):
                    fn(**(req.get("warmup_params") or params))
                timings = []
                res, k = None, None
                for _ in range(int(req.get("iters", 1))):
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    res, k = fn(**params)
                    timings.append({"wall_ms": (time.perf_counter() - t0) * 1e3, "cpu_ms": (time.process_time() - c0) * 1e3})
                if req.get("out") and res is not None:
                    res.detach().numpy().astype("float32").tofile(os.path.join(req["out"], f"torch-{req['method']}.f32"))
                reply({"method": req["method"], "timings": timings, "class": k})
                continue
            reply({"error": f"unknown command {cmd!r}"})
        except Exception as e:  # report and keep serving
            reply({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
