// Entry of the studio's model worker process (forked by worker-pool.ts): registers tsx's loader, as
// bin/convlens.js does, so the TypeScript worker runs without a build step from any working folder.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
