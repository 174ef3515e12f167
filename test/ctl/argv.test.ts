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

describe('the parsers on it keep their messages', () => {
  const verb = (argv: string[]): unknown => {
    try {
      const r = parseOptions('start', argv, [{ long: 'kernel', short: 'k' }, { long: 'channel', short: 'c', value: true }]);
      return typeof r === 'string' ? r : { opts: Object.fromEntries(r.opts), positional: r.positional };
    } catch (e) {
      return (e as Error).message;
    }
  };
  test('ttng verbs (popt)', () => {
    assert.deepEqual(verb(['-kcX', 's', '--', '-k']), { opts: { kernel: [''], channel: ['X'] }, positional: ['s', '-k'] });
    assert.deepEqual(verb(['--channel=', '-c', '-k']), { opts: { channel: ['', '-k'] }, positional: [] });
    assert.equal(verb(['-kz']), "Unrecognized option -z used with 'start' command (see `ttng start --help`)");
    assert.equal(verb(['--bogus=1']), "Unrecognized option --bogus used with 'start' command (see `ttng start --help`)");
    assert.equal(verb(['-k-']), "Unrecognized option -- used with 'start' command (see `ttng start --help`)");
    assert.equal(verb(['--kernel=1']), 'Option --kernel takes no value');
    assert.equal(verb(['-k', '-c']), 'Option -c needs a value');
    assert.equal(verb(['--help', '--channel']), 'Option --channel needs a value');
    assert.equal(verb(['--channel', 'x', '-h']), 'help');
    assert.equal(verb(['--list-options']), 'list-options');
  });

  const view = (argv: string[]): unknown => {
    try {
      const r = parseViewArgs(argv);
      return typeof r === 'string' ? r : { paths: r.paths, end: r.end, viewer: r.viewer, format: r.format, cycles: r.pretty.clock.cycles };
    } catch (e) {
      return (e as Error).message;
    }
  };
  test('ttng view (babeltrace2: no groups, no attached short values)', () => {
    assert.deepEqual(view(['-e', '12:00', 'a', '-', '--clock-cycles=no', '--', '-x']), { paths: ['a', '-', '-x'], end: '12:00', viewer: undefined, format: 'text', cycles: true });
    assert.deepEqual(view(['-e', 'babeltrace2', '--format=json']), { paths: [], end: undefined, viewer: 'babeltrace2', format: 'json', cycles: false });
    assert.deepEqual(view(['--=x', '-y']), { paths: ['-y'], end: undefined, viewer: undefined, format: 'text', cycles: false });
    assert.equal(view(['-hx']), 'unknown option "-hx"');
    assert.equal(view(['-ojson']), 'unknown option "-ojson"');
    assert.equal(view(['--bogus=1']), 'unknown option "--bogus"');
    assert.equal(view(['--e', 'x']), 'unknown option "--e"');
    assert.equal(view(['--begin']), 'option --begin needs a value');
    assert.equal(view(['-h', '--bogus']), 'help');
  });

  const convert = (argv: string[]): unknown => {
    try {
      return parseConvertArgs(argv);
    } catch (e) {
      return (e as Error).message;
    }
  };
  test('ttng convert (exact options, `--output=DIR`)', () => {
    assert.deepEqual(convert(['a', '-o', 'd', 'b', '--packetized-metadata']), { inputs: ['a', 'b'], out: 'd', packetized: true });
    assert.deepEqual(convert(['a', '--output=d']), { inputs: ['a'], out: 'd', packetized: false });
    assert.equal(convert(['a', '-o', '']), 'option -o needs a value');
    assert.equal(convert(['a', '--output']), 'option --output needs a value');
    assert.equal(convert(['a', '--output=']), 'no output directory given (-o DIR)');
    assert.equal(convert(['-od']), 'unknown option "-od"');
    assert.equal(convert(['--help=1']), 'unknown option "--help=1"');
    assert.equal(convert(['--bogus=1']), 'unknown option "--bogus=1"');
    assert.equal(convert(['-']), 'unknown option "-"');
    assert.equal(convert(['--', 'a']), 'unknown option "--"');
    assert.equal(convert(['-h', '--bogus']), 'help');
  });
});
