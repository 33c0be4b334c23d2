/**
 * Anything thrown, as the {@link StudioError} the wire protocol carries (code, message, hint) — used by
 * the worker for failed jobs, the catalog for models that cannot be opened, and the HTTP error replies.
 */
import { ErrorCodes, isConvlensError } from '../../core/errors.ts';
import type { StudioError } from '../protocol.ts';

export function toStudioError(e: unknown): StudioError {
  if (isConvlensError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: ErrorCodes.RUNTIME, message: (e as Error)?.message ?? String(e) };
}
