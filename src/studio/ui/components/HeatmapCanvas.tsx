/**
 * A scalar map drawn through a colour map — alone or overlaid on the input image with an opacity — with a
 * hover read-out of the value under the cursor. Used for CAMs/attributions (smooth upscaling) and enlarged
 * feature-map channels (pixelated). After each paint the canvas gets `data-painted` (a counter) so tests
 * and timing code know the pixels are final.
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

export interface HeatmapCanvasProps {
  values: Float32Array;
  /** Offset of the plane in `values` (a channel of a [C,H,W] array). */
  offset?: number;
  width: number;
  height: number;
  cmap: ColormapName;
  /** Value range mapped to the colour map (default: the plane's finite min/max). */
  range?: Range;
  /** Image drawn underneath (same-origin URL), and the map's opacity over it. */
  imageUrl?: string;
  opacity?: number;
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
    const draw = (img: HTMLImageElement | null) => {
      if (!live) return;
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      const plane = new ImageData(p.width, p.height);
      paintPlane(plane.data, p.width, 0, 0, p.values, offset, p.width, p.height, p.range ?? finiteRange(p.values, offset, p.width * p.height), colormapLut(p.cmap));
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
      painted.current += 1;
      canvas.dataset.painted = String(painted.current);
    };
    if (p.imageUrl) loadImage(p.imageUrl).then((img) => { setImgError(null); draw(img); }, (e: Error) => { setImgError(e.message); draw(null); });
    else draw(null);
    return () => { live = false; };
  }, [p.values, offset, p.width, p.height, p.cmap, p.range?.min, p.range?.max, p.imageUrl, p.opacity, p.smooth, cw, ch]);

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
