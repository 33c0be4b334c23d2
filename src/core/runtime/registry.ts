/**
 * Backends behind a registry, resolved by priority (after onnxruntime-common's `backend-impl.ts`):
 * the Node entry point registers onnxruntime-node (priority 100) and onnxruntime-web as a fallback
 * (priority 10); the web entry point registers onnxruntime-web. `resolveBackend()` initializes them
 * in priority order and returns the first that loads; if none does, one ConvlensError(E_RUNTIME)
 * lists every backend's failure.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Backend } from './backend.ts';

interface Entry {
  backend: Backend;
  priority: number;
  /** Memoized `init()`: a backend is initialized once, and a failure is remembered (like ORT). */
  init?: Promise<void>;
}

/** A set of backends. Most code uses the process-wide default through {@link registerBackend} / {@link resolveBackend}. */
export class BackendRegistry {
  private readonly entries = new Map<string, Entry>();

  /**
   * Adds a backend. Registering a name again keeps the higher-priority backend; the same priority
   * with a different backend object is an error (two runtimes fighting for one name).
   * @param priority higher is tried first
   */
  register(name: string, backend: Backend, priority = 0): void {
    const cur = this.entries.get(name);
    if (cur) {
      if (cur.priority > priority) return;
      if (cur.priority === priority) {
        if (cur.backend === backend) return;
        throw new ConvlensError(ErrorCodes.RUNTIME, `cannot register backend "${name}" with priority ${priority}: another backend already has that name and priority`, {
          hint: 'register it under a different name or priority',
        });
      }
    }
    this.entries.set(name, { backend, priority });
  }

  /** Removes a backend (tests, or to force a fallback). Returns whether it was registered. */
  unregister(name: string): boolean {
    return this.entries.delete(name);
  }

  /** Registered backend names, highest priority first. */
  list(): { name: string; priority: number }[] {
    return [...this.entries.entries()].map(([name, e]) => ({ name, priority: e.priority })).sort((a, b) => b.priority - a.priority);
  }

  /**
   * Returns the first backend that initializes.
   * @param preferred a name or list of names to try, in that order (default: every registered backend by priority)
   * @throws ConvlensError E_RUNTIME listing each tried backend's failure, or when a preferred name is not registered
   */
  async resolve(preferred?: string | readonly string[]): Promise<Backend> {
    const names = preferred === undefined ? this.list().map((e) => e.name) : typeof preferred === 'string' ? [preferred] : [...preferred];
    const registered = this.list().map((e) => e.name);
    if (registered.length === 0) {
      throw new ConvlensError(ErrorCodes.RUNTIME, 'no inference backend is registered', {
        hint: "import convlens from its Node entry ('convlens') or web entry ('convlens/web'), which register ONNX Runtime",
      });
    }
    const failures: { name: string; error: string }[] = [];
    for (const name of names) {
      const entry = this.entries.get(name);
      if (!entry) {
        failures.push({ name, error: 'not registered' });
        continue;
      }
      entry.init ??= entry.backend.init ? Promise.resolve().then(() => entry.backend.init!()) : Promise.resolve();
      try {
        await entry.init;
        return entry.backend;
      } catch (e) {
        failures.push({ name, error: e instanceof Error ? e.message : String(e) });
      }
    }
    const list = failures.map((f) => `${f.name}: ${f.error}`).join('; ');
    throw new ConvlensError(ErrorCodes.RUNTIME, `no inference backend could be loaded (${list})`, {
      hint: `registered backends: ${registered.join(', ')}. reinstall the failing package (npm install) or resolve another backend by name`,
      details: { failures },
    });
  }
}

/** The process-wide registry that the Node and web entry points fill. */
export const defaultRegistry = new BackendRegistry();

/** Registers a backend in the default registry. See {@link BackendRegistry.register}. */
export function registerBackend(name: string, backend: Backend, priority = 0): void {
  defaultRegistry.register(name, backend, priority);
}

/** Resolves a backend from the default registry. See {@link BackendRegistry.resolve}. */
export function resolveBackend(preferred?: string | readonly string[]): Promise<Backend> {
  return defaultRegistry.resolve(preferred);
}
