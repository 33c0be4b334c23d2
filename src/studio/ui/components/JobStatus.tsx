/**
 * Loading and error states shared by every view: a progress line for running jobs (with Cancel), an
 * error box that always shows the code, the message and the hint of a failed job or request, and an
 * empty-state note. Everything model/server-derived is rendered as text.
 */

import type { StudioError } from '../../protocol.ts';

export function ErrorBox({ error, title = 'Something went wrong' }: { error: StudioError; title?: string }) {
  return (
    <div className="error-box" role="alert" data-code={error.code}>
      <div className="error-title">
        <span className="error-code">{error.code}</span>
        <span>{title}</span>
      </div>
      <p className="error-message">{error.message}</p>
      {error.hint ? <p className="error-hint"><strong>Hint:</strong> {error.hint}</p> : null}
    </div>
  );
}

export interface JobStatusProps {
  status: 'idle' | 'running' | 'done' | 'failed';
  progress?: number;
  message?: string;
  error?: StudioError;
  ms?: number;
  /** Server-side part of `ms`. */
  serverMs?: number;
  cached?: boolean;
  label?: string;
  onCancel?: () => void;
}

export function JobStatus({ status, progress, message, error, ms, serverMs, cached, label = 'Working', onCancel }: JobStatusProps) {
  if (status === 'failed' && error) return <ErrorBox error={error} title={`${label} failed`} />;
  if (status === 'running') {
    const pct = progress !== undefined && progress > 0 ? Math.round(progress * 100) : undefined;
    return (
      <div className="job-status running" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        <span className="job-label">{label}…</span>
        {message ? <span className="job-message">{message}</span> : null}
        <div className="progress"><div className={pct === undefined ? 'progress-bar indeterminate' : 'progress-bar'} style={pct === undefined ? undefined : { width: `${pct}%` }} /></div>
        {pct !== undefined ? <span className="job-pct">{pct}%</span> : null}
        {onCancel ? <button type="button" className="btn btn-small" onClick={onCancel}>Cancel</button> : null}
      </div>
    );
  }
  if (status === 'done' && ms !== undefined) {
    return (
      <div className="job-status done" data-client-ms={Math.round(ms)} data-server-ms={serverMs !== undefined ? Math.round(serverMs) : undefined}>
        <span className="muted">{label} · {Math.round(ms)} ms{serverMs !== undefined && !cached ? ` (server ${Math.round(serverMs)} ms)` : ''}{cached ? ' · cached' : ''}</span>
      </div>
    );
  }
  return null;
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="empty">{children}</div>;
}
