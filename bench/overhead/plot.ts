// throughput.svg of the overhead study: transactions/s as % of untraced by
// client threads, one line per recorder (median of the passes, the range as a
// bar), one panel per setting. A small generated SVG: no plotting dependency.
import type { Summary } from './summary.js';

const COLORS: Record<string, string> = {
  ttng: '#1f77b4',
  'ttng-snapshot': '#17becf',
  'ttng-relayd': '#9467bd',
  'trace-cmd': '#ff7f0e',
  perf: '#2ca02c',
  strace: '#d62728',
};
const SPARE = ['#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const W = 430;
const H = 320;
const M = { left: 72, right: 16, top: 40, bottom: 46 };
/** room between the axes and the first and last thread counts */
const PAD_X = 24;

export function renderSvg(sum: Summary, titles: Record<string, string> = {}): string {
  const traced = sum.modes.filter((m) => m !== 'untraced');
  const color = (m: string): string => COLORS[m] ?? SPARE[traced.indexOf(m) % SPARE.length]!;
  let top = 100;
  for (const s of sum.settings) {
    for (const m of traced) {
      for (const t of sum.threads) {
        const v = sum.cell(s, m, t)?.tpsPct;
        if (v) top = Math.max(top, v.max);
      }
    }
  }
  const yMax = Math.ceil((top + 5) / 20) * 20;
  const width = sum.settings.length * W;
  const legendCols = Math.max(1, Math.floor((width - 20) / 140));
  const legendRows = Math.ceil(traced.length / legendCols);
  const height = H + 18 * legendRows + 16;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (i: number): number => M.left + (sum.threads.length === 1 ? pw / 2 : PAD_X + (i * (pw - 2 * PAD_X)) / (sum.threads.length - 1));
  const y = (v: number): number => M.top + ph - (v / yMax) * ph;
  const p = (n: number): string => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  sum.settings.forEach((s, k) => {
    out.push(`<g transform="translate(${k * W},0)">`);
    out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(titles[s] ?? s)}</text>`);
    for (let v = 0; v <= yMax; v += 20) {
      out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${p(y(v))}" y2="${p(y(v))}" stroke="#e0e0e0"/>`);
      out.push(`<text x="${M.left - 6}" y="${p(y(v) + 4)}" text-anchor="end">${v} %</text>`);
    }
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${p(y(100))}" y2="${p(y(100))}" stroke="#333" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${M.left + pw}" y="${p(y(100) - 4)}" text-anchor="end" fill="#333">untraced</text>`);
    sum.threads.forEach((t, i) => out.push(`<text x="${p(x(i))}" y="${M.top + ph + 18}" text-anchor="middle">${t}</text>`));
    out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 36}" text-anchor="middle">client threads</text>`);
    out.push(`<text transform="translate(14,${M.top + ph / 2}) rotate(-90)" text-anchor="middle">transactions/s, % of untraced</text>`);
    traced.forEach((m, j) => {
      // a small sideways shift per mode so that range bars do not hide each other
      const dx = (j - (traced.length - 1) / 2) * 3;
      const pts: string[] = [];
      sum.threads.forEach((t, i) => {
        const v = sum.cell(s, m, t)?.tpsPct;
        if (!v) return;
        const cx = x(i) + dx;
        pts.push(`${p(cx)},${p(y(v.median))}`);
        if (v.n > 1) out.push(`<line x1="${p(cx)}" x2="${p(cx)}" y1="${p(y(v.min))}" y2="${p(y(v.max))}" stroke="${color(m)}" stroke-opacity="0.5" stroke-width="2"/>`);
        out.push(`<circle cx="${p(cx)}" cy="${p(y(v.median))}" r="3.5" fill="${color(m)}"><title>${escapeXml(`${m}, ${t} threads: ${v.median.toFixed(1)} %`)}</title></circle>`);
      });
      if (pts.length > 1) out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color(m)}" stroke-width="2"/>`);
    });
    out.push('</g>');
  });
  traced.forEach((m, j) => {
    const lx = 20 + (j % legendCols) * 140;
    const ly = H + 14 + 18 * Math.floor(j / legendCols);
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color(m)}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 30}" y="${ly}">${escapeXml(m)}</text>`);
  });
  out.push('</svg>', '');
  return out.join('\n');
}
