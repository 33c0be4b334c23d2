"""Train the shapes demo CNN on the procedural dataset (shapes_data.py) and export
models/shapes-cnn.onnx (raw logits), models/shapes-cnn-softmax.onnx (same weights + final Softmax),
their labels files, samples/shapes/ (2 per class + masks) and samples/shapes-eval/ (60 + masks).

    /usr/bin/python3 scripts/demo-models/train_shapes.py

Architecture (4 conv blocks, GAP + Linear head so CAM applies; last feature map 16x16, stride 4):
  features: conv1 Conv(3->16,3x3,p1) bn1 relu1 pool1              -> 16x32x32
            conv2 Conv(16->32,3x3,p1) bn2 relu2 pool2             -> 32x16x16
            conv3 Conv(32->64,3x3,p2,dilation 2) bn3 relu3        -> 64x16x16
            blur3 AvgPool(3x3, stride 1, p1, count_include_pad=False) -> 64x16x16
            conv4 Conv(64->64,3x3,p2,dilation 2) bn4 relu4        -> 64x16x16
            blur4 AvgPool(3x3, stride 1, p1, count_include_pad=False) -> 64x16x16 (default CAM layer)
  gap: GlobalAveragePool -> flatten -> classifier: Linear(64->6) -> logits
Why: with a third MaxPool the last map was 8x8 and CAM peaks sat on coarse cells just outside thin
shapes. Two MaxPools keep a 16x16 grid (4 px cells); the dilated conv3/conv4 keep a 50 px receptive field
(objects span 20-44 px) and blur3 fills the gaps between their taps. This network's class evidence peaks
on corners and tips, whose apex pixels lie on the mask border: blur4 (before the pooling, so the logits
barely change) pools each corner's evidence with its neighbourhood, and the CAM peak lands inside the
object (Grad-CAM on samples/shapes-eval: 59/60 strictly inside the mask at blur4, 53/60 at relu4).
Input: 1x3x64x64 RGB, pixel/255 then (x-0.5)/0.25 per channel.
"""
from __future__ import annotations

import argparse
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

from common import MODELS_DIR, SAMPLES_DIR, evaluate, export_onnx, model_metadata, save_png_mask, \
    save_png_rgb, seed_everything, train, write_json
from shapes_data import CLASSES, SEED_EVAL, SEED_SAMPLES, SEED_TEST, SEED_TRAIN, make_dataset

SEED = 4321
MEAN, STD = [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]


def block(i: int, cin: int, cout: int, pool: bool, dilation: int = 1) -> list[tuple[str, nn.Module]]:
    layers = [(f"conv{i}", nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False)),
              (f"bn{i}", nn.BatchNorm2d(cout)), (f"relu{i}", nn.ReLU())]
    if pool:
        layers.append((f"pool{i}", nn.MaxPool2d(2)))
    return layers


def blur(i: int) -> list[tuple[str, nn.Module]]:
    """A fixed 3x3 box blur (stride 1, borders averaged over the cells inside the map)."""
    return [(f"blur{i}", nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False))]


class ShapesCNN(nn.Module):
    def __init__(self, n_classes: int = len(CLASSES)) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict(
            block(1, 3, 16, True) + block(2, 16, 32, True) + block(3, 32, 64, False, dilation=2) + blur(3)
            + block(4, 64, 64, False, dilation=2) + blur(4)))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(64, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.flatten(self.gap(self.features(x))))


class ShapesCNNSoftmax(ShapesCNN):
    """The same network (same module names, so the same ONNX node names) with a final Softmax:
    output 'probs'; the logits (/classifier/Gemm output) feed /softmax/Softmax."""

    def __init__(self, n_classes: int = len(CLASSES)) -> None:
        super().__init__(n_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.softmax(super().forward(x))


def to_tensor(imgs_u8: np.ndarray) -> torch.Tensor:
    """[n,64,64,3] uint8 -> [n,3,64,64] float, /255 then per-channel (x-mean)/std (the model's preprocessing)."""
    x = torch.from_numpy(imgs_u8).permute(0, 3, 1, 2).float() / 255.0
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def flip_augment(xb: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal/vertical flips (every class is closed under flips)."""
    fh = torch.rand(len(xb), generator=gen) < 0.5
    fv = torch.rand(len(xb), generator=gen) < 0.5
    xb = xb.clone()
    xb[fh] = xb[fh].flip(3)
    xb[fv] = xb[fv].flip(2)
    return xb


def save_set(dirname: str, imgs: np.ndarray, masks: np.ndarray, labels: np.ndarray, per_class: int | None) -> int:
    d = SAMPLES_DIR / dirname
    if d.exists():
        for old in d.glob("*.png"):
            old.unlink()
    mapping = {}
    counts = {c: 0 for c in CLASSES}
    for i in range(len(imgs)):
        cls = CLASSES[int(labels[i])]
        if per_class is not None and counts[cls] >= per_class:
            continue
        name = f"{cls}-{counts[cls]:02d}"
        counts[cls] += 1
        save_png_rgb(d / f"{name}.png", imgs[i])
        save_png_mask(d / f"{name}.mask.png", masks[i])
        mapping[f"{name}.png"] = cls
    write_json(d / "labels.json", dict(sorted(mapping.items())))
    return len(mapping)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--train-size", type=int, default=12000)
    ap.add_argument("--test-size", type=int, default=2000)
    args = ap.parse_args()

    seed_everything(SEED)
    t0 = time.time()
    xtr, _, ytr = make_dataset(args.train_size, SEED_TRAIN)
    xte, _, yte = make_dataset(args.test_size, SEED_TEST)
    print(f"rendered train {len(xtr)} (seed {SEED_TRAIN}) + test {len(xte)} (seed {SEED_TEST}) "
          f"in {time.time() - t0:.1f}s")
    Xtr, Ytr, Xte, Yte = to_tensor(xtr), torch.from_numpy(ytr), to_tensor(xte), torch.from_numpy(yte)

    model = ShapesCNN()
    secs = train(model, Xtr, Ytr, epochs=args.epochs, bs=64, lr=4e-3, seed=SEED, augment=flip_augment,
                 x_test=Xte, y_test=Yte)
    acc = evaluate(model, Xte, Yte)
    print(f"shapes test accuracy: {acc:.4f} ({len(xte)} held-out images), training {secs:.1f}s")

    desc = ("convlens demo: shapes CNN (4 Conv+BatchNorm+ReLU blocks, MaxPool after the first 2, dilation 2 "
            "in the last 2, a fixed 3x3 average blur after the 3rd and after the 4th, so the last feature map "
            "is 16x16; GlobalAveragePool + Linear) classifying one shape per 64x64 RGB image into "
            f"{', '.join(CLASSES)}; trained on a procedural seeded dataset, held-out test accuracy {acc:.4f}. "
            "Input: RGB, pixel/255 then (x-0.5)/0.25 per channel. BatchNorm is folded into the convs by the "
            "exporter.")
    meta = model_metadata(CLASSES, MEAN, STD, (64, 64), 3, desc + " Output: raw logits.")
    meta_sm = model_metadata(CLASSES, MEAN, STD, (64, 64), 3,
                             desc + " Output: softmax probabilities ('probs'); the logits are the input of "
                             "the final Softmax node.")
    example = Xte[:1]
    export_onnx(model, example, MODELS_DIR / "shapes-cnn.onnx", "logits", meta)
    with_softmax = ShapesCNNSoftmax()
    with_softmax.load_state_dict(model.state_dict())
    export_onnx(with_softmax, example, MODELS_DIR / "shapes-cnn-softmax.onnx", "probs", meta_sm)
    for stem in ("shapes-cnn", "shapes-cnn-softmax"):
        (MODELS_DIR / f"{stem}.labels.txt").write_text("\n".join(CLASSES) + "\n")
        print(f"wrote models/{stem}.onnx ({(MODELS_DIR / f'{stem}.onnx').stat().st_size} bytes)")

    # Held-out sample sets, each from its own seed (never seen in training/testing).
    si, sm, sl = make_dataset(60, SEED_SAMPLES)
    n_s = save_set("shapes", si, sm, sl, per_class=2)
    ei, em, el = make_dataset(60, SEED_EVAL)
    n_e = save_set("shapes-eval", ei, em, el, per_class=None)
    model.eval()
    with torch.no_grad():
        eval_acc = (model(to_tensor(ei)).argmax(1).numpy() == el).mean()
    print(f"wrote {n_s} samples/shapes, {n_e} samples/shapes-eval (model accuracy there {eval_acc:.4f})")
    write_json(MODELS_DIR / "shapes-cnn.train.json", {
        "seed": SEED, "data_seeds": {"train": SEED_TRAIN, "test": SEED_TEST, "samples": SEED_SAMPLES,
                                     "eval": SEED_EVAL},
        "epochs": args.epochs, "train_size": len(xtr), "test_size": len(xte),
        "test_accuracy": round(acc, 4), "eval_set_accuracy": round(float(eval_acc), 4),
        "train_seconds": round(secs, 1), "torch": torch.__version__, "threads": torch.get_num_threads(),
    })


if __name__ == "__main__":
    main()
