// The one command-line tokenizer of ttng's programs (the `ttng` verbs,
// `ttng view`, `ttng convert`, `ttng-sessiond`). Node's util.parseArgs splits
// argv: `--name=VALUE` / `--name VALUE`, short groups (`-ka`), attached
// values (`-cVALUE`), `--`. It runs non-strict, so it never throws: each
// program reads the tokens and words its own errors, as the tool it mimics
// (lttng's popt, babeltrace2) does.
import { parseArgs } from 'node:util';

export interface OptionSpec {
  long?: string;
  short?: string;
  /** takes a value */
  value?: boolean;
}

export interface OptionToken<S extends OptionSpec> {
  kind: 'option';
  /** the spec the option names; undefined for an unknown option */
  spec: S | undefined;
  /** the option's name as typed: `--name` (without `=VALUE`) or `-c` */
  rawName: string;
  /** the option as typed, without `=VALUE`: rawName, or a whole short group (`-kc`, `-cVALUE`) */
  typed: string;
  /** the argv element the option came from */
  arg: string;
  /** attached (`--name=V`, `-cV`), or the next element for an option taking a value; undefined when missing */
  value: string | undefined;
  /** the value was attached to the option */
  inline: boolean;
  /** a short option sharing its argv element with other options or with its value */
  bundled: boolean;
  /** index of `arg` in argv */
  index: number;
}

export type ArgToken<S extends OptionSpec> =
  | OptionToken<S>
  | { kind: 'positional'; value: string; index: number }
  /** `--`: every later element comes as a positional token */
  | { kind: 'terminator'; index: number };

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Splits argv into option, positional and terminator tokens, in order. */
export function tokenize<S extends OptionSpec>(argv: readonly string[], specs: readonly S[]): ArgToken<S>[] {
  const byName = new Map<string, S>();
  const options: ParseArgsOptions = {};
  specs.forEach((s, i) => {
    if (s.long !== undefined) byName.set(`--${s.long}`, s);
    if (s.short !== undefined) byName.set(`-${s.short}`, s);
    const type = s.value ? 'string' : 'boolean';
    // parseArgs knows options by a long name: a short-only option gets one no argv element can spell
    options[s.long ?? `\0${i}`] = s.short !== undefined ? { type, short: s.short } : { type };
  });
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const out: ArgToken<S>[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      out.push({ kind: 'positional', value: t.value, index: t.index });
      continue;
    }
    const arg = argv[t.index]!;
    if (t.kind === 'option-terminator') {
      if (arg === '--') {
        out.push({ kind: 'terminator', index: t.index });
        continue;
      }
      // a `-` inside a short group (`-k-`): an unknown option `--` to popt, a
      // terminator to parseArgs. Every caller stops at an unknown option, so
      // what follows is not read (parseArgs misnumbers it anyway).
      out.push({ kind: 'option', spec: undefined, rawName: '--', typed: arg, arg, value: undefined, inline: false, bundled: true, index: t.index });
      break;
    }
    let rawName = t.rawName;
    let value = t.value;
    let inline = t.inlineValue ?? false;
    const eq = rawName.startsWith('--') ? rawName.indexOf('=') : -1;
    if (eq >= 0) {
      // `--=V`: parseArgs only splits at an `=` after a name; popt reads the option `--`
      value = rawName.slice(eq + 1);
      rawName = rawName.slice(0, eq);
      inline = true;
    }
    const bundled = !rawName.startsWith('--') && arg !== rawName;
    out.push({ kind: 'option', spec: byName.get(rawName), rawName, typed: bundled ? arg : rawName, arg, value, inline, bundled, index: t.index });
  }
  return out;
}

/** The value of an option taking one, or throws what `missing` makes of its name. */
export function optionValue<S extends OptionSpec>(t: OptionToken<S>, missing: (rawName: string) => Error): string {
  if (t.value === undefined) throw missing(t.rawName);
  return t.value;
}
