// `ttng enable-rotation [-s SESSION] (--timer=PERIOD | --size=SIZE)` (lttng-enable-rotation(1)).
import { value } from './args.js';
import { parseSize, parseTimeUs } from './enable-channel.js';
import { err, guard, msg, parseVerbArgs, sessionName, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const enableRotationVerb: Verb = {
  name: 'enable-rotation',
  summary: 'Set a rotation schedule of a session',
  help: `Usage: ttng enable-rotation [-s SESSION] (--timer=PERIOD | --size=SIZE | both)

Rotate the session automatically (see \`ttng rotate\`): every PERIOD (us, ms,
s, m, h; plain numbers are µs) and/or whenever the current trace chunk holds
SIZE bytes (k, M, G suffixes). Only while the session is active.

Options:
  -s, --session=SESSION  Session (default: the current one)
      --timer=PERIOD     Periodic rotation
      --size=SIZE        Size-based rotation
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(enableRotationVerb, argv, [{ long: 'session', short: 's', value: true }, { long: 'timer', value: true }, { long: 'size', value: true }]);
      if (!a) return 0;
      if (a.positional.length) {
        err(`Unknown argument: ${a.positional[0]}`);
        return 1;
      }
      const t = value(a, 'timer');
      const z = value(a, 'size');
      if (t === undefined && z === undefined) {
        err('No rotation schedule parameter specified.');
        return 1;
      }
      const timerUs = t !== undefined ? parseTimeUs(t) : undefined;
      if (t !== undefined && (timerUs === undefined || timerUs === 0n || timerUs > BigInt(Number.MAX_SAFE_INTEGER))) {
        err(`Failed to parse rotation timer period "${t}".`);
        return 1;
      }
      const sizeBytes = z !== undefined ? parseSize(z) : undefined;
      if (z !== undefined && (sizeBytes === undefined || sizeBytes === 0n || sizeBytes > BigInt(Number.MAX_SAFE_INTEGER))) {
        err(`Failed to parse rotation size threshold "${z}".`);
        return 1;
      }
      const session = sessionName(value(a, 'session'));
      return withDaemon(async (c) => {
        await c.call('rotation.enable', { session, timerUs: timerUs !== undefined ? Number(timerUs) : undefined, sizeBytes: sizeBytes !== undefined ? Number(sizeBytes) : undefined });
        if (timerUs !== undefined) msg(`Enabled periodic rotations every ${timerUs} \u00b5s on session ${session}`);
        if (sizeBytes !== undefined) msg(`Enabled size-based rotations every ${sizeBytes} bytes written on session ${session}`);
        return 0;
      });
    }),
};
