/**
 * Escaping for anything convlens writes into HTML. Model-derived strings (node names, metadata,
 * labels, file names) may contain markup (RELIABILITY.md 10): every one of them goes through {@link esc}.
 */
const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"'`]/g, (c) => MAP[c]!);
}

/** A relative URL for a file in the gallery folder: each path segment percent-encoded, no scheme allowed. */
export function relUrl(name: string): string {
  return name.split('/').map((seg) => encodeURIComponent(seg)).join('/');
}
