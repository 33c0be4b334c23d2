import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLabelsFile, readSiblingLabels } from './labels.ts';

const dir = mkdtempSync(join(tmpdir(), 'convlens-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('labels files', () => {
  it('reads one name per line, keeping inner blanks and dropping trailing ones', () => {
    writeFileSync(join(dir, 'a.txt'), 'cat\r\n\ndog \n\n\n');
    expect(readLabelsFile(join(dir, 'a.txt'))).toEqual(['cat', '', 'dog']);
    expect(() => readLabelsFile(join(dir, 'missing.txt'))).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND' }));
  });

  it("finds a model's <model>.labels.txt sibling, and nothing when it is absent or empty", () => {
    writeFileSync(join(dir, 'net.labels.txt'), 'zero\none\n');
    expect(readSiblingLabels(join(dir, 'net.onnx'))).toEqual(['zero', 'one']);
    expect(readSiblingLabels(join(dir, 'NET2.ONNX'))).toBeUndefined();
    writeFileSync(join(dir, 'empty.labels.txt'), '\n');
    expect(readSiblingLabels(join(dir, 'empty.onnx'))).toBeUndefined();
    expect(readSiblingLabels(join(dir, 'net.labels.txt'))).toBeUndefined(); // not an .onnx path
  });
});
