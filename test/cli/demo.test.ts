// `convlens demo` with no arguments: writes the gallery and its PNGs; the page, opened in Chromium, shows
// every image (no broken references) and the predictions of the bundled samples.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { cli } from './run-cli.ts';

const CHROMIUM = process.env.CONVLENS_CHROMIUM ?? '/usr/bin/chromium';

describe('convlens demo', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'convlens-demo-'));
  let index = '';

  it('writes the gallery to ./convlens-demo and prints its path', () => {
    const r = cli(['demo'], { cwd });
    expect(r.code).toBe(0);
    index = r.stdout.trim();
    expect(index).toBe(join(cwd, 'convlens-demo', 'index.html'));
    const html = readFileSync(index, 'utf8');
    for (const m of html.matchAll(/src="([^"]+)"/g)) expect(existsSync(join(cwd, 'convlens-demo', decodeURIComponent(m[1]!)))).toBe(true);
    expect(html).toMatch(/Shapes CNN: feature maps/);
    expect(html).toMatch(/MNIST CNN: filters/);
    // feature visualization (issue 5): class images for both models, an atlas of one layer, and the
    // retained fraction under fresh transforms printed from the run (not adversarial noise: > 30 %)
    for (const title of ['Shapes CNN', 'MNIST CNN']) expect(html).toContain(`${title}: feature visualization`);
    expect(html).toMatch(/Channel atlas of features\.relu2/);
    const kept = [...html.matchAll(/the images keep (\d+)–(\d+)% of it/g)];
    expect(kept.length).toBe(2);
    for (const k of kept) expect(Number(k[1])).toBeGreaterThan(30);
  });

  it('renders in Chromium with every image loaded', async () => {
    expect(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (.ci/run installs Debian's chromium)`).toBe(true);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(pathToFileURL(index).href);
      await page.waitForLoadState('load');
      const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })));
      expect(images.length).toBeGreaterThan(20);
      expect(images.filter((i) => !i.ok)).toEqual([]);
      // Every bundled shapes sample is classified correctly (green cards).
      const shapesCards = await page.$$eval('#shapes-predictions .card', (cards) => cards.map((c) => c.className));
      expect(shapesCards.length).toBe(12);
      expect(shapesCards.every((c) => c.includes('ok'))).toBe(true);
      const dir = process.env.CONVLENS_ARTIFACTS ?? join(tmpdir(), 'convlens-artifacts');
      await page.screenshot({ path: join(dir, 'demo-gallery.png'), fullPage: true });
      process.stdout.write(`demo gallery screenshot: ${join(dir, 'demo-gallery.png')}\n`);
    } finally {
      await browser.close();
    }
  });
});
