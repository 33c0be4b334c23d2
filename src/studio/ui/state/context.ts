/**
 * The studio context every view receives: the client, server info, the open model, the current input
 * and preprocessing, the URL state with its setter, and the latest predictions. Views read only this
 * (plus their own jobs), which is what lets new panels slot in without touching the shell.
 */

import { createContext, useContext } from 'react';
import type { ModelDetail, PredictResult, PreprocessOverride, StudioInfo } from '../../protocol.ts';
import type { StudioClient } from '../../client/index.ts';
import type { UrlState } from './url.ts';

export interface StudioContextValue {
  client: StudioClient;
  info: StudioInfo;
  model: ModelDetail;
  /** Current input id (a sample or an upload), if any. */
  inputId?: string;
  preprocess?: PreprocessOverride;
  url: UrlState;
  /** Patch the URL state; `push` adds a history entry. */
  setUrl: (patch: Partial<UrlState>, push?: boolean) => void;
  predictions?: PredictResult;
  /** Open a layer (selects it; switches to feature maps when `view` is given). */
  openLayer: (tensor: string, view?: string) => void;
}

export const StudioContext = createContext<StudioContextValue | null>(null);

export function useStudio(): StudioContextValue {
  const v = useContext(StudioContext);
  if (!v) throw new Error('useStudio outside <StudioContext.Provider>');
  return v;
}

/** Class label for an index (falls back to `class N`). */
export function labelOf(model: ModelDetail, index: number, label?: string): string {
  return label ?? model.labels?.[index] ?? `class ${index}`;
}
