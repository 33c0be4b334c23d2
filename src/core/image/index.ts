/**
 * Public surface of convlens' pixel layer: rasters, resampling, model input pre/post-processing, colour
 * maps, display normalisation, overlays, bitmap text and grids. Isomorphic — no I/O here; decoding and
 * encoding files lives in `src/node/image-io.ts` (and the web adapters).
 */

export { assertRaster, createRaster, createRgba, cropRaster, LUMA_601, toChannels, toGray, toRgb, toRgba } from './raster.ts';
export type { ChannelCount, Raster, Rgb, Rgba, RgbaImage } from './raster.ts';

export { fitGeometry, fitRaster, resizePlaneBilinear, resizeRaster } from './resize.ts';
export type { FitGeometry, FitOptions, ResampleOptions, ResizeMode } from './resize.ts';

export { deprocess, inferInputLayout, preprocess, preprocessBatch, preprocessDetailed, resolveNormalize } from './preprocess.ts';
export type { DeprocessSpec, InputDim, InputLayout, Layout, NormalizeSpec, PreprocessResult, PreprocessSpec } from './preprocess.ts';

export { applyColormap, colorbar, colormapLut, COLORMAP_BASE_NAMES, isDivergingColormap, NON_FINITE_COLOR } from './colormap.ts';
export type { ColormapBaseName, ColormapName, ColormapOptions, ColormapResult } from './colormap.ts';

export { finiteStats, normalizeMinMax, normalizeOutliers, normalizeShared, normalizeSymmetric, percentileRange } from './normalize.ts';
export type { AttributionSign, FiniteStats, MinMaxOptions, NormalizedMap, OutlierOptions } from './normalize.ts';

export { overlayHeatmap } from './overlay.ts';
export type { OverlayOptions, OverlayResult } from './overlay.ts';

export { drawText, fitText, glyph, glyphPixel, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, measureText } from './font.ts';
export type { TextOptions } from './font.ts';

export { makeGrid } from './grid.ts';
export type { GridOptions } from './grid.ts';
