/**
 * A scalar map drawn through a colour map — alone or overlaid on the input image with an opacity — with a
 * hover read-out of the value under the cursor. Used for CAMs/attributions (smooth upscaling) and enlarged
 * feature-map channels (pixelated). Optionally outlines a ground-truth mask image on top (white line with a
 * dark halo, traced at the canvas resolution). After each paint the canvas gets `data-painted` (a counter)
 * so tests and timing code know the pixels are final.
 */

import { useEffect, useRef, useState } from 'react';
import { colormapLut } from '../render/colormaps.ts';
import type { ColormapName } from '../render/colormaps.ts';
import { finiteRange, fmt, paintPlane } from '../render/draw.ts';
import type { Range } from '../render/draw.ts';

const images = new Map<string, Promise<HTMLImageElement>>();
/** Load (once) a same-origin image for use under a canvas overlay. */
export function loadImage(url: string): Promise<HTMLImageElement> {
  let p = images.get(url);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => { images.delete(url); reject(new Error(`could not load ${url}`)); };
      img.src = url;
    });
    images.set(url, p);
  }
  return p;
}

/**
 * Draws the outline of a mask image (inside = brighter than mid-gray) onto `ctx`, traced at the canvas
 * resolution from the smoothly upscaled mask: a 2-pixel white line on the boundary and a translucent
 * dark halo around it, visible over any colour map.
 */
function drawOutline(ctx: CanvasRenderingContext2D, mask: HTMLImageElement, w: number, h: number): void {
  const tmp = document.createElement('canvas');
  tmp.width = w; tmp.height = h;
  const tctx = tmp.getContext('2d')!;
  tctx.imageSmoothingEnabled = true;
  tctx.imageSmoothingQuality = 'high';
  tctx.drawImage(mask, 0, 0, w, h);
  const m = tctx.getImageData(0, 0, w, h).data;
  const inside = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) inside[i] = m[4 * i]! >= 128 ? 1 : 0;
  // line: pixels whose right or lower neighbour lies on the other side (both sides marked → 2 px)
  const line = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x + 1 < w && inside[i] !== inside[i + 1]) { line[i] = 1; line[i + 1] = 1; }
      if (y + 1 < h && inside[i] !== inside[i + w]) { line[i] = 1; line[i + w] = 1; }
    }
  }
  const out = ctx.getImageData(0, 0, w, h);
  const d = out.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (line[i]) { d[4 * i] = 255; d[4 * i + 1] = 255; d[4 * i + 2] = 255; d[4 * i + 3] = 255; continue; }
      let near = false;
      for (let dy = -1; dy <= 1 && !near; dy++) for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx, yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < w && yy < h && line[yy * w + xx]) { near = true; break; }
      }
      if (near) { d[4 * i] = Math.round(d[4 * i]! * 0.35); d[4 * i + 1] = Math.round(d[4 * i + 1]! * 0.35); d[4 * i + 2] = Math.round(d[4 * i + 2]! * 0.35); d[4 * i + 3] = 255; }
    }
  }
  ctx.putImageData(out, 0, 0);
}

export interface HeatmapCanvasProps {
  values: Float32Array;
  /** Offset of the plane in `values` (a channel of a [C,H,W] array). */
  offset?: number;
  width: number;
  height: number;
  cmap: ColormapName;
  /** A 256-entry RGB lookup table used instead of `cmap` (e.g. Captum's sign colour maps). */
  lut?: Uint8Array;
  /** Value range mapped to the colour map (default: the plane's finite min/max). */
  range?: Range;
  /** Image drawn underneath (same-origin URL), and the map's opacity over it. */
  imageUrl?: string;
  opacity?: number;
  /** A mask image (same-origin URL, white = inside) whose outline is drawn over the map. */
  outlineUrl?: string;
  /** Bilinear upscaling (CAMs) instead of nearest (feature maps). */
  smooth?: boolean;
  /** Canvas resolution (px, longest side). Default 256. */
  resolution?: number;
  className?: string;
  label?: string;
  /** Extra data-* attributes for tests/exports. */
  testId?: string;
  canvasRef?: (c: HTMLCanvasElement | null) => void;
}

export function HeatmapCanvas(p: HeatmapCanvasProps) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const painted = useRef(0);
  const [hover, setHover] = useState<{ x: number; y: number; v: number } | null>(null);
  const [imgError, setImgError] = useState<string | null>(null);
  const res = p.resolution ?? 256;
  const scale = res / Math.max(p.width, p.height);
  const cw = Math.round(p.width * scale), ch = Math.round(p.height * scale);
  const offset = p.offset ?? 0;

  useEffect(() => {
    let live = true;
    const canvas = ref.current;
    if (!canvas) return;
    const draw = (img: HTMLImageElement | null, mask: HTMLImageElement | null) => {
      if (!live) return;
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      const plane = new ImageData(p.width, p.height);
      paintPlane(plane.data, p.width, 0, 0, p.values, offset, p.width, p.height, p.range ?? finiteRange(p.values, offset, p.width * p.height), p.lut ?? colormapLut(p.cmap));
      const tmp = document.createElement('canvas');
      tmp.width = p.width; tmp.height = p.height;
      tmp.getContext('2d')!.putImageData(plane, 0, 0);
      ctx.clearRect(0, 0, cw, ch);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      if (img) { ctx.globalAlpha = 1; ctx.drawImage(img, 0, 0, cw, ch); }
      ctx.imageSmoothingEnabled = !!p.smooth;
      ctx.globalAlpha = img ? (p.opacity ?? 0.5) : 1;
      ctx.drawImage(tmp, 0, 0, cw, ch);
      ctx.globalAlpha = 1;
      if (mask) drawOutline(ctx, mask, cw, ch);
      canvas.dataset.outline = mask ? '1' : '0';
      painted.current += 1;
      canvas.dataset.painted = String(painted.current);
    };
    const errors: string[] = [];
    const load = (url: string | undefined) => (url ? loadImage(url).catch((e: Error) => { errors.push(e.message); return null; }) : Promise.resolve(null));
    void Promise.all([load(p.imageUrl), load(p.outlineUrl)]).then(([img, mask]) => {
      if (!live) return;
      setImgError(errors.length ? errors.join('; ') : null);
      draw(img, mask);
    });
    return () => { live = false; };
  }, [p.values, offset, p.width, p.height, p.cmap, p.lut, p.range?.min, p.range?.max, p.imageUrl, p.outlineUrl, p.opacity, p.smooth, cw, ch]);

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) / r.width) * p.width), y = Math.floor(((e.clientY - r.top) / r.height) * p.height);
    if (x < 0 || y < 0 || x >= p.width || y >= p.height) { setHover(null); return; }
    setHover({ x, y, v: p.values[offset + y * p.width + x]! });
  };

  return (
    <figure className={`heatmap ${p.className ?? ''}`}>
      <canvas
        ref={(c) => { ref.current = c; p.canvasRef?.(c); }}
        width={cw} height={ch}
        className={p.smooth ? 'heatmap-canvas' : 'heatmap-canvas pixelated'}
        data-testid={p.testId}
        data-w={p.width} data-h={p.height}
        aria-label={p.label ?? 'heat map'}
        onMouseMove={onMove} onMouseLeave={() => setHover(null)}
      />
      <figcaption className="readout" aria-live="off">
        {hover ? <><span className="mono">x {hover.x}, y {hover.y}</span><span className="mono strong">{fmt(hover.v)}</span></> : <span className="muted">Hover to read values</span>}
        {imgError ? <span className="warn">{imgError}</span> : null}
      </figcaption>
    </figure>
  );
}
