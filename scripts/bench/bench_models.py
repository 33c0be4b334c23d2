"""Full-size benchmark models shared by export_bench_models.py and torch_peer.py.

Both scripts build the SAME seeded random-weight torchvision networks (resnet18, mobilenet_v2, 1000
classes, 1x3x224x224), so the ONNX models timed by bench/gradients.ts and the PyTorch eager peer
compute the same function. BatchNorm running statistics are calibrated on N(0,1) inputs (as training
would set them) so activations stay O(1): with stock init (mean 0, var 1) the signal drifts through
the network and tiny (possibly denormal) values could distort CPU timings on either side.

Run with the Debian interpreter that has torch 1.13 / torchvision 0.14:  /usr/bin/python3
"""
from __future__ import annotations

import os
from collections import OrderedDict

import torch
import torch.nn as nn
import torchvision

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS_DIR = os.path.join(REPO, "bench", "models")
SEED = 0
OPSET = 13
INPUT_SHAPE = (1, 3, 224, 224)

# name -> builder; last_block: the module whose output is the "last conv block" (the Grad-CAM target
# layer); last_block_node: the ONNX node torch 1.13's exporter names for that module's last op.
MODELS = OrderedDict(
    resnet18=dict(
        build=lambda: torchvision.models.resnet18(weights=None, num_classes=1000),
        last_block="layer4",
        last_block_node="/layer4/layer4.1/relu_1/Relu",
        about="torchvision.models.resnet18(weights=None, num_classes=1000), 11.7M params, 1.8 GMACs",
    ),
    mobilenet_v2=dict(
        build=lambda: torchvision.models.mobilenet_v2(weights=None, num_classes=1000),
        last_block="features.18",
        last_block_node="/features/features.18/features.18.2/Clip",
        about="torchvision.models.mobilenet_v2(weights=None, num_classes=1000), 3.5M params, 0.3 GMACs",
    ),
)


def _calibrate_batchnorm(model: nn.Module, gen: torch.Generator, batches: int = 2, size: int = 4):
    """Set BN running stats to the real statistics of the random network on N(0,1) inputs."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    model.eval()
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
        m.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(size, *INPUT_SHAPE[1:], generator=gen))
    for m in bns:
        m.momentum = 0.1
    model.eval()


def build_model(name: str) -> nn.Module:
    """Deterministically build bench model `name` in eval mode."""
    if name not in MODELS:
        raise SystemExit(f"unknown bench model {name!r}; known: {', '.join(MODELS)}")
    torch.manual_seed(SEED)
    model = MODELS[name]["build"]()
    _calibrate_batchnorm(model, torch.Generator().manual_seed(SEED + 1))
    model.eval()
    return model


def make_input(seed: int = 1234) -> torch.Tensor:
    """The benchmark input: seeded N(0,1) of INPUT_SHAPE (timing does not depend on the values)."""
    return torch.randn(*INPUT_SHAPE, generator=torch.Generator().manual_seed(seed))


def get_module(model: nn.Module, dotted: str) -> nn.Module:
    return dict(model.named_modules())[dotted]
