/**
 * Horizontal bar chart (top-k predictions, objective values): one row per item with its label, a bar
 * proportional to the value and the formatted value. Bars are sized through React's style prop (CSSOM,
 * allowed by the studio's strict CSP).
 */

export interface Bar { key: string | number; label: string; value: number; display?: string; highlight?: boolean }

export function BarChart({ bars, max = 1, className = '' }: { bars: Bar[]; max?: number; className?: string }) {
  return (
    <ol className={`bar-chart ${className}`}>
      {bars.map((b) => (
        <li key={b.key} className={b.highlight ? 'bar-row top' : 'bar-row'}>
          <span className="bar-label" title={b.label}>{b.label}</span>
          <span className="bar-track"><span className="bar-fill" style={{ width: `${Math.max(0, Math.min(1, b.value / (max || 1))) * 100}%` }} /></span>
          <span className="bar-value">{b.display ?? b.value.toFixed(3)}</span>
        </li>
      ))}
    </ol>
  );
}
