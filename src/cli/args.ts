// Option parsing for the session verbs, with popt's habits (as lttng uses
// it): `--opt=VALUE` or `--opt VALUE`, `-o VALUE` or `-oVALUE`, bundled
// short flags (`-ka`), `--` ends the options; `--list-options` lists them.
// The tokens come from src/ctl/argv.ts; the messages are lttng's.
import { optionValue, tokenize } from '../ctl/argv.js';
import { UsageError } from './usage.js';

export interface OptionSpec {
  long: string;
  short?: string;
  /** takes a value */
  value?: boolean;
}

export interface ParsedArgs {
  /** long name → values given (flags: ['']) in order */
  opts: Map<string, string[]>;
  positional: string[];
}

export function parseOptions(verb: string, argv: string[], specs: OptionSpec[]): ParsedArgs | 'help' | 'list-options' {
  const all: OptionSpec[] = [...specs, { long: 'help', short: 'h' }, { long: 'list-options' }];
  const opts = new Map<string, string[]>();
  const positional: string[] = [];
  const add = (s: OptionSpec, v: string): void => {
    const l = opts.get(s.long);
    if (l) l.push(v);
    else opts.set(s.long, [v]);
  };
  for (const t of tokenize(argv, all)) {
    if (t.kind === 'terminator') continue; // what follows comes as positional tokens
    if (t.kind === 'positional') {
      positional.push(t.value);
      continue;
    }
    const s = t.spec;
    if (!s) throw new UsageError(`Unrecognized option ${t.rawName} used with '${verb}' command (see \`ttng ${verb} --help\`)`);
    if (s.value) add(s, optionValue(t, (n) => new UsageError(`Option ${n} needs a value`)));
    else if (t.inline) throw new UsageError(`Option ${t.rawName} takes no value`);
    else add(s, '');
  }
  if (opts.has('help')) return 'help';
  if (opts.has('list-options')) return 'list-options';
  return { opts, positional };
}

/** `--list-options` output (as popt-based lttng prints it, one per line) */
export function listOptions(specs: OptionSpec[]): string {
  const lines: string[] = [];
  for (const s of [...specs, { long: 'help', short: 'h' }]) {
    if (s.short) lines.push(`-${s.short}`);
    lines.push(`--${s.long}`);
  }
  return lines.join('\n') + '\n';
}

export function flag(a: ParsedArgs, long: string): boolean {
  return a.opts.has(long);
}

/** the last value given for an option */
export function value(a: ParsedArgs, long: string): string | undefined {
  const l = a.opts.get(long);
  return l ? l[l.length - 1] : undefined;
}

export function values(a: ParsedArgs, long: string): string[] {
  return a.opts.get(long) ?? [];
}
