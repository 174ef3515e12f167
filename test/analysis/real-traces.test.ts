// `ttng analyze` against lttng-analyses 0.6.1 on the real LTTng kernel traces
// of ../shared/ctf-conformance: every command, text and LAMI, and the options
// (time ranges, filters, limits, refresh periods, stream intersection).
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { CONFORMANCE, ensureBuilt } from '../helpers.js';
import { ALL_COMMANDS, compare, noLttngAnalyses, pairwise, requirement } from './compare.js';

const MULTI = path.join(CONFORMANCE, 'succeed', 'multi-domains');
const ROTATION = path.join(CONFORMANCE, 'succeed', 'lttng-tracefile-rotation');
const req = requirement(noLttngAnalyses());

before(() => ensureBuilt());

describe('ttng analyze = lttng-analyses on real LTTng kernel traces', { skip: req.skip }, () => {
  test('multi-domains (kernel + user space, discarded events): every command, text and --mi', async () => {
    req.check();
    await pairwise(ALL_COMMANDS.flatMap((command) => [false, true].map((mi) => () => compare(MULTI, { command, args: [], mi }))));
  });

  test('tracefile rotation: no stream intersection (the default stops), then --no-intersection', async () => {
    req.check();
    await pairwise([
      () => compare(ROTATION, { command: 'cputop', args: [], mi: false }),
      () => compare(ROTATION, { command: 'cputop', args: [], mi: true }),
      ...ALL_COMMANDS.flatMap((command) => [false, true].map((mi) => () => compare(ROTATION, { command, args: ['--no-intersection'], mi }))),
    ]);
  });

  test('cputop options: --limit, --cpu, --tid, --procname, --begin/--end, --timerange, --gmt, --refresh', async () => {
    req.check();
    const n = ['--no-intersection'];
    const variants = [
      ['--limit', '3'],
      ['--limit', '0'],
      ['--cpu', '1,3'],
      ['--tid', '1668,7013'],
      ['--procname', 'java,node'],
      ['--begin', '21:36:36', '--end', '21:36:37.000000000'],
      ['--timerange', '[21:36:35.900000000, 21:36:36.500000000]'],
      ['--timerange', '[21:36:35.9, 21:36:36.5]'],
      ['--timerange', '[2019-10-16 21:36:36.000000000,2019-10-16 21:36:36.500000000]'],
      ['--gmt', '--begin', '1571261796000000000'],
      ['--end', '21:00:00'],
      ['-r', '500ms'],
      ['--skip-validation'],
    ];
    await pairwise(variants.flatMap((v) => [false, true].map((mi) => () => compare(ROTATION, { command: 'cputop', args: [...n, ...v], mi }))));
  });

  test('syscallstats and iolatencytop options on the same trace', async () => {
    req.check();
    const n = ['--no-intersection'];
    await pairwise([
      () => compare(ROTATION, { command: 'syscallstats', args: [...n, '--tid', '1668', '-r', '1s'], mi: false }),
      () => compare(ROTATION, { command: 'syscallstats', args: [...n, '-r', '1s'], mi: true }),
      () => compare(ROTATION, { command: 'iolatencytop', args: [...n, '--cpu', '0', '--limit', '2'], mi: false }),
      () => compare(ROTATION, { command: 'iousagetop', args: [...n, '-r', '1s'], mi: true }),
    ]);
  });

  test('sched options: --total, --per-prio, --per-tid, other sections, --min/--max, --limit, --procname', async () => {
    req.check();
    const n = ['--no-intersection'];
    await pairwise([
      () => compare(ROTATION, { command: 'schedstats', args: [...n, '--total', '--per-prio'], mi: false }),
      () => compare(ROTATION, { command: 'schedstats', args: [...n, '--total', '--per-tid', '--per-prio', '--top', '--limit', '4'], mi: true }),
      () => compare(ROTATION, { command: 'schedtop', args: [...n, '--min', '10', '--max', '2000', '--limit', '5', '--procname', 'Web Content,java'], mi: false }),
      () => compare(ROTATION, { command: 'schedlog', args: [...n, '--cpu', '2', '--begin', '21:36:36.900000000'], mi: false }),
      () => compare(ROTATION, { command: 'schedlog', args: [...n, '-r', '700ms', '--stats'], mi: true }),
    ]);
  });

  test('--mi-version and --metadata of every command', async () => {
    req.check();
    await pairwise(ALL_COMMANDS.flatMap((command) => [['--mi-version'], ['--metadata']].map((args) => () => compare(MULTI, { command, args, mi: true }))));
  });
});
