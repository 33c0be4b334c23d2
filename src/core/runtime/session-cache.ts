/**
 * A cache of runtime sessions keyed by (model hash, rewrite key, backend, session options), so that
 * running the same model — or the same rewrite of it (all intermediates exposed, a compiled backward
 * graph...) — again reuses the loaded session instead of re-parsing and re-optimizing the graph.
 *
 * - LRU with a maximum count; evicted sessions are released.
 * - Concurrent requests for one key share one in-flight creation; a failed creation is not cached.
 * - Sessions are handed out as leases: the `Session` that {@link SessionCache.acquire} returns is a
 *   view whose `release()` gives it back to the cache. A session is never freed while a lease on it
 *   is open (eviction and {@link SessionCache.dispose} wait for the lease to end), so a long
 *   SmoothGrad loop cannot lose its session to another job filling the cache.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Backend, Session, SessionOptions } from './backend.ts';

/** What identifies a cached session. */
export interface SessionKey {
  /** Content hash of the original model bytes (`sha256Hex(bytes)`). */
  modelHash: string;
  /**
   * Identifies the rewrite applied to the model before loading (`''` or absent for none), e.g.
   * `'all-intermediates'` or `'backward:' + hash of the compile request`. Two different rewrites of
   * one model must have different keys.
   */
  rewriteKey?: string;
  /** The backend that creates the session. Part of the key by name. */
  backend: Backend;
  /** Session options. Part of the key, except `source` (only used in messages). */
  options?: SessionOptions;
}

/** Options for {@link SessionCache}. */
export interface SessionCacheOptions {
  /**
   * Most sessions kept loaded (not counting sessions whose lease is still open beyond this number).
   * Default 4: a model, its all-intermediates rewrite, and a backward graph or two.
   *
   * @example `new SessionCache({ maxSessions: 1 })` for a memory-constrained browser tab.
   */
  maxSessions?: number;
}

interface Entry {
  readonly key: string;
  readonly promise: Promise<Session>;
  leases: number;
  retired: boolean;
  /** Resolves once the underlying session has been released (set when retired). */
  closed?: Promise<void>;
  resolveClosed?: () => void;
}

/** The stable string form of a {@link SessionKey}. */
export function sessionKeyString(key: SessionKey): string {
  const o = key.options ?? {};
  const opts = Object.keys(o)
    .filter((k) => k !== 'source' && (o as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => [k, (o as Record<string, unknown>)[k]]);
  return JSON.stringify([key.modelHash, key.rewriteKey ?? '', key.backend.name, opts]);
}

export class SessionCache {
  readonly maxSessions: number;
  /** Insertion order = LRU order (oldest first); a hit moves the entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<Entry>();
  private disposed = false;

  constructor(opts: SessionCacheOptions = {}) {
    this.maxSessions = opts.maxSessions ?? 4;
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `SessionCache maxSessions must be a positive integer, got ${opts.maxSessions}`);
    }
  }

  /** Number of sessions held (loaded or loading), not counting evicted ones still leased. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether a session for `key` is cached or being created. */
  has(key: SessionKey): boolean {
    return this.entries.has(sessionKeyString(key));
  }

  /**
   * Returns a lease on the session for `key`, creating it on a miss.
   * @param modelBytes produces the bytes to load (the rewritten model); only called on a miss, so a
   *   hit costs neither the rewrite nor its encoding
   * @returns a Session view; call its `release()` when done (that returns it to the cache, it does not free it)
   */
  async acquire(key: SessionKey, modelBytes: () => Uint8Array | Promise<Uint8Array>): Promise<Session> {
    if (this.disposed) throw new ConvlensError(ErrorCodes.RUNTIME, 'the session cache was disposed', { hint: 'create a new SessionCache' });
    const k = sessionKeyString(key);
    let e = this.entries.get(k);
    if (e) {
      this.entries.delete(k);
      this.entries.set(k, e);
    } else {
      const promise = (async () => key.backend.createSession(await modelBytes(), key.options ?? {}))();
      const created: Entry = { key: k, promise, leases: 0, retired: false };
      e = created;
      this.entries.set(k, created);
      promise.catch(() => {
        if (this.entries.get(k) === created) this.entries.delete(k);
        created.retired = true;
        created.resolveClosed?.();
      });
    }
    e.leases++;
    this.evictOverflow();
    let session: Session;
    try {
      session = await e.promise;
    } catch (err) {
      e.leases--;
      throw err;
    }
    return this.leaseView(e, session);
  }

  /** Runs `fn` with a leased session and gives it back afterwards, also when `fn` throws. */
  async use<T>(key: SessionKey, modelBytes: () => Uint8Array | Promise<Uint8Array>, fn: (session: Session) => Promise<T>): Promise<T> {
    const s = await this.acquire(key, modelBytes);
    try {
      return await fn(s);
    } finally {
      await s.release();
    }
  }

  /** Drops the session for `key` from the cache; it is released once no lease is open. */
  async delete(key: SessionKey): Promise<void> {
    const e = this.entries.get(sessionKeyString(key));
    if (e) await this.retire(e);
  }

  /**
   * Releases every session (each once its open leases end) and refuses further `acquire` calls.
   * Resolves when all sessions have been released.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.entries.values(), ...this.retiring];
    await Promise.all(all.map((e) => this.retire(e)));
  }

  private leaseView(e: Entry, s: Session): Session {
    let ended = false;
    return {
      backend: s.backend,
      inputNames: s.inputNames,
      outputNames: s.outputNames,
      inputMetadata: s.inputMetadata,
      outputMetadata: s.outputMetadata,
      run: (feeds, outputs) => {
        if (ended) return Promise.reject(new ConvlensError(ErrorCodes.RUNTIME, 'this cached session lease was already released', { hint: 'acquire it again from the cache' }));
        return s.run(feeds, outputs);
      },
      release: async () => {
        if (ended) return;
        ended = true;
        e.leases--;
        if (e.leases === 0 && e.retired) await this.close(e);
        else this.evictOverflow();
      },
    };
  }

  /** Evicts least-recently-used entries without open leases until at most `maxSessions` remain. */
  private evictOverflow(): void {
    if (this.entries.size <= this.maxSessions) return;
    for (const e of [...this.entries.values()]) {
      if (this.entries.size <= this.maxSessions) break;
      if (e.leases === 0) void this.retire(e);
    }
  }

  private retire(e: Entry): Promise<void> {
    if (!e.retired) {
      e.retired = true;
      if (this.entries.get(e.key) === e) this.entries.delete(e.key);
      e.closed = new Promise<void>((r) => (e.resolveClosed = r));
      this.retiring.add(e);
      if (e.leases === 0) void this.close(e);
    }
    return e.closed ?? Promise.resolve();
  }

  private async close(e: Entry): Promise<void> {
    try {
      const s = await e.promise;
      await s.release();
    } catch {
      // A failed creation has nothing to release; a failing release must not break eviction.
    } finally {
      this.retiring.delete(e);
      e.resolveClosed?.();
    }
  }
}
