/**
 * The demo gallery: a self-contained static HTML page (inline CSS, no scripts, no network) over the
 * PNGs written beside it. Plain data in, a string out — the CLI's `demo` builds the data, later
 * features add sections (explanations, feature visualizations) without touching the renderer.
 */
import { esc, relUrl } from './html.ts';

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'table'; headers: string[]; rows: (string | number)[][]; caption?: string; numeric?: boolean[] }
  | { kind: 'figure'; src: string; caption?: string; alt?: string; maxWidth?: number; pixelated?: boolean }
  | { kind: 'cards'; cards: Card[] };

export interface Card {
  src: string;
  title: string;
  lines: string[];
  /** Marks the card as correct (green) or wrong (red). */
  ok?: boolean;
}

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface Gallery {
  title: string;
  subtitle?: string;
  sections: Section[];
  footer?: string;
}

const CSS = `
:root{--fg:#1d232b;--muted:#5b6673;--line:#e3e7ec;--bg:#f6f8fa;--card:#fff;--accent:#2f6fdb;--ok:#1f8a4c;--bad:#c93b3b}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#101720;color:#fff;padding:28px 40px}header h1{margin:0;font-size:26px;font-weight:650}header p{margin:6px 0 0;color:#b9c4d0}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:10px 40px;display:flex;gap:18px;flex-wrap:wrap;z-index:1}
nav a{color:var(--accent);text-decoration:none;font-weight:550}main{max-width:1280px;margin:0 auto;padding:8px 40px 60px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:22px 26px;margin:24px 0}
h2{margin:0 0 14px;font-size:20px}p.note{color:var(--muted);margin:6px 0 14px}
table{border-collapse:collapse;font-size:13px;width:100%;margin:8px 0 16px}th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{background:var(--bg);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}
.tablewrap{overflow-x:auto;max-height:420px;overflow-y:auto;border:1px solid var(--line);border-radius:6px;margin-bottom:16px}
figure{margin:10px 0 20px}figure img{max-width:100%;border:1px solid var(--line);border-radius:6px;background:#fff}figcaption{color:var(--muted);font-size:13px;margin-top:4px}
img.pixelated{image-rendering:pixelated}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:14px;margin:8px 0 18px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px;background:#fff;border-top:4px solid var(--line)}
.card.ok{border-top-color:var(--ok)}.card.bad{border-top-color:var(--bad)}
.card img{width:100%;image-rendering:pixelated;border-radius:4px;background:#000}.card b{display:block;margin:6px 0 2px;font-size:14px}
.card span{display:block;font-size:12px;color:var(--muted);font-variant-numeric:tabular-nums}
footer{color:var(--muted);font-size:13px;text-align:center;padding:20px}
`;

function block(b: Block): string {
  switch (b.kind) {
    case 'text':
      return `<p class="note">${esc(b.text)}</p>`;
    case 'table': {
      const numeric = b.numeric ?? b.headers.map((_, i) => b.rows.length > 0 && b.rows.every((r) => typeof r[i] === 'number'));
      const head = b.headers.map((h) => `<th>${esc(h)}</th>`).join('');
      const rows = b.rows
        .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${esc(typeof c === 'number' ? c.toLocaleString('en-US') : c)}</td>`).join('')}</tr>`)
        .join('\n');
      return `<div class="tablewrap"><table>${b.caption ? `<caption>${esc(b.caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
    }
    case 'figure':
      return `<figure><img src="${esc(relUrl(b.src))}" alt="${esc(b.alt ?? b.caption ?? '')}"${b.pixelated ? ' class="pixelated"' : ''}${b.maxWidth ? ` style="width:${Math.round(b.maxWidth)}px;max-width:100%"` : ''}>${b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : ''}</figure>`;
    case 'cards':
      return `<div class="cards">${b.cards
        .map((c) => `<div class="card${c.ok === true ? ' ok' : c.ok === false ? ' bad' : ''}"><img src="${esc(relUrl(c.src))}" alt="${esc(c.title)}"><b>${esc(c.title)}</b>${c.lines.map((l) => `<span>${esc(l)}</span>`).join('')}</div>`)
        .join('')}</div>`;
  }
}

/** Renders the gallery page. Every string is escaped; image sources are relative file names only. */
export function renderGallery(g: Gallery): string {
  const nav = g.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  const body = g.sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>\n${s.blocks.map(block).join('\n')}\n</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>${esc(g.title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(g.title)}</h1>${g.subtitle ? `<p>${esc(g.subtitle)}</p>` : ''}</header>
<nav>${nav}</nav><main>
${body}
</main>${g.footer ? `<footer>${esc(g.footer)}</footer>` : ''}</body></html>
`;
}
