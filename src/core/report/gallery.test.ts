import { describe, expect, it } from 'vitest';
import { renderGallery } from './gallery.ts';

describe('gallery', () => {
  it('escapes model-derived strings everywhere they appear', () => {
    const evil = '<img src=x onerror=alert(1)>"\'';
    const html = renderGallery({
      title: evil,
      sections: [{ id: evil, title: evil, blocks: [
        { kind: 'table', headers: [evil], rows: [[evil]] },
        { kind: 'figure', src: `${evil}.png`, caption: evil },
        { kind: 'cards', cards: [{ src: 'a.png', title: evil, lines: [evil] }] },
        { kind: 'text', text: evil },
      ] }],
    });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/onerror=alert\(1\)>"/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // the figure's src is percent-encoded, so it cannot break out of the attribute
    expect(html).toContain('src="%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%22\'.png"'.replace("'", '&#39;'));
  });
});
