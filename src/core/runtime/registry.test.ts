import { describe, expect, it } from 'vitest';
import { ConvlensError } from '../errors.ts';
import type { Backend, Session } from './backend.ts';
import { BackendRegistry } from './registry.ts';

function fake(name: string, init?: () => Promise<void>): Backend & { inits: number } {
  const b = {
    name,
    inits: 0,
    async init() {
      b.inits++;
      if (init) await init();
    },
    async createSession(): Promise<Session> {
      throw new Error('not used');
    },
  };
  return b;
}

describe('BackendRegistry', () => {
  it('resolves the highest-priority backend that initializes, initializing each once', async () => {
    const r = new BackendRegistry();
    const low = fake('low');
    const broken = fake('broken', async () => { throw new Error('native binding missing'); });
    r.register('low', low, 10);
    r.register('broken', broken, 100);
    expect(r.list().map((e) => e.name)).toEqual(['broken', 'low']);
    expect(await r.resolve()).toBe(low);
    expect(await r.resolve()).toBe(low);
    expect(broken.inits).toBe(1); // the failure is remembered, not retried
    expect(low.inits).toBe(1);
  });

  it('throws one E_RUNTIME listing every backend failure', async () => {
    const r = new BackendRegistry();
    r.register('a', fake('a', async () => { throw new Error('no wasm'); }), 1);
    r.register('b', fake('b', async () => { throw new Error('no binding'); }), 2);
    const err = await r.resolve().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvlensError);
    expect((err as ConvlensError).code).toBe('E_RUNTIME');
    expect((err as ConvlensError).message).toContain('b: no binding');
    expect((err as ConvlensError).message).toContain('a: no wasm');
    expect((err as ConvlensError).details!.failures).toEqual([{ name: 'b', error: 'no binding' }, { name: 'a', error: 'no wasm' }]);
  });

  it('honours a preferred backend and reports an unregistered one', async () => {
    const r = new BackendRegistry();
    const a = fake('a');
    const b = fake('b');
    r.register('a', a, 100);
    r.register('b', b, 1);
    expect(await r.resolve('b')).toBe(b);
    expect(await r.resolve(['nope', 'a'])).toBe(a);
    await expect(r.resolve('nope')).rejects.toThrow(/nope: not registered/);
  });

  it('keeps the higher priority on re-registration and refuses a tie between different backends', () => {
    const r = new BackendRegistry();
    const a = fake('x');
    const b = fake('x');
    r.register('x', a, 50);
    r.register('x', b, 10); // lower: ignored
    r.register('x', a, 50); // same object again: fine
    expect(() => r.register('x', b, 50)).toThrow(ConvlensError);
    r.register('x', b, 60); // higher: replaces
    expect(r.list()).toEqual([{ name: 'x', priority: 60 }]);
  });

  it('says how to get a backend when none is registered', async () => {
    await expect(new BackendRegistry().resolve()).rejects.toMatchObject({ code: 'E_RUNTIME', hint: expect.stringContaining('convlens/web') });
  });
});
