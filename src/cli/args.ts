// Option parsing for the session verbs, with popt's habits (as lttng uses
// it): `--opt=VALUE` or `--opt VALUE`, `-o VALUE` or `-oVALUE`, bundled
// short flags (`-ka`), `--` ends the options; `--list-options` lists them.
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
  const byLong = new Map(all.map((s) => [s.long, s]));
  const byShort = new Map(all.filter((s) => s.short).map((s) => [s.short!, s]));
  const opts = new Map<string, string[]>();
  const positional: string[] = [];
  const add = (s: OptionSpec, v: string): void => {
    const l = opts.get(s.long);
    if (l) l.push(v);
    else opts.set(s.long, [v]);
  };
  const unknown = (o: string): never => {
    throw new UsageError(`Unrecognized option ${o} used with '${verb}' command (see \`ttng ${verb} --help\`)`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const s = byLong.get(name);
      if (!s) unknown(eq > 0 ? arg.slice(0, eq) : arg);
      if (s!.value) {
        let v: string | undefined = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`Option --${name} needs a value`);
        add(s!, v);
      } else {
        if (eq > 0) throw new UsageError(`Option --${name} takes no value`);
        add(s!, '');
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const s = byShort.get(arg[j]!);
        if (!s) unknown(`-${arg[j]}`);
        if (s!.value) {
          let v: string | undefined = arg.slice(j + 1);
          if (v === '') v = argv[++i];
          if (v === undefined) throw new UsageError(`Option -${arg[j]} needs a value`);
          add(s!, v);
          break;
        }
        add(s!, '');
      }
      continue;
    }
    positional.push(arg);
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
