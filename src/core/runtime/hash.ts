/**
 * Content hashes for cache keys: SHA-256 of bytes through `crypto.subtle`, which Node ≥ 20, browsers
 * (secure contexts) and workers all provide, so the same code keys caches everywhere.
 */

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
