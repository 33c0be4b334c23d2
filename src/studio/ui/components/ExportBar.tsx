/**
 * Export buttons every view carries: the view's canvas as PNG and its JSON run record, downloaded
 * through a Blob URL (no server round-trip), plus a "Copy link" permalink button.
 */

import { useState } from 'react';

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

/** Safe file stem from model-derived text (never used as a server path; just tidy for the download). */
export function fileStem(...parts: (string | number | undefined)[]): string {
  return parts.filter((p) => p !== undefined && p !== '').map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '')).join('-').slice(0, 120) || 'convlens';
}

export function ExportBar({ canvas, record, name, disabled, link = true }: { canvas?: () => HTMLCanvasElement | null; record?: () => unknown; name: string; disabled?: boolean; /** Show "Copy link" (off inside cards). */ link?: boolean }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="export-bar">
      {canvas ? (
        <button type="button" className="btn btn-small" disabled={disabled} data-export="png"
          onClick={() => { const c = canvas(); c?.toBlob((b) => { if (b) download(b, `${name}.png`); }, 'image/png'); }}>PNG</button>
      ) : null}
      {record ? (
        <button type="button" className="btn btn-small" disabled={disabled} data-export="json"
          onClick={() => download(new Blob([JSON.stringify(record(), null, 2)], { type: 'application/json' }), `${name}.json`)}>JSON record</button>
      ) : null}
      {link ? (
        <button type="button" className="btn btn-small btn-ghost" data-export="link"
          onClick={() => {
            const done = () => { setCopied(true); setTimeout(() => setCopied(false), 1500); };
            navigator.clipboard?.writeText(location.href).then(done, done);
          }}>{copied ? 'Link copied' : 'Copy link'}</button>
      ) : null}
    </div>
  );
}
