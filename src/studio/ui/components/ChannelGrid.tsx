/**
 * All channels of a `[C, H, W]` activation (or any stack of planes) in one canvas: each channel through
 * the colour map, scaled per channel or on one shared scale, laid out to fit the container width.
 * Click selects a channel, hover reads out the value. One canvas keeps layer switches fast (a single
 * layout + C drawImage calls); `data-painted`/`data-key` tell tests which data the pixels show.
 */

import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { colormapLut } from '../render/colormaps.ts';
import type { ColormapName } from '../render/colormaps.ts';
import { finiteRange, fmt, paintPlane } from '../render/draw.ts';

export interface ChannelGridProps {
  values: Float32Array;
  count: number;
  height: number;
  width: number;
  cmap: ColormapName;
  /** One colour scale for all channels (default: each channel on its own range). */
  shared?: boolean;
  /** Explicit shared range (e.g. symmetric for weights). */
  range?: { min: number; max: number };
  selected?: number;
  onSelect?: (index: number) => void;
  /** Tile label under the hover read-out (`channel`, `filter`). */
  unit?: string;
  /** Identity of the data shown (layer tensor), copied to `data-key` after painting. */
  dataKey?: string;
  canvasRef?: (c: HTMLCanvasElement | null) => void;
  /** Custom tile painter (RGB filters); default colour-mapped planes. */
  paintTile?: (out: Uint8ClampedArray, stride: number, x0: number, y0: number, index: number) => void;
}

const GAP = 3;

function tileTarget(count: number): number {
  if (count <= 8) return 132;
  if (count <= 32) return 100;
  if (count <= 128) return 76;
  return 56;
}

/** Memoized: re-renders only when its data or settings change (keep `onSelect`/`canvasRef` stable). */
export const ChannelGrid = memo(function ChannelGrid(p: ChannelGridProps) {
  const wrap = useRef<HTMLDivElement | null>(null);
  const ref = useRef<HTMLCanvasElement | null>(null);
  const painted = useRef(0);
  const [avail, setAvail] = useState(800);
  const [hover, setHover] = useState<{ index: number; x: number; y: number; v?: number } | null>(null);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    setAvail(el.clientWidth || 800);
    const ro = new ResizeObserver(() => setAvail(el.clientWidth || 800));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Tiles near the target size, stretched so the columns fill the available width exactly.
  // Tiny kernels (3×3) need no big tiles: at most 16 screen pixels per value.
  const target = Math.min(tileTarget(p.count), Math.max(64, 16 * Math.max(p.height, p.width)));
  const aspect = p.width / p.height;
  const tw0 = Math.max(8, Math.round(target * Math.min(1, aspect)));
  // As many columns as fit, then balanced so the last row is not a lonely stub (16 tiles → 2×8, not 14+2).
  const maxCols = Math.max(1, Math.min(p.count, Math.floor((avail - 2 + GAP) / (tw0 + GAP))));
  const cols = Math.ceil(p.count / Math.ceil(p.count / maxCols));
  const fill = Math.floor((avail - 2 - (cols - 1) * GAP) / cols);
  const tw = cols < p.count && fill <= tw0 * 1.35 ? Math.max(8, fill) : tw0;
  const th = Math.max(8, Math.round(tw / aspect));
  const scale = tw / p.width;
  const rows = Math.ceil(p.count / cols);
  const cw = cols * (tw + GAP) - GAP, ch = rows * (th + GAP) - GAP;

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const n = p.height * p.width;
    // Native-resolution atlas: one row of tiles, 1px apart.
    const atlasW = p.count * (p.width + 1);
    const src = document.createElement('canvas');
    src.width = atlasW; src.height = p.height;
    const img = new ImageData(atlasW, p.height);
    const lut = colormapLut(p.cmap);
    const shared = p.range ?? (p.shared ? finiteRange(p.values, 0, p.count * n) : undefined);
    for (let c = 0; c < p.count; c++) {
      if (p.paintTile) p.paintTile(img.data, atlasW, c * (p.width + 1), 0, c);
      else paintPlane(img.data, atlasW, c * (p.width + 1), 0, p.values, c * n, p.width, p.height, shared ?? finiteRange(p.values, c * n, n), lut);
    }
    src.getContext('2d')!.putImageData(img, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    ctx.imageSmoothingEnabled = scale < 1;
    for (let c = 0; c < p.count; c++) {
      const x = (c % cols) * (tw + GAP), y = Math.floor(c / cols) * (th + GAP);
      ctx.drawImage(src, c * (p.width + 1), 0, p.width, p.height, x, y, tw, th);
    }
    // Hairline frames so pale tiles (weights near 0) stay distinct from the gutters.
    ctx.strokeStyle = 'rgba(15, 23, 42, 0.14)';
    ctx.lineWidth = 1;
    for (let c = 0; c < p.count; c++) ctx.strokeRect((c % cols) * (tw + GAP) + 0.5, Math.floor(c / cols) * (th + GAP) + 0.5, tw - 1, th - 1);
    if (p.selected !== undefined && p.selected >= 0 && p.selected < p.count) {
      const x = (p.selected % cols) * (tw + GAP), y = Math.floor(p.selected / cols) * (th + GAP);
      ctx.strokeStyle = '#2563eb';
      ctx.lineWidth = 3;
      ctx.strokeRect(x + 1.5, y + 1.5, tw - 3, th - 3);
    }
    painted.current += 1;
    canvas.dataset.painted = String(painted.current);
    performance.mark('convlens:grid-painted');
    canvas.dataset.key = p.dataKey ?? '';
  }, [p.values, p.count, p.height, p.width, p.cmap, p.shared, p.range?.min, p.range?.max, p.selected, p.paintTile, p.dataKey, cols, tw, th, cw, ch, scale]);

  const locate = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * cw, py = ((e.clientY - r.top) / r.height) * ch;
    const cx = Math.floor(px / (tw + GAP)), cy = Math.floor(py / (th + GAP));
    const lx = px - cx * (tw + GAP), ly = py - cy * (th + GAP);
    const index = cy * cols + cx;
    if (cx >= cols || lx >= tw || ly >= th || index >= p.count) return null;
    const x = Math.floor((lx / tw) * p.width), y = Math.floor((ly / th) * p.height);
    return { index, x, y, v: p.paintTile ? undefined : p.values[index * p.width * p.height + y * p.width + x] };
  };

  return (
    <div className="channel-grid-wrap" ref={wrap}>
      <canvas
        ref={(c) => { ref.current = c; p.canvasRef?.(c); }}
        className="channel-grid"
        width={cw} height={ch}
        style={{ width: `${cw}px`, height: `${ch}px` }}
        onMouseMove={(e) => setHover(locate(e))}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => { const t = locate(e); if (t) p.onSelect?.(t.index); }}
        aria-label={`${p.count} ${p.unit ?? 'channel'}s`}
      />
      <div className="readout">
        {hover ? (
          <><span className="mono">{p.unit ?? 'channel'} {hover.index}</span><span className="mono">x {hover.x}, y {hover.y}</span>{hover.v !== undefined ? <span className="mono strong">{fmt(hover.v)}</span> : null}</>
        ) : <span className="muted">{p.count} {p.unit ?? 'channel'}s · {p.height}×{p.width} {p.onSelect ? ' · click a tile to enlarge' : ''}</span>}
      </div>
    </div>
  );
});
