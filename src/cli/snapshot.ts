// `ttng snapshot record|add-output|list-output|del-output` (lttng-snapshot(1)).
import * as path from 'node:path';
import { flag, value } from './args.js';
import { parseSize } from './enable-channel.js';
import { CliExit, err, guard, msg, parseVerbArgs, sessionName, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

const SPECS = [
  { long: 'session', short: 's', value: true },
  { long: 'name', short: 'n', value: true },
  { long: 'max-size', short: 'm', value: true },
  { long: 'output', short: 'o', value: true },
  { long: 'ctrl-url', short: 'C', value: true },
  { long: 'data-url', short: 'D', value: true },
];

function fail(line: string): never {
  err(line);
  throw new CliExit(1);
}

function maxSize(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === undefined || n > BigInt(Number.MAX_SAFE_INTEGER)) fail(`Wrong value for the --max-size parameter: ${v}`);
  return Number(n);
}

/** the output a URL or -o names (absolute path), or undefined */
function outputOf(url: string | undefined, dir: string | undefined): string | undefined {
  if (url !== undefined && dir !== undefined) fail('Only one of an URL or --output may be given.');
  if (dir !== undefined) return path.resolve(dir);
  if (url === undefined) return undefined;
  if (url.startsWith('file://')) return url;
  if (/^[a-z0-9]+:\/\//.test(url)) return url; // the daemon says what it supports
  return path.resolve(url);
}

export const snapshotVerb: Verb = {
  name: 'snapshot',
  summary: 'Take a snapshot of the buffers of a snapshot session',
  help: `Usage: ttng snapshot [-s SESSION] ACTION [OPTIONS]

Actions:
  record [-n NAME] [-m MAX_SIZE] [URL | -o DIR]
      Write the current content of every buffer of the snapshot session as a
      CTF trace in OUTPUT/NAME-YYYYmmdd-HHMMSS-N/ (kernel/, ust/uid/UID/64-bit/
      or ust/pid/...: the newest data, at most MAX_SIZE bytes in all when
      given, shared equally by the streams). Tracing goes on. OUTPUT is the
      session's snapshot output unless URL (file://DIR or DIR) or -o is given;
      NAME defaults to the output's name.
  add-output [-n NAME] [-m MAX_SIZE] (URL | -o DIR)
      Set the session's snapshot output (one per session).
  list-output
      List the session's snapshot output.
  del-output (ID | NAME)
      Remove a snapshot output.

Options:
  -s, --session=SESSION  Snapshot session (default: the current one)
  -n, --name=NAME        Name of the snapshot or output
  -m, --max-size=SIZE    Maximum bytes of a snapshot (k, M, G suffixes)
  -o, --output=DIR       Local directory
  -h, --help             Show this help

Snapshots overlap in time as LTTng's do: the pages a snapshot reads from
ftrace's buffer (reading consumes them) are kept, up to the buffer size, and
written again by the next snapshot; user-space buffers are copied without
being consumed, those of apps that exited since the start included. Each
snapshot is a CTF trace with its own UUID, so a directory of snapshots reads
as several traces.
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(snapshotVerb, argv, SPECS);
      if (!a) return 0;
      const [action, ...args] = a.positional;
      if (action === undefined) fail('Missing snapshot action (record, add-output, list-output, del-output)');
      if (!['record', 'add-output', 'list-output', 'del-output'].includes(action!)) fail(`Unknown snapshot action: ${action}`);
      if (flag(a, 'ctrl-url') || flag(a, 'data-url')) fail('Network snapshot outputs (-C, -D) are not supported yet');
      const session = sessionName(value(a, 'session'));
      const m = maxSize(value(a, 'max-size'));
      const name = value(a, 'name');
      return withDaemon(async (c) => {
        switch (action) {
          case 'record': {
            if (args.length > 1) fail(`Unknown argument: ${args[1]}`);
            const out = outputOf(args[0], value(a, 'output'));
            const r = await c.call('snapshot.record', { session, name, maxSize: m, outputDir: out });
            if (out !== undefined) msg(`Snapshot written at: ${r.path}`);
            msg(`Snapshot recorded successfully for session ${session}`);
            return 0;
          }
          case 'add-output': {
            if (args.length > 1) fail(`Unknown argument: ${args[1]}`);
            const out = outputOf(args[0], value(a, 'output'));
            if (out === undefined) fail('Missing URL or --output for the snapshot output');
            const o = await c.call('snapshot.addOutput', { session, outputDir: out!, name, maxSize: m });
            msg(`Snapshot output successfully added for session ${session}`);
            msg(`  [${o.id}] ${o.name}: ${o.path} (max size: ${o.maxSize} bytes)`);
            return 0;
          }
          case 'list-output': {
            const list = await c.call('snapshot.listOutputs', { session });
            msg(`Snapshot output list for session ${session}`);
            for (const o of list) msg(`    [${o.id}] ${o.name}: ${o.path} (max size: ${o.maxSize} bytes)`);
            return 0;
          }
          case 'del-output': {
            const key = args[0];
            if (key === undefined) fail('Missing snapshot output ID or name');
            const id = /^[0-9]+$/.test(key!) ? Number(key) : undefined;
            const o = await c.call('snapshot.delOutput', { session, id, name: id === undefined ? key : undefined });
            if (id !== undefined) msg(`Snapshot output id ${o.id} successfully deleted for session ${session}`);
            else msg(`Snapshot output ${o.name} successfully deleted for session ${session}`);
            return 0;
          }
          default:
            fail(`Unknown snapshot action: ${action}`);
        }
      });
    }),
};
