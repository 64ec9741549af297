// Small statistics and formatting helpers for the bench.

/** Median of a list of numbers (NaN for an empty list). */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank quantile q in [0, 1] (p99 of 300 samples is the 297th smallest). */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Sum of a list. */
export function sum(xs) {
  return xs.reduce((a, b) => a + b, 0);
}

/** `123 ms`, `1.23 s`, `0.42 ms`. */
export function ms(x) {
  if (!Number.isFinite(x)) return 'n/a';
  if (Math.abs(x) >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (Math.abs(x) >= 10) return `${x.toFixed(0)} ms`;
  return `${x.toFixed(1)} ms`;
}

/** `1.23x`. */
export function ratio(x) {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a';
}

/** `12.3 KB` / `1.2 MB`. */
export function bytes(n) {
  if (!Number.isFinite(n)) return 'n/a';
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

/** `83%`. */
export function pct(x) {
  return Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : 'n/a';
}
