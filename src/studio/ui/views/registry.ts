/**
 * The views registry: every main-area tab is one entry here. A later panel (attention, 3D volumes,
 * adversarial, embeddings, diagnostics) is a new component reading `useStudio()` plus its own job kind
 * from protocol.ts, registered with one line below; the shell, URL state and client need no change.
 */

import type { ComponentType } from 'react';
import { ModelView } from './ModelView.tsx';
import { FeatureMapsView } from './FeatureMapsView.tsx';
import { FiltersView } from './FiltersView.tsx';
import { ExplainView } from './ExplainView.tsx';
import { VisualizeView } from './VisualizeView.tsx';

export interface ViewDef {
  /** Stable id, stored in the URL (`#v=<id>`). */
  id: string;
  title: string;
  /** One-line description (tab tooltip). */
  description: string;
  component: ComponentType;
}

export const VIEWS: ViewDef[] = [
  { id: 'model', title: 'Model', description: 'Layers, shapes and parameter counts', component: ModelView },
  { id: 'features', title: 'Feature maps', description: 'Activations of the selected layer for the input', component: FeatureMapsView },
  { id: 'filters', title: 'Filters', description: 'Convolution kernels', component: FiltersView },
  { id: 'explain', title: 'Explain', description: 'Attribution heat maps, side by side', component: ExplainView },
  { id: 'visualize', title: 'Visualize', description: 'Activation maximization and channel atlases', component: VisualizeView },
];

export function findView(id: string | undefined): ViewDef {
  return VIEWS.find((v) => v.id === id) ?? VIEWS[1]!;
}
