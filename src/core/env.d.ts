// The few host APIs that every JavaScript runtime convlens targets (Node >= 20, modern browsers, web
// workers) provides. The core's tsconfig has neither Node nor DOM types, so these are declared here
// and nothing else from the host can slip in.
declare const console: {
  log(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void; debug(...a: unknown[]): void;
};
declare class TextEncoder { encode(s?: string): Uint8Array; }
declare class TextDecoder { constructor(label?: string, options?: { fatal?: boolean }); decode(b?: ArrayBufferView | ArrayBuffer): string; }
declare const performance: { now(): number };
declare function setTimeout(cb: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function queueMicrotask(cb: () => void): void;
declare const crypto: { subtle: { digest(alg: string, data: ArrayBufferView | ArrayBuffer): Promise<ArrayBuffer> }; getRandomValues<T extends ArrayBufferView>(a: T): T };
