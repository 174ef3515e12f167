// DIR/raw.csv → DIR/summary.md and DIR/throughput.svg (run.sh calls it last;
// run it again by hand to remake both from the CSV).
// usage: node --import tsx bench/overhead/report.ts DIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRuns, summarize } from './summary.js';
import { renderMarkdown } from './markdown.js';
import { renderSvg } from './plot.js';

const PANEL_TITLES: Record<string, string> = {
  default: 'default InnoDB settings',
  'cpu-bound': 'CPU-bound (flush-log-at-trx-commit=2)',
};

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: report.ts DIR (holding raw.csv)\n');
  process.exit(2);
}
try {
  const runs = parseRuns(fs.readFileSync(path.join(dir, 'raw.csv'), 'utf8'));
  if (runs.length === 0) throw new Error(`${dir}/raw.csv has no run`);
  const sum = summarize(runs);
  const passes = Math.max(...runs.map((r) => r.pass));
  const durations = [...new Set(runs.filter((r) => r.mode === 'untraced' && r.loadS !== undefined).map((r) => Math.round(r.loadS!)))];
  fs.writeFileSync(path.join(dir, 'summary.md'), renderMarkdown(sum, passes, durations.join('/') || '?'));
  fs.writeFileSync(path.join(dir, 'throughput.svg'), renderSvg(sum, PANEL_TITLES));
} catch (e) {
  process.stderr.write(`report.ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
