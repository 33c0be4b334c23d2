/**
 * `convlens studio [models...]`: starts the studio server (src/studio/server) on 127.0.0.1, prints
 * `convlens studio: <url with ?token=…>`, opens the browser unless `--no-open` (a failure to open is a
 * hint, not an error), and closes cleanly on Ctrl-C / SIGTERM.
 */
import { spawn } from 'node:child_process';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';

export interface StudioFlags {
  port?: number;
  host?: string;
  open?: boolean;
  threads?: number;
  maxUpload?: number;
}

/** Opens a URL in the default browser (detached; errors are reported, not thrown). */
export function openBrowser(url: string): Promise<boolean> {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => { child.unref(); resolve(true); });
    } catch {
      resolve(false);
    }
  });
}

export async function run(models: string[], opts: StudioFlags): Promise<void> {
  if (opts.port !== undefined && (opts.port < 0 || opts.port > 65535)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--port ${opts.port} is not a port number (0-65535)`);
  const { startStudio } = await import('../../studio/server/index.ts');
  const studio = await startStudio({
    ...(models.length ? { models } : {}),
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.maxUpload ? { maxUploadBytes: opts.maxUpload * 1024 * 1024 } : {}),
  });
  process.stdout.write(`convlens studio: ${studio.launchUrl}\n`);
  if (opts.host && opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
    process.stderr.write(`convlens studio: warning: listening on ${opts.host}: anyone who can reach this address and has the URL above can use the studio\n`);
  }
  if (opts.open !== false) {
    const opened = await openBrowser(studio.launchUrl);
    if (!opened) process.stderr.write('convlens studio: could not open a browser; open the URL above yourself\n');
  }
  process.stderr.write('convlens studio: press Ctrl-C to stop\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write('\nconvlens studio: stopping\n');
      studio.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
