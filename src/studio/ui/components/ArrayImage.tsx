/**
 * An image array from the server (`[C, H, W]` in [0, 1], C = 1 or 3 — visualize previews and results)
 * fetched through the client and drawn on a canvas; `data-painted` counts paints. Also a small
 * Sparkline for objective trajectories.
 */

import { useEffect, useRef } from 'react';
import type { ArrayRef } from '../../protocol.ts';
import type { StudioClient } from '../../client/index.ts';
import { chwToImageData, drawScaled, fmt } from '../render/draw.ts';

export function ArrayImage({ client, array, size = 224, className = '', label, testId, canvasRef }: {
  client: StudioClient; array: ArrayRef; size?: number; className?: string; label?: string; testId?: string; canvasRef?: (c: HTMLCanvasElement | null) => void;
}) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const painted = useRef(0);
  // Request order of the arrays shown here: a fetch that resolves is painted unless a newer one already was.
  // A newer array must not cancel the fetch of an older one — live previews can arrive faster than a busy
  // browser fetches them, and cancelling would then never paint any preview at all.
  // After unmount `ref.current` is null (React calls the callback ref with null), so late fetches stop there.
  const requested = useRef(0);
  const shown = useRef(0);
  const [C, H, W] = array.dims.length === 3 ? array.dims as [number, number, number] : [1, array.dims[0] ?? 1, array.dims[1] ?? 1];
  const scale = size / Math.max(H, W);
  useEffect(() => {
    const seq = ++requested.current;
    client.getArray(array).then((v) => {
      const c = ref.current;
      if (!c || seq < shown.current) return;
      shown.current = seq;
      // Images are meant to be in [0, 1]; stretch to the actual range if they are not.
      const range = array.min < 0 || array.max > 1 ? { min: array.min, max: array.max } : { min: 0, max: 1 };
      drawScaled(c, chwToImageData(v, C, H, W, range), true);
      painted.current += 1;
      c.dataset.painted = String(painted.current);
    }, () => undefined);
  }, [client, array.id]);
  return <canvas ref={(c) => { ref.current = c; canvasRef?.(c); }} width={Math.round(W * scale)} height={Math.round(H * scale)} className={`array-image ${className}`} aria-label={label} data-testid={testId} />;
}

export function Sparkline({ values, width = 240, height = 56 }: { values: number[]; width?: number; height?: number }) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  useEffect(() => {
    const c = ref.current, ctx = c?.getContext('2d');
    if (!c || !ctx || values.length < 2) return;
    let min = Infinity, max = -Infinity;
    for (const v of values) if (Number.isFinite(v)) { min = Math.min(min, v); max = Math.max(max, v); }
    const span = max - min || 1;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = '#2563eb';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = (i / (values.length - 1)) * (width - 4) + 2, y = height - 2 - ((v - min) / span) * (height - 4);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }, [values, width, height]);
  const last = values[values.length - 1];
  return (
    <div className="sparkline">
      <canvas ref={ref} width={width} height={height} aria-label="objective per step" />
      <span className="muted mono">{values.length} steps · last step {last !== undefined ? fmt(last) : '—'}</span>
    </div>
  );
}
