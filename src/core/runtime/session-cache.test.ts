import { describe, expect, it } from 'vitest';
import type { Backend, Session, SessionOptions } from './backend.ts';
import { SessionCache, sessionKeyString } from './session-cache.ts';
import type { SessionKey } from './session-cache.ts';

/** A backend whose sessions record creation and release; `gate` holds creations until opened. */
function fakeBackend(name = 'fake') {
  const log: string[] = [];
  let open: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  let failNext = false;
  const live = new Set<string>();
  const backend: Backend = {
    name,
    async createSession(bytes: Uint8Array, _opts?: SessionOptions): Promise<Session> {
      const id = new TextDecoder().decode(bytes);
      log.push(`create ${id}`);
      await gate;
      if (failNext) {
        failNext = false;
        throw new Error(`cannot load ${id}`);
      }
      live.add(id);
      let released = false;
      return {
        backend: name, inputNames: [], outputNames: [], inputMetadata: [], outputMetadata: [],
        async run() {
          if (released) throw new Error(`${id} used after release`);
          return {};
        },
        async release() {
          released = true;
          live.delete(id);
          log.push(`release ${id}`);
        },
      };
    },
  };
  return {
    backend, log, live,
    hold() { gate = new Promise((r) => (open = r)); },
    open: () => open(),
    failNext() { failNext = true; },
  };
}

const bytesOf = (s: string) => () => new TextEncoder().encode(s);
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('SessionCache', () => {
  it('shares one in-flight creation between concurrent requests for a key', async () => {
    const f = fakeBackend();
    const cache = new SessionCache();
    const key: SessionKey = { modelHash: 'h1', backend: f.backend };
    f.hold();
    const a = cache.acquire(key, bytesOf('m1'));
    const b = cache.acquire(key, bytesOf('m1'));
    f.open();
    const [sa, sb] = await Promise.all([a, b]);
    expect(f.log).toEqual(['create m1']);
    await sa.release();
    await sb.release();
    const again = await cache.acquire(key, bytesOf('m1'));
    await again.release();
    expect(f.log).toEqual(['create m1']);
  });

  it('keys on rewrite and options (not on source), and never calls modelBytes on a hit', async () => {
    const f = fakeBackend();
    const cache = new SessionCache();
    let encodes = 0;
    const make = (id: string) => () => { encodes++; return new TextEncoder().encode(id); };
    await cache.use({ modelHash: 'h', backend: f.backend }, make('plain'), async () => undefined);
    await cache.use({ modelHash: 'h', rewriteKey: 'all-intermediates', backend: f.backend }, make('exposed'), async () => undefined);
    await cache.use({ modelHash: 'h', backend: f.backend, options: { graphOptimization: 'disabled' } }, make('noopt'), async () => undefined);
    await cache.use({ modelHash: 'h', backend: f.backend, options: { source: 'a.onnx' } }, make('plain-again'), async () => undefined);
    expect(encodes).toBe(3);
    expect(f.log).toEqual(['create plain', 'create exposed', 'create noopt']);
    expect(sessionKeyString({ modelHash: 'h', backend: f.backend, options: { intraOpThreads: 2, logLevel: 'error' } }))
      .toBe(sessionKeyString({ modelHash: 'h', backend: f.backend, options: { logLevel: 'error', intraOpThreads: 2, source: 'x' } }));
  });

  it('evicts the least recently used session and releases it', async () => {
    const f = fakeBackend();
    const cache = new SessionCache({ maxSessions: 2 });
    const get = (id: string) => cache.use({ modelHash: id, backend: f.backend }, bytesOf(id), async () => undefined);
    await get('a');
    await get('b');
    await get('a'); // a is now most recently used
    await get('c'); // evicts b
    await flush();
    expect(f.log).toEqual(['create a', 'create b', 'create c', 'release b']);
    expect([...f.live].sort()).toEqual(['a', 'c']);
    expect(cache.size).toBe(2);
  });

  it('does not release a leased session until its lease ends', async () => {
    const f = fakeBackend();
    const cache = new SessionCache({ maxSessions: 1 });
    const a = await cache.acquire({ modelHash: 'a', backend: f.backend }, bytesOf('a'));
    const b = await cache.acquire({ modelHash: 'b', backend: f.backend }, bytesOf('b'));
    await flush();
    // Over the limit, but both are leased: nothing may be freed under its user.
    expect(cache.size).toBe(2);
    await expect(a.run({})).resolves.toEqual({});
    expect([...f.live].sort()).toEqual(['a', 'b']);
    await a.release(); // a is least recently used and now free: evicted and released
    await flush();
    expect([...f.live]).toEqual(['b']);
    await expect(a.run({})).rejects.toMatchObject({ code: 'E_RUNTIME' });
    await b.release();
    expect(f.live.has('b')).toBe(true); // within the limit again: stays cached
    expect(f.log).toEqual(['create a', 'create b', 'release a']);
  });

  it('releases a session deleted while leased once the lease ends', async () => {
    const f = fakeBackend();
    const cache = new SessionCache();
    const key: SessionKey = { modelHash: 'a', backend: f.backend };
    const a = await cache.acquire(key, bytesOf('a'));
    let deleted = false;
    const d = cache.delete(key).then(() => (deleted = true));
    await flush();
    expect(deleted).toBe(false);
    expect(f.live.has('a')).toBe(true);
    await a.release();
    await d;
    expect(f.live.has('a')).toBe(false);
  });

  it('does not cache a failed creation', async () => {
    const f = fakeBackend();
    const cache = new SessionCache();
    const key: SessionKey = { modelHash: 'x', backend: f.backend };
    f.failNext();
    await expect(cache.acquire(key, bytesOf('x'))).rejects.toThrow('cannot load x');
    expect(cache.has(key)).toBe(false);
    const s = await cache.acquire(key, bytesOf('x'));
    await s.release();
    expect(f.log).toEqual(['create x', 'create x']);
  });

  it('dispose() releases every session, waiting for open leases, and refuses new ones', async () => {
    const f = fakeBackend();
    const cache = new SessionCache();
    await cache.use({ modelHash: 'a', backend: f.backend }, bytesOf('a'), async () => undefined);
    const b = await cache.acquire({ modelHash: 'b', backend: f.backend }, bytesOf('b'));
    let disposed = false;
    const d = cache.dispose().then(() => (disposed = true));
    await flush();
    expect(f.live.has('a')).toBe(false);
    expect(f.live.has('b')).toBe(true);
    expect(disposed).toBe(false);
    await b.release();
    await d;
    expect(f.live.size).toBe(0);
    await expect(cache.acquire({ modelHash: 'c', backend: f.backend }, bytesOf('c'))).rejects.toMatchObject({ code: 'E_RUNTIME' });
  });
});
