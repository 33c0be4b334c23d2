/**
 * The studio's models and inputs: the model files given at startup (or the bundled demo models with
 * their samples and ground-truth masks), described once by the worker; uploaded images decoded in
 * memory under random ids; sample ids (`sample:<model>:<file>`) resolved only against the files
 * listed at startup — no client-supplied string is ever turned into a path (RELIABILITY.md 18).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import { toStudioError } from './studio-error.ts';
import type { Raster } from '../../core/image/raster.ts';
import { loadImage } from '../../node/image-io.ts';
import { DEMO_MODELS, PACKAGE_ROOT } from '../../cli/commands/demo.ts';
import type { InputInfo, ModelDetail, ModelSummary, SampleInfo, StudioError } from '../protocol.ts';
import type { DescribeResult } from './ipc.ts';
import type { WorkerPool } from './worker-pool.ts';

/** A model as the server knows it. */
export interface CatalogModel {
  id: string;
  name: string;
  path: string;
  samples: SampleInfo[];
  /** The worker's description (resolves once; rejects when the model cannot be opened). */
  described: Promise<DescribeResult>;
  error?: StudioError;
  detail?: DescribeResult;
}

interface SampleFile { path: string; name: string; gray: boolean }

function safeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+/, '').slice(0, 64) || 'model';
}

export class Catalog {
  readonly models: CatalogModel[] = [];
  private readonly sampleFiles = new Map<string, SampleFile>();

  constructor(pool: WorkerPool, paths: readonly string[] | undefined) {
    const entries: { id: string; path: string; samplesDir?: string }[] = [];
    if (paths && paths.length > 0) {
      const used = new Set<string>();
      for (const p of paths) {
        let id = safeId(basename(p, extname(p)));
        for (let k = 2; used.has(id); k++) id = `${safeId(basename(p, extname(p)))}-${k}`;
        used.add(id);
        entries.push({ id, path: resolve(p) });
      }
    } else {
      for (const d of DEMO_MODELS) entries.push({ id: d.id, path: join(PACKAGE_ROOT, d.model), samplesDir: join(PACKAGE_ROOT, d.samples) });
    }
    for (const e of entries) {
      if (!existsSync(e.path)) throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `model ${e.path} does not exist`, { hint: 'pass the path of an .onnx file' });
      const samples = e.samplesDir ? this.listSamples(e.id, e.samplesDir) : [];
      const model: CatalogModel = {
        id: e.id, name: basename(e.path), path: e.path, samples,
        described: pool.describe(e.path),
      };
      model.described.then((d) => { model.detail = d; }, (err: unknown) => { model.error = toStudioError(err); });
      this.models.push(model);
    }
  }

  /** Samples of a demo folder: the files its labels.json lists (else its images), masks beside them. */
  private listSamples(modelId: string, dir: string): SampleInfo[] {
    let labels: Record<string, string> = {};
    try { labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as Record<string, string>; } catch { labels = {}; }
    let files = Object.keys(labels).sort();
    if (files.length === 0) {
      try { files = readdirSync(dir).filter((f) => /\.(png|jpe?g|webp)$/i.test(f) && !f.includes('.mask.')).sort(); } catch { files = []; }
    }
    const out: SampleInfo[] = [];
    for (const f of files) {
      const path = join(dir, f);
      if (!existsSync(path)) continue;
      const inputId = `sample:${modelId}:${f}`;
      this.sampleFiles.set(inputId, { path, name: f, gray: false });
      const maskFile = `${basename(f, extname(f))}.mask.png`;
      let maskInputId: string | undefined;
      if (existsSync(join(dir, maskFile))) {
        maskInputId = `sample:${modelId}:${maskFile}`;
        this.sampleFiles.set(maskInputId, { path: join(dir, maskFile), name: maskFile, gray: true });
      }
      out.push({ inputId, name: f, ...(labels[f] !== undefined ? { label: labels[f] } : {}), ...(maskInputId ? { maskInputId } : {}) });
    }
    return out;
  }

  model(id: string): CatalogModel {
    const m = this.models.find((x) => x.id === id);
    if (!m) throw new ConvlensError(ErrorCodes.NOT_FOUND, `no model "${id}" in this studio`, { hint: `models: ${this.models.map((x) => x.id).join(', ')}` });
    return m;
  }

  async summary(m: CatalogModel): Promise<ModelSummary> {
    await m.described.catch(() => undefined);
    const d = m.detail;
    return {
      id: m.id, name: m.name, params: d?.params ?? 0, layers: d?.layers.length ?? 0, inputShape: d?.inputShape ?? [], samples: m.samples,
      ...(m.error ? { error: m.error } : {}),
    };
  }

  async detail(id: string): Promise<ModelDetail & { sha256: string }> {
    const m = this.model(id);
    const d = await m.described;
    const { sha256, ...rest } = d;
    return { id: m.id, name: m.name, samples: m.samples, ...rest, sha256 };
  }

  // ---------------------------------------------------------------- inputs

  private readonly uploads = new Map<string, { info: InputInfo; raster: Raster }>();
  private uploadBytes = 0;
  /** Upper bound of the decoded uploads kept (bytes of pixels), oldest dropped first. */
  maxUploadPixelsBytes = 512 * 1024 * 1024;

  /** Decodes an upload (sharp; pixel cap from the header) and keeps it in memory under a random id. */
  async addUpload(bytes: Uint8Array, name: string): Promise<InputInfo> {
    const raster = await loadImage(bytes, { name: 'the uploaded image' });
    const info: InputInfo = { id: `upload:${randomUUID()}`, width: raster.width, height: raster.height, name };
    this.uploads.set(info.id, { info, raster });
    this.uploadBytes += raster.data.byteLength;
    for (const [k, v] of this.uploads) {
      if (this.uploadBytes <= this.maxUploadPixelsBytes || k === info.id) break;
      this.uploads.delete(k);
      this.uploadBytes -= v.raster.data.byteLength;
    }
    return info;
  }

  /** An input by id: an upload, or a sample listed at startup. */
  async input(id: string): Promise<{ info: InputInfo; raster: Raster }> {
    const up = this.uploads.get(id);
    if (up) return up;
    const s = this.sampleFiles.get(id);
    if (!s) throw new ConvlensError(ErrorCodes.NOT_FOUND, `no input "${id}"`, { hint: 'upload the image again (uploads live in memory while the studio runs)' });
    let decoded = this.sampleRasters.get(id);
    if (!decoded) {
      decoded = loadImage(s.path, { keepGray: true }).then((raster) => ({ info: { id, width: raster.width, height: raster.height, name: s.name }, raster }));
      decoded.catch(() => this.sampleRasters.delete(id));
      this.sampleRasters.set(id, decoded);
    }
    return decoded;
  }

  /** Samples decoded once (they are small bundled images, read by every job on them). */
  private readonly sampleRasters = new Map<string, Promise<{ info: InputInfo; raster: Raster }>>();
}
