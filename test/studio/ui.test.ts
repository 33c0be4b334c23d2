// The studio UI build: typechecks with its own browser-only tsconfig (DOM lib, no Node types), and the
// built dist/studio-ui/index.html works under the server's strict CSP — no inline scripts or styles, no
// style="" attributes, no data:/external URLs, only same-origin relative assets that exist.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUi, ROOT } from './ui-build.ts';

describe('studio UI build', () => {
  it('typechecks with src/studio/ui/tsconfig.json (browser only)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'src/studio/ui/tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('builds an index.html that a CSP of script-src/style-src \'self\' allows', async () => {
    // Own output folder: browser.test.ts may be serving dist/studio-ui at the same time.
    const UI_DIR = mkdtempSync(join(tmpdir(), 'convlens-studio-ui-'));
    try {
      await buildUi(UI_DIR);
      checkBuild(UI_DIR);
    } finally { rmSync(UI_DIR, { recursive: true, force: true }); }
  }, 120_000);
});

function checkBuild(UI_DIR: string): void {
  {
    const html = readFileSync(join(UI_DIR, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body!.trim(), 'inline script').toBe('');
      expect(attrs).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/);
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i); // inline event handlers
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/|data:)/i);
    for (const m of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) expect(existsSync(join(UI_DIR, m[1]!)), m[1]).toBe(true);
    // The bundles carry no data: URIs or external fonts either.
    for (const f of readdirSync(join(UI_DIR, 'assets'))) {
      const text = readFileSync(join(UI_DIR, 'assets', f), 'utf8');
      if (f.endsWith('.css')) {
        expect(text, f).not.toMatch(/url\(\s*['"]?(data:|https?:|\/\/)/i);
        expect(text, f).not.toMatch(/@import/i);
      }
    }
  }
}
