import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeModel, encodeModel } from './codec.ts';
import { ONNX_PROTO_TEXT } from './schema.ts';
import { ErrorCodes } from '../errors.ts';

const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as { code?: string }).code; } return undefined; };

describe('onnx codec', () => {
  it('embeds the same schema text as onnx.proto', () => {
    expect(ONNX_PROTO_TEXT).toBe(readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8'));
  });

  it('rejects empty, random and truncated bytes with E_NOT_ONNX and an offset', () => {
    expect(code(() => decodeModel(new Uint8Array()))).toBe(ErrorCodes.NOT_ONNX);
    let seed = 7;
    const rnd = new Uint8Array(4096).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    expect(code(() => decodeModel(rnd))).toBe(ErrorCodes.NOT_ONNX);
  });

  it('rejects a declared length larger than the buffer', () => {
    // field 7 (graph), wire type 2, length 1000, but only 3 bytes follow
    const bytes = new Uint8Array([0x08, 0x07, 0x3a, 0xe8, 0x07, 1, 2, 3]);
    try { decodeModel(bytes); expect.unreachable(); } catch (e) {
      expect((e as { code: string }).code).toBe(ErrorCodes.NOT_ONNX);
      expect((e as Error).message).toMatch(/declared length 1000.*byte offset 3/);
    }
  });

  it('rejects deep nesting without overflowing the stack', () => {
    // Graph -> Node(If) -> Attribute(g) -> Graph -> ... 10 000 deep, built from the inside out.
    const enc = (field: number, payload: Uint8Array) => {
      const len: number[] = [];
      let n = payload.length;
      do { len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7; } while (n > 0);
      const out = new Uint8Array(1 + len.length + payload.length);
      out[0] = (field << 3) | 2; out.set(len, 1); out.set(payload, 1 + len.length);
      return out;
    };
    let graph: Uint8Array = new Uint8Array();
    for (let i = 0; i < 10_000; i++) graph = enc(1, enc(5, enc(6, graph))); // node{attribute{g{...}}}
    const model = new Uint8Array([0x08, 0x07, ...enc(7, graph)]);
    expect(code(() => decodeModel(model))).toBe(ErrorCodes.NESTING_TOO_DEEP);
  });
});
