"""Procedural "shapes" dataset for the convlens demo models (numpy only, fully seeded).

Each sample is a 64x64 RGB uint8 image holding exactly one filled shape of one of 6 classes
(circle, square, triangle, star, cross, hexagon) with random colour, position, scale and rotation,
over a textured background (linear / radial gradient, soft or hard stripes, smooth noise blobs) plus
pixel noise. Backgrounds never contain shapes (distractor-free), and the object colour is kept far from
every background colour, so the label is unambiguous. Each sample comes with its ground-truth binary
object mask (anti-aliased coverage >= 0.5).

The same (n, seed) always gives the same data: a sample depends only on the seed and its index."""
from __future__ import annotations

import numpy as np

CLASSES = ["circle", "square", "triangle", "star", "cross", "hexagon"]
SIZE = 64
SS = 3  # supersampling factor per axis for anti-aliased edges

# Seeds of the disjoint splits (each split is generated from its own seed).
SEED_TRAIN, SEED_TEST, SEED_SAMPLES, SEED_EVAL = 101, 202, 303, 404


def _regular(n: int, radius: float, phase: float = 0.0) -> np.ndarray:
    a = phase + 2 * np.pi * np.arange(n) / n
    return np.stack([radius * np.cos(a), radius * np.sin(a)], 1)


def _star(points: int = 5, outer: float = 1.0, inner: float = 0.42) -> np.ndarray:
    a = -np.pi / 2 + np.pi * np.arange(2 * points) / points
    r = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.stack([r * np.cos(a), r * np.sin(a)], 1)


def _cross(arm: float = 0.95, half_w: float = 0.3) -> np.ndarray:
    a, w = arm, half_w
    return np.array([[w, -a], [w, -w], [a, -w], [a, w], [w, w], [w, a],
                     [-w, a], [-w, w], [-a, w], [-a, -w], [-w, -w], [-w, -a]], dtype=np.float64)


# Unit-size outlines (extent radius ~1); the circle is handled analytically.
POLYGONS = {
    "square": _regular(4, 0.98, np.pi / 4),
    "triangle": _regular(3, 1.05, -np.pi / 2),
    "star": _star(),
    "cross": _cross(),
    "hexagon": _regular(6, 0.95),
}
CIRCLE_RADIUS = 0.82

# Sub-pixel sample coordinates (pixel centres at i + 0.5).
_sub = (np.arange(SIZE * SS) + 0.5) / SS
GY, GX = np.meshgrid(_sub, _sub, indexing="ij")
_pix = np.arange(SIZE) + 0.5
PY, PX = np.meshgrid(_pix, _pix, indexing="ij")


def _inside_polygon(x: np.ndarray, y: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd rule point-in-polygon, vectorized over the points."""
    inside = np.zeros(x.shape, dtype=bool)
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        xint = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < xint)
    return inside


def shape_coverage(cls: str, cx: float, cy: float, scale: float, angle: float) -> np.ndarray:
    """Per-pixel coverage in [0,1] (SIZE x SIZE) of the shape, via SSxSS supersampling."""
    if cls == "circle":
        inside = (GX - cx) ** 2 + (GY - cy) ** 2 <= (CIRCLE_RADIUS * scale) ** 2
    else:
        c, s = np.cos(angle), np.sin(angle)
        poly = POLYGONS[cls] @ np.array([[c, s], [-s, c]]) * scale + np.array([cx, cy])
        inside = _inside_polygon(GX, GY, poly)
    return inside.reshape(SIZE, SS, SIZE, SS).mean(axis=(1, 3))


def _dist_to_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-9), 0, 1)
    return float(np.linalg.norm(p - (a + t * ab)))


def _smooth_noise(rng: np.random.Generator, cells: int) -> np.ndarray:
    """Bilinearly upsampled random grid -> smooth blobs in [0,1]."""
    g = rng.random((cells + 1, cells + 1))
    u = PX / SIZE * cells
    v = PY / SIZE * cells
    i0, j0 = np.floor(v).astype(int), np.floor(u).astype(int)
    fy, fx = v - i0, u - j0
    fy, fx = fy * fy * (3 - 2 * fy), fx * fx * (3 - 2 * fx)  # smoothstep
    t = (g[i0, j0] * (1 - fx) * (1 - fy) + g[i0, j0 + 1] * fx * (1 - fy)
         + g[i0 + 1, j0] * (1 - fx) * fy + g[i0 + 1, j0 + 1] * fx * fy)
    return (t - t.min()) / max(t.max() - t.min(), 1e-6)


def background(rng: np.random.Generator, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """A textured background mixing two colours: returns SIZE x SIZE x 3 float in [0,1]."""
    kind = rng.integers(5)
    theta = rng.uniform(0, 2 * np.pi)
    proj = (PX - SIZE / 2) * np.cos(theta) + (PY - SIZE / 2) * np.sin(theta)
    if kind == 0:  # linear gradient
        t = (proj - proj.min()) / (proj.max() - proj.min())
    elif kind == 1:  # radial gradient
        ox, oy = rng.uniform(0, SIZE, 2)
        d = np.sqrt((PX - ox) ** 2 + (PY - oy) ** 2)
        t = d / d.max()
    elif kind == 2:  # soft stripes
        t = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(1.5, 6) * proj / SIZE + rng.uniform(0, 2 * np.pi))
    elif kind == 3:  # hard stripes
        t = (np.sin(2 * np.pi * rng.uniform(1.5, 5) * proj / SIZE + rng.uniform(0, 2 * np.pi)) > 0) * 1.0
    else:  # smooth noise blobs
        t = _smooth_noise(rng, int(rng.integers(3, 8)))
    return c1 * (1 - t[..., None]) + c2 * t[..., None]


def render_sample(rng: np.random.Generator, label: int) -> tuple[np.ndarray, np.ndarray]:
    """One (image uint8 HxWx3, mask bool HxW) pair of class `label`."""
    c1, c2 = rng.random(3), rng.random(3)
    # Object colour far from the background palette segment [c1, c2] (so it stands out everywhere).
    for _ in range(200):
        obj = rng.random(3)
        if _dist_to_segment(obj, c1, c2) >= 0.45:
            break
    else:  # pathological palette: fall back to the complement of the palette mean
        obj = 1.0 - (c1 + c2) / 2
    img = background(rng, c1, c2)

    scale = rng.uniform(10.0, 22.0)
    cx, cy = rng.uniform(scale + 1.5, SIZE - scale - 1.5, 2)
    angle = rng.uniform(0, 2 * np.pi)
    cov = shape_coverage(CLASSES[label], cx, cy, scale, angle)

    # Mild shading across the object (texture, not a cue).
    g = rng.uniform(-0.12, 0.12) * ((PX - cx) * np.cos(angle) + (PY - cy) * np.sin(angle)) / scale
    fill = np.clip(obj + g[..., None], 0, 1)
    img = img * (1 - cov[..., None]) + fill * cov[..., None]
    img = img + rng.normal(0, rng.uniform(0.01, 0.06), img.shape)
    img_u8 = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)
    return img_u8, cov >= 0.5


def make_dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n samples, classes balanced (i % 6) then shuffled; returns images uint8 [n,64,64,3],
    masks bool [n,64,64], labels int64 [n]."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASSES)).astype(np.int64)
    imgs = np.empty((n, SIZE, SIZE, 3), np.uint8)
    masks = np.empty((n, SIZE, SIZE), bool)
    for i in range(n):
        sample_rng = np.random.default_rng([seed, i])
        imgs[i], masks[i] = render_sample(sample_rng, int(labels[i]))
    return imgs, masks, labels
