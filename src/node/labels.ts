/**
 * Class-name files (`labels.txt`: one name per line, in output order) — read by `convlens explain
 * --labels` and by the studio for a model's `<model>.labels.txt` sibling. Trailing blank lines are
 * dropped; inner blank lines keep their index (an unnamed class).
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConvlensError, ErrorCodes } from '../core/errors.ts';

/** The class names in `path`; a missing or unreadable file is `E_FILE_NOT_FOUND` with a hint. */
export function readLabelsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `cannot read labels file ${path}`, { hint: 'one class name per line, in output order' });
  }
  const lines = text.split(/\r?\n/).map((s) => s.trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The class names of a model's `<model>.labels.txt` sibling (`resnet.onnx` → `resnet.labels.txt`), or
 * undefined when there is none, it is empty or it cannot be read.
 */
export function readSiblingLabels(modelPath: string): string[] | undefined {
  const path = modelPath.replace(/\.onnx$/i, '.labels.txt');
  if (path === modelPath || !existsSync(path)) return undefined;
  try {
    const names = readLabelsFile(path);
    return names.length ? names : undefined;
  } catch {
    return undefined;
  }
}
