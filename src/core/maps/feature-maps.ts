/**
 * Feature-map visualization (seed §1.2): every channel of a layer's activation rendered as a heat map
 * (normalized per channel or over the whole layer), laid out in a labelled grid, with per-channel
 * statistics (min, max, mean, fraction of zeros, non-finite count).
 */
import type { Tensor } from '../tensor.ts';
import { applyColormap } from '../image/colormap.ts';
import type { ColormapName } from '../image/colormap.ts';
import { makeGrid } from '../image/grid.ts';
import type { RgbaImage } from '../image/raster.ts';
import { channelPlanes, planeStats } from './channel-planes.ts';
import type { ChannelStats, PlaneOptions } from './channel-planes.ts';
import { upscaleNearest } from './upscale.ts';

export interface FeatureMapOptions extends PlaneOptions {
  /** Colour map (default 'viridis'). */
  colormap?: ColormapName;
  /** 'channel' (default): each map stretched to its own min..max; 'layer': one range for all channels, so brightness compares across channels. */
  normalize?: 'channel' | 'layer';
  /** Order channels by mean activation, highest first (default false: channel order). */
  sort?: boolean;
  /** Show at most this many channels (after sorting). Default all. */
  maxChannels?: number;
  /** Smallest tile edge in pixels; small maps are enlarged by an integer factor (nearest). Default 48. */
  minTile?: number;
  /** Title drawn above the grid (e.g. the layer name). */
  title?: string;
}

export interface FeatureMapSheet {
  image: RgbaImage;
  /** Statistics of every channel, in channel order. */
  stats: ChannelStats[];
  /** Channels shown, in display order. */
  shown: number[];
  /** Total NaN/Inf values in the shown maps. */
  nonFinite: number;
}

/** Renders one batch item of an activation tensor as a grid of channel heat maps. */
export function featureMapSheet(activation: Tensor, opts: FeatureMapOptions = {}): FeatureMapSheet {
  const planes = channelPlanes(activation, opts);
  const stats = planes.map(planeStats);
  let order = planes.map((_, i) => i);
  if (opts.sort) order.sort((a, b) => (stats[b]!.mean || -Infinity) - (stats[a]!.mean || -Infinity) || a - b);
  if (opts.maxChannels !== undefined) order = order.slice(0, Math.max(0, opts.maxChannels));
  let lo = Infinity, hi = -Infinity;
  if (opts.normalize === 'layer') {
    for (const s of stats) {
      if (Number.isFinite(s.min)) lo = Math.min(lo, s.min);
      if (Number.isFinite(s.max)) hi = Math.max(hi, s.max);
    }
  }
  let nonFinite = 0;
  const minTile = opts.minTile ?? 48;
  const tiles = order.map((i) => {
    const p = planes[i]!;
    const range = opts.normalize === 'layer' && lo <= hi ? { min: lo, max: hi } : {};
    const img = applyColormap(p.values, p.width, p.height, { name: opts.colormap ?? 'viridis', ...range });
    nonFinite += img.nonFinite;
    const factor = Math.max(1, Math.ceil(minTile / Math.max(p.width, p.height)));
    return upscaleNearest(img, factor);
  });
  const image = makeGrid(tiles, { labels: order.map((i) => String(planes[i]!.channel)), title: opts.title, padding: 4 });
  return { image, stats, shown: order, nonFinite };
}
