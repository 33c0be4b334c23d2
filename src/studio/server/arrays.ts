/**
 * In-memory store of the float32 arrays jobs produce (feature maps, CAMs, previews...), served raw by
 * `GET /api/arrays/:id`. Bounded by bytes, least recently used first out.
 */
export class ArrayStore {
  private readonly map = new Map<string, Float32Array>();
  private bytes = 0;

  /** @param maxBytes upper bound of the stored bytes (default 512 MB). */
  constructor(readonly maxBytes = 512 * 1024 * 1024) {}

  put(id: string, data: Float32Array): void {
    this.delete(id);
    this.map.set(id, data);
    this.bytes += data.byteLength;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes || k === id) break;
      this.map.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  get(id: string): Float32Array | undefined {
    const v = this.map.get(id);
    if (v) { this.map.delete(id); this.map.set(id, v); }
    return v;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  delete(id: string): void {
    const v = this.map.get(id);
    if (v) { this.map.delete(id); this.bytes -= v.byteLength; }
  }

  get size(): number {
    return this.map.size;
  }
}

/** Little-endian bytes of a float32 array (a view on the same memory on little-endian hosts). */
export function float32LeBytes(a: Float32Array): Buffer {
  const view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return view;
  const out = Buffer.alloc(a.byteLength);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  a.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return out;
}
