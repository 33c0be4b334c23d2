"""Shared helpers for the convlens demo-model scripts: seeding, PNG I/O, ONNX export with
convlens metadata (written straight into the ONNX protobuf, so the `onnx` Python package is not
needed), and a tiny training loop.

Run the scripts with Debian's interpreter (/usr/bin/python3, which has python3-torch 1.13)."""
from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "models"
SAMPLES_DIR = REPO / "samples"
OPSET = 13


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch; pin torch to 2 threads and deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(int(os.environ.get("CONVLENS_THREADS", "2")))
    torch.use_deterministic_algorithms(True)


# ----------------------------------------------------------------------------- PNG I/O

def save_png_gray(path: Path, img01: np.ndarray) -> None:
    """img01: HxW float in [0,1] -> 8-bit grayscale PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(np.round(img01 * 255), 0, 255).astype(np.uint8), mode="L").save(path, optimize=True)


def save_png_rgb(path: Path, img_u8: np.ndarray) -> None:
    """img_u8: HxWx3 uint8 -> 8-bit RGB PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img_u8, mode="RGB").save(path, optimize=True)


def save_png_mask(path: Path, mask: np.ndarray) -> None:
    """mask: HxW bool -> 8-bit grayscale PNG, object 255 (white) on 0 (black)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(mask.astype(np.uint8) * 255, mode="L").save(path, optimize=True)


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


# ----------------------------------------------------------------------------- ONNX metadata

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _len_field(field: int, payload: bytes) -> bytes:
    return _varint((field << 3) | 2) + _varint(len(payload)) + payload


def metadata_props_bytes(props: dict[str, str]) -> bytes:
    """Serialize ModelProto.metadata_props (field 14, repeated StringStringEntryProto{key=1,value=2}).

    Protobuf repeated fields may appear anywhere in a message and concatenate, so appending these bytes
    to a serialized ModelProto adds the entries."""
    out = b""
    for k, v in props.items():
        entry = _len_field(1, k.encode("utf-8")) + _len_field(2, v.encode("utf-8"))
        out += _len_field(14, entry)
    return out


def export_onnx(model: torch.nn.Module, example: torch.Tensor, path: Path, output_name: str,
                metadata: dict[str, str]) -> None:
    """Export with input 'input', one output `output_name`, dynamic batch axis 'N', opset 13, and
    append convlens.* metadata_props. Exported in eval mode: the exporter folds BatchNorm into the
    preceding Conv (torch's standard eval-mode export)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    torch.onnx.export(
        model, example, str(path),
        input_names=["input"], output_names=[output_name],
        dynamic_axes={"input": {0: "N"}, output_name: {0: "N"}},
        opset_version=OPSET, do_constant_folding=True,
    )
    with open(path, "ab") as f:
        f.write(metadata_props_bytes(metadata))


def model_metadata(labels: list[str], mean: list[float], std: list[float], size: tuple[int, int],
                   channels: int, description: str) -> dict[str, str]:
    return {
        "convlens.labels": json.dumps(labels),
        "convlens.preprocess": json.dumps({
            "normalize": {"mean": mean, "std": std},
            "size": list(size),
            "channels": channels,
        }),
        "convlens.description": description,
    }


# ----------------------------------------------------------------------------- training

def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, bs: int = 500) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), bs):
            correct += (model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item()
    return correct / len(x)


def train(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int, bs: int, lr: float,
          seed: int, augment=None, x_test=None, y_test=None, weight_decay: float = 1e-4) -> float:
    """Adam + one-cycle LR schedule. Returns wall-clock seconds. `augment(xb, gen)` may transform a batch."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * ((len(x) + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    lossf = torch.nn.CrossEntropyLoss()
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        tot, n = 0.0, 0
        for i in range(0, len(x), bs):
            idx = perm[i:i + bs]
            xb, yb = x[idx], y[idx]
            if augment is not None:
                xb = augment(xb, gen)
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
            n += len(idx)
        msg = f"epoch {ep + 1}/{epochs} loss {tot / n:.4f} ({time.time() - t0:.0f}s)"
        if x_test is not None:
            msg += f" test acc {evaluate(model, x_test, y_test):.4f}"
        print(msg, flush=True)
    return time.time() - t0
