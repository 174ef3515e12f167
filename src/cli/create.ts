// `ttng create [NAME] [-o DIR]`: a recording session (lttng-create(1)).
import * as path from 'node:path';
import { writeCurrentSession } from '../ctl/paths.js';
import { flag, value } from './args.js';
import { CliExit, err, guard, msg, parseVerbArgs, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

const SPECS = [
  { long: 'output', short: 'o', value: true },
  { long: 'set-url', short: 'U', value: true },
  { long: 'ctrl-url', short: 'C', value: true },
  { long: 'data-url', short: 'D', value: true },
  { long: 'no-output' },
  { long: 'snapshot' },
  { long: 'live', value: true },
  { long: 'shm-path', value: true },
];

export const createVerb: Verb = {
  name: 'create',
  summary: 'Create a recording session',
  help: `Usage: ttng create [SESSION] [--snapshot [--no-output]] [-o DIR | -U file://DIR]

Create a recording session and make it the current one (~/.ttngrc). Starts
the session daemon when none runs.

SESSION defaults to auto-YYYYmmdd-HHMMSS. Traces go to
~/ttng-traces/SESSION-YYYYmmdd-HHMMSS/ (~/ttng-traces/SESSION/ for an
automatic name; TTNG_HOME=DIR makes it DIR/ttng-traces/).

With --snapshot, a flight-recorder session: channels in overwrite mode,
nothing written while tracing; \`ttng snapshot record\` writes the newest
buffer content to the snapshot output (the session directory, output name
snapshot-1) unless --no-output.

Options:
  -o, --output=DIR       Write the traces to DIR
      --snapshot         Snapshot (flight-recorder) session
      --no-output        With --snapshot: no default snapshot output
  -U, --set-url=URL      file://DIR: same as --output=DIR
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(createVerb, argv, SPECS);
      if (!a) return 0;
      const snapshot = flag(a, 'snapshot');
      for (const o of ['live', 'shm-path', 'ctrl-url', 'data-url', ...(snapshot ? [] : ['no-output'])]) {
        if (flag(a, o)) {
          err(`--${o} is not supported yet`);
          throw new CliExit(1);
        }
      }
      let out = value(a, 'output');
      const url = value(a, 'set-url');
      if (out !== undefined && url !== undefined) {
        err('Only one of the --set-url, --ctrl-url/data-url, or --output options may be used at once.');
        return 1;
      }
      if (url !== undefined) {
        if (!url.startsWith('file://')) {
          err(url.startsWith('net') || url.startsWith('tcp') ? 'Network outputs (net://, tcp://) are not supported yet' : 'Unrecognized URL format.');
          return 1;
        }
        out = url.slice('file://'.length);
      }
      if (out !== undefined) {
        if (out === '') {
          err('Failed to expand output path.');
          return 1;
        }
        out = path.resolve(out);
      }
      const [name, leftover] = a.positional;
      if (leftover !== undefined) {
        err(`Unknown argument: ${leftover}`);
        return 1;
      }
      const noOutput = flag(a, 'no-output');
      const s = await withDaemon((c) => c.call('session.create', { name, outputDir: out, snapshot: snapshot || undefined, noOutput: noOutput || undefined }), true);
      if (snapshot) {
        msg(`Snapshot session ${s.name} created.`);
        if (!noOutput) msg(`Default snapshot output set to ${s.outputPath}`);
        msg('Every channel enabled for this session will be set to mmap output and default to overwrite mode.');
      } else {
        msg(`Session ${s.name} created.`);
        msg(`Traces will be output to ${s.outputPath}`);
      }
      writeCurrentSession(s.name);
      return 0;
    }),
};
