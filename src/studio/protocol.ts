/**
 * The studio's wire protocol: the one contract between the server (`src/studio/server`, Node, runs the
 * convlens library natively) and every client (`src/studio/client`, used by the React UI and by tests).
 * Plain JSON DTOs plus raw float32 arrays fetched by id. Isomorphic: no Node, no DOM.
 *
 * Flow: the browser opens `/?token=…` (printed by `convlens studio`); the server answers with an
 * HttpOnly SameSite=Strict cookie and redirects to `/`. Every `/api/*` call then carries the cookie.
 * Cheap reads are plain GETs; computations are **jobs**: `POST /api/jobs` returns a {@link JobInfo}
 * at once (status `done` straight away when the result was cached), progress and completion arrive on
 * the WebSocket `/api/ws` as {@link ServerEvent}s, and `GET /api/jobs/:id` polls the same state.
 * New panels (attention, volumes, adversarial, embeddings, diagnostics) add a {@link JobKind} and its
 * params/result types here; nothing else in the transport changes.
 */

/** Bump when a DTO changes incompatibly; the server reports it in {@link StudioInfo}. */
export const PROTOCOL_VERSION = 1;

/** Route paths (the client builds URLs only from these). */
export const ROUTES = {
  info: '/api/info',
  models: '/api/models',
  model: (id: string) => `/api/models/${encodeURIComponent(id)}`,
  /** POST raw image bytes (body = file; `content-type` image/png|jpeg|webp) → {@link InputInfo}. */
  uploadInput: '/api/inputs',
  input: (id: string) => `/api/inputs/${encodeURIComponent(id)}`,
  /** GET the input as a PNG, resized/cropped exactly as the model sees it (before normalisation). */
  inputImage: (id: string, modelId: string) => `/api/inputs/${encodeURIComponent(id)}/image.png?model=${encodeURIComponent(modelId)}`,
  jobs: '/api/jobs',
  job: (id: string) => `/api/jobs/${encodeURIComponent(id)}`,
  cancelJob: (id: string) => `/api/jobs/${encodeURIComponent(id)}/cancel`,
  /** GET raw little-endian float32 bytes of an {@link ArrayRef}. */
  array: (id: string) => `/api/arrays/${encodeURIComponent(id)}`,
  ws: '/api/ws',
} as const;

/** Error body of every non-2xx API answer, and of a failed job. Codes are convlens' stable `E_*` codes. */
export interface StudioError {
  code: string;
  message: string;
  hint?: string;
}

/** `GET /api/info`. */
export interface StudioInfo {
  protocol: number;
  version: string;
  /** Method ids the server can run, with their documented params (for the Explain panel's forms). */
  methods: MethodInfo[];
  /** Largest upload accepted, bytes. */
  maxUploadBytes: number;
}

export interface MethodInfo {
  id: string;
  family: 'cam' | 'gradient' | 'perturbation';
  title: string;
  needsGradients: boolean;
  params: { name: string; type: string; default: unknown; doc: string; choices?: readonly string[]; min?: number; max?: number }[];
}

/** A sample image bundled with a model (the demo models' samples; ground-truth mask when known). */
export interface SampleInfo {
  /** Input id usable wherever an input id is expected (`sample:<model>:<file>`). */
  inputId: string;
  name: string;
  /** True label when known. */
  label?: string;
  /** Input id of the ground-truth mask image, when the sample has one. */
  maskInputId?: string;
}

/** `GET /api/models` items. */
export interface ModelSummary {
  id: string;
  /** File name (display only; escaped by the UI like every model-derived string). */
  name: string;
  params: number;
  layers: number;
  inputShape: (number | string)[];
  samples: SampleInfo[];
  /** Set when the model could not be opened (the other fields are then empty); the UI shows it. */
  error?: StudioError;
}

/** One row of the model view (from the library's layer table). */
export interface LayerInfo {
  index: number;
  /** Short display name (module path when the export kept it). */
  name: string;
  /** Output tensor name: the stable id used in job params. */
  tensor: string;
  op: string;
  /** Output shape at the model's input size (batch 1). */
  shape: number[];
  /** Channel count (the last axis of a channels-last activation of an NHWC model, else axis 1). */
  channels: number;
  params: number;
  macs: number;
  /** Has spatial dims (rank ≥ 3 after batch): feature maps and CAMs make sense. */
  spatial: boolean;
  /** A Conv / ConvTranspose with weights: the Filters view applies. */
  hasFilters: boolean;
}

/** `GET /api/models/:id`. (`layers` is the layer count in {@link ModelSummary}, the layer table here.) */
export interface ModelDetail extends Omit<ModelSummary, 'layers'> {
  input: {
    name: string;
    layout: 'NCHW' | 'NHWC' | string;
    /** Height, width the images are resized to. */
    size: [number, number];
    channels: number;
    /** Normalisation applied after scaling to [0,1]. */
    mean: number[];
    std: number[];
    resize: string;
  };
  layers: LayerInfo[];
  /** Class names, when the model carries them (metadata or a labels file). */
  labels?: string[];
  /** Tensor explained by default (the logits feeding a final Softmax when there is one). */
  scoreTensor: string;
  /** Default CAM layer (last spatial activation before global pooling). */
  defaultCamLayer?: string;
}

/** `POST /api/inputs` answer and `GET /api/inputs/:id`. */
export interface InputInfo {
  id: string;
  width: number;
  height: number;
  /** Display name (the uploaded file's name is shown, never used as a path). */
  name: string;
}

/** A float32 array produced by a job; fetch its bytes with `ROUTES.array(id)`. */
export interface ArrayRef {
  id: string;
  dims: number[];
  dtype: 'float32';
  min: number;
  max: number;
  /** Count of NaN/Inf values replaced by 0 when rendering (reported, never hidden). */
  nonFinite: number;
}

/** Preprocessing overrides the Input panel can edit (absent fields = the model's defaults). */
export interface PreprocessOverride {
  resize?: 'stretch' | 'center-crop' | 'pad';
  mean?: number[];
  std?: number[];
}

// ---------------------------------------------------------------- jobs

/** Every job kind the server runs (new panels add theirs here). */
export const JOB_KINDS = ['predict', 'features', 'filters', 'explain', 'visualize'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface PredictParams { modelId: string; inputId: string; preprocess?: PreprocessOverride; topk?: number }
export interface FeaturesParams { modelId: string; inputId: string; preprocess?: PreprocessOverride; /** tensor name or any `--layer` selector */ layer: string }
export interface FiltersParams { modelId: string; layer: string }
export interface ExplainParams {
  modelId: string;
  inputId: string;
  preprocess?: PreprocessOverride;
  /** One or more method ids (`gradcam`, `scorecam`, `ig`, ...). */
  methods: string[];
  /** Class index, `top1`, or a class name. Default `top1`. */
  target?: number | string;
  /** CAM layer selector; default the model's default CAM layer. */
  layer?: string;
  /** Per-method parameter overrides, by method id. */
  params?: Record<string, Record<string, unknown>>;
  seed?: number;
}
export interface VisualizeParams {
  modelId: string;
  /** An objective expression as on the CLI (`features.relu3:5`, `class(2)`, `layer4:12 - 0.5*layer3:7`). */
  objective?: string;
  /** Atlas mode: every channel of this layer (or `channels`), batched. */
  layer?: string;
  channels?: number[];
  steps?: number;
  size?: [number, number];
  seed?: number;
  /** Send a preview image every this many steps (default 16). */
  previewEvery?: number;
}

export interface JobParamsByKind {
  predict: PredictParams;
  features: FeaturesParams;
  filters: FiltersParams;
  explain: ExplainParams;
  visualize: VisualizeParams;
}

/** `POST /api/jobs` body. */
export interface JobRequest<K extends JobKind = JobKind> { kind: K; params: JobParamsByKind[K] }

export interface Prediction { index: number; label?: string; score: number; prob: number }

export interface PredictResult { predictions: Prediction[]; scoreTensor: string }

export interface ChannelStat { index: number; min: number; max: number; mean: number; std: number; zeroFraction: number }

export interface FeaturesResult {
  layer: LayerInfo;
  /** The layer's activation for the input, dims `[C, H, W]` (batch dropped; 5-D layers: the middle depth slice). */
  activation: ArrayRef;
  channels: ChannelStat[];
}

export interface FiltersResult {
  layer: LayerInfo;
  /** Weights `[O, I, kH, kW]`. */
  weights: ArrayRef;
  /** Whether the first-layer RGB view applies (I = 3). */
  rgb: boolean;
}

export interface ExplainMap {
  method: string;
  /** Normalised map at the input size `[H, W]` in [0, 1] (what the overlay shows). */
  map: ArrayRef;
  /** The raw map as the method returns it (signed attributions `[C,H,W]`, or the CAM before normalisation). */
  raw: ArrayRef;
  /** The method's JSON run record (params with defaults, seed, target, layer, timing, model hash). */
  record: Record<string, unknown>;
  /** Wall time of this method on the server, ms. */
  ms: number;
}

export interface ExplainResult {
  target: { index: number; label?: string };
  layer?: string;
  maps: ExplainMap[];
  predictions: Prediction[];
}

export interface VisualizeImage {
  /** Unit label (`features.relu3:5`, `class(2)`). */
  unit: string;
  /** RGB (or gray) image in [0,1], dims `[C, H, W]`. */
  image: ArrayRef;
  value: number;
}

export interface VisualizeResult {
  images: VisualizeImage[];
  /** Objective value per step (first image). */
  trajectory: number[];
  record: Record<string, unknown>;
}

export interface JobResultByKind {
  predict: PredictResult;
  features: FeaturesResult;
  filters: FiltersResult;
  explain: ExplainResult;
  visualize: VisualizeResult;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** `POST /api/jobs`, `GET /api/jobs/:id`. */
export interface JobInfo<K extends JobKind = JobKind> {
  id: string;
  kind: K;
  status: JobStatus;
  /** 0..1 when known. */
  progress?: number;
  /** Short human text for the progress line (`step 128/512 · objective 4.21`). */
  message?: string;
  /** Served from the cache (same model, input, kind and params as an earlier job). */
  cached?: boolean;
  result?: JobResultByKind[K];
  error?: StudioError;
  /** Server wall time, ms (set when finished). */
  ms?: number;
}

/** Messages the server pushes on `/api/ws`. */
export type ServerEvent =
  | { type: 'hello'; protocol: number }
  | { type: 'progress'; jobId: string; progress: number; message?: string; /** intermediate image for visualize jobs */ preview?: ArrayRef }
  | { type: 'job'; job: JobInfo };
