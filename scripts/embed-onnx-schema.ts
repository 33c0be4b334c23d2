// Regenerates src/core/onnx/schema.ts from src/core/onnx/onnx.proto (run: npx tsx scripts/embed-onnx-schema.ts).
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../src/core/onnx/', import.meta.url);
const text = readFileSync(new URL('onnx.proto', dir), 'utf8');
writeFileSync(
  new URL('schema.ts', dir),
  '// Generated from onnx.proto by scripts/embed-onnx-schema.ts — do not edit by hand; edit onnx.proto and rerun.\n' +
    '// The ONNX schema text, embedded so the isomorphic core needs no file system to decode models.\n' +
    `export const ONNX_PROTO_TEXT = ${JSON.stringify(text)};\n`,
);
