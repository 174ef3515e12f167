// `ttng convert IN... -o DIR` (placeholder until the writer lands)
import { UsageError } from './usage.js';
export const CONVERT_HELP = `Usage: ttng convert PATH... -o DIR\n`;
export interface ConvertArgs { inputs: string[]; out: string }
export function parseConvertArgs(argv: string[]): ConvertArgs | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  throw new UsageError('convert is not available yet');
}
export function runConvert(_a: ConvertArgs): number {
  return 1;
}
