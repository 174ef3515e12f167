// The one command-line tokenizer (src/ctl/argv.ts) and the four parsers on
// it: popt's habits for the `ttng` verbs, babeltrace2's for `ttng view`,
// exact matches only for `ttng convert` and `ttng-sessiond`, with each one's
// own messages.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tokenize } from '../../src/ctl/argv.js';
import type { ArgToken, OptionSpec } from '../../src/ctl/argv.js';
import { parseOptions } from '../../src/cli/args.js';
import { parseConvertArgs } from '../../src/cli/convert.js';
import { parseViewArgs } from '../../src/cli/view.js';

const SPECS: OptionSpec[] = [{ long: 'kernel', short: 'k' }, { long: 'all', short: 'a' }, { long: 'channel', short: 'c', value: true }, { short: 'e', value: true }];

/** each token as one short string */
function show(argv: string[]): string[] {
  return tokenize(argv, SPECS).map((t: ArgToken<OptionSpec>) => {
    if (t.kind === 'positional') return `pos ${t.value}`;
    if (t.kind === 'terminator') return '--';
    const flags = `${t.spec ? '' : '?'}${t.inline ? '=' : ''}${t.bundled ? '+' : ''}`;
    return `${t.rawName}${flags}${t.value !== undefined ? ` ${t.value}` : ''} @${t.index} ${t.typed}`;
  });
}

describe('tokenize', () => {
  test('long options: `=VALUE`, the next element, or missing', () => {
    assert.deepEqual(show(['--channel=a', '--channel', '-x', '--channel']), ['--channel= a @0 --channel', '--channel -x @1 --channel', '--channel @3 --channel']);
    assert.deepEqual(show(['--kernel=1', '--bogus=2', '--bogus', 'p']), ['--kernel= 1 @0 --kernel', '--bogus?= 2 @1 --bogus', '--bogus? @2 --bogus', 'pos p']);
    // `--=V` is the option `--` with a value, as popt reads it
    assert.deepEqual(show(['--=v']), ['--?= v @0 --']);
  });

  test('short options: groups, attached values, the next element', () => {
    assert.deepEqual(show(['-kac', 'x']), ['-k+ @0 -kac', '-a+ @0 -kac', '-c+ x @0 -kac']);
    assert.deepEqual(show(['-kcV', '-cV', '-c', '--']), ['-k+ @0 -kcV', '-c=+ V @0 -kcV', '-c=+ V @1 -cV', '-c -- @2 -c']);
    assert.deepEqual(show(['-z', '-kz', '-e', 'v']), ['-z? @0 -z', '-k+ @1 -kz', '-z?+ @1 -kz', '-e v @2 -e']);
    // a short-only option has no long spelling
    assert.deepEqual(show(['--e', 'v']), ['--e? @0 --e', 'pos v']);
  });

  test('`--` ends the options; `-` is a positional; `-k-` is an unknown `--`', () => {
    assert.deepEqual(show(['a', '-', '--', '-k', '--x']), ['pos a', 'pos -', '-- ', 'pos -k', 'pos --x'].map((s) => s.trimEnd()));
    assert.deepEqual(show(['-k-c', 'x']), ['-k+ @0 -k-c', '--?+ @0 -k-c']);
  });
});

/** what a parser returns, or the message of what it throws */
function outcome(parse: () => unknown): unknown {
  try {
    return parse();
  } catch (e) {
    return (e as Error).message;
  }
}

const verb = (argv: string[]): unknown =>
  outcome(() => {
    const r = parseOptions('start', argv, [{ long: 'kernel', short: 'k' }, { long: 'channel', short: 'c', value: true }]);
    return typeof r === 'string' ? r : { opts: Object.fromEntries(r.opts), positional: r.positional };
  });
const view = (argv: string[]): unknown =>
  outcome(() => {
    const r = parseViewArgs(argv);
    return typeof r === 'string' ? r : { paths: r.paths, end: r.end, viewer: r.viewer, format: r.format, cycles: r.pretty.clock.cycles };
  });
const convert = (argv: string[]): unknown => outcome(() => parseConvertArgs(argv));

const unrecognized = (o: string): string => `Unrecognized option ${o} used with 'start' command (see \`ttng start --help\`)`;
const viewed = (paths: string[], o: { end?: string; viewer?: string; format?: string; cycles?: boolean }): unknown => ({
  paths,
  end: o.end,
  viewer: o.viewer,
  format: o.format ?? 'text',
  cycles: o.cycles ?? false,
});

/** each parser: command lines and what comes of them */
const PARSERS: [string, (argv: string[]) => unknown, [string[], unknown][]][] = [
  [
    'ttng verbs (popt)',
    verb,
    [
      [['-kcX', 's', '--', '-k'], { opts: { kernel: [''], channel: ['X'] }, positional: ['s', '-k'] }],
      [['--channel=', '-c', '-k'], { opts: { channel: ['', '-k'] }, positional: [] }],
      [['-kz'], unrecognized('-z')],
      [['--bogus=1'], unrecognized('--bogus')],
      [['-k-'], unrecognized('--')],
      [['--kernel=1'], 'Option --kernel takes no value'],
      [['-k', '-c'], 'Option -c needs a value'],
      [['--help', '--channel'], 'Option --channel needs a value'],
      [['--channel', 'x', '-h'], 'help'],
      [['--list-options'], 'list-options'],
    ],
  ],
  [
    'ttng view (babeltrace2: no groups, no attached short values)',
    view,
    [
      [['-e', '12:00', 'a', '-', '--clock-cycles=no', '--', '-x'], viewed(['a', '-', '-x'], { end: '12:00', cycles: true })],
      [['-e', 'babeltrace2', '--format=json'], viewed([], { viewer: 'babeltrace2', format: 'json' })],
      [['--=x', '-y'], viewed(['-y'], {})],
      [['-hx'], 'unknown option "-hx"'],
      [['-ojson'], 'unknown option "-ojson"'],
      [['--bogus=1'], 'unknown option "--bogus"'],
      [['--e', 'x'], 'unknown option "--e"'],
      [['--begin'], 'option --begin needs a value'],
      [['-h', '--bogus'], 'help'],
    ],
  ],
  [
    'ttng convert (exact options, `--output=DIR`)',
    convert,
    [
      [['a', '-o', 'd', 'b', '--packetized-metadata'], { inputs: ['a', 'b'], out: 'd', packetized: true }],
      [['a', '--output=d'], { inputs: ['a'], out: 'd', packetized: false }],
      [['a', '-o', ''], 'option -o needs a value'],
      [['a', '--output'], 'option --output needs a value'],
      [['a', '--output='], 'no output directory given (-o DIR)'],
      [['-od'], 'unknown option "-od"'],
      [['--help=1'], 'unknown option "--help=1"'],
      [['--bogus=1'], 'unknown option "--bogus=1"'],
      [['-'], 'unknown option "-"'],
      [['--', 'a'], 'unknown option "--"'],
      [['-h', '--bogus'], 'help'],
    ],
  ],
];

describe('the parsers on it keep their messages', () => {
  for (const [name, parse, cases] of PARSERS) {
    test(name, () => {
      for (const [argv, want] of cases) assert.deepEqual(parse(argv), want, JSON.stringify(argv));
    });
  }
});
