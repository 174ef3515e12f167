// Sessions whose `ttng save` text is kept in this folder (NAME.lttng), as
// ttng wrote it before the format went through fast-xml-parser: the writer
// must keep writing them byte for byte.
import { KERNEL_CHANNEL_DEFAULTS, UST_PID_CHANNEL_DEFAULTS, UST_UID_CHANNEL_DEFAULTS } from '../../../src/ctl/protocol.js';
import type { SavedSession } from '../../../src/sessiond/session-xml.js';

export const CASES: Record<string, SavedSession> = {
  'kernel-and-ust': {
    name: 'k',
    outputPath: '/tmp/out dir/k',
    started: true,
    kernel: {
      channels: [
        {
          name: 'channel0',
          enabled: true,
          attributes: { ...KERNEL_CHANNEL_DEFAULTS },
          events: [
            { kind: 'tracepoint', name: 'sched_switch', enabled: true, filter: 'prev_prio < 120 && $ctx.procname == "x\\*" || \'q\' > 0 & 1' },
            { kind: 'syscall', name: '*', enabled: false },
            { kind: 'tracepoint', name: 'sched_wakeup', enabled: false, filter: '' },
          ],
          contexts: ['procname', 'tid', 'vpid'],
        },
        { name: 'fr', enabled: false, attributes: { ...KERNEL_CHANNEL_DEFAULTS, overwrite: true, subbufSize: 65536, numSubbuf: 8, switchTimerUs: 500000, tracefileSize: 1 << 20, tracefileCount: 3 }, events: [], contexts: [] },
      ],
    },
    ust: {
      buffers: 'pid',
      channels: [
        {
          name: 'u',
          enabled: true,
          attributes: { ...UST_PID_CHANNEL_DEFAULTS },
          events: [
            { kind: 'tracepoint', name: 'app:*', enabled: true, loglevel: { type: 'range', level: 3 }, exclusions: ['app:x', 'app:y<z>'] },
            { kind: 'tracepoint', name: 'b', enabled: true, loglevel: { type: 'single', level: 0 } },
            { kind: 'tracepoint', name: 'c', enabled: false, filter: 'a\nb\tc' },
          ],
          contexts: ['vpid', 'procname'],
        },
      ],
    },
    rotation: { timerUs: 1000000, sizeBytes: 4096 },
  },
  'ust-uid-size-rotation': {
    name: 'r&d',
    outputPath: '/t/r',
    started: false,
    ust: { buffers: 'uid', channels: [{ name: 'channel0', enabled: true, attributes: { ...UST_UID_CHANNEL_DEFAULTS }, events: [], contexts: [] }] },
    rotation: { timerUs: 0, sizeBytes: 1 << 20 },
  },
  snapshot: {
    name: 'snap',
    outputPath: '/o/snap',
    started: false,
    snapshot: { outputs: [{ name: 'snapshot-1', path: '/o/snap', maxSize: 0 }, { name: 'b', path: '/b', maxSize: 1 << 20 }] },
    kernel: { channels: [] },
  },
  'snapshot-no-output': { name: 's2', started: true, snapshot: { outputs: [] } },
  empty: { name: 'no output', started: false },
  'timer-rotation': { name: 'é\u00a0ü', outputPath: '/ü', started: false, rotation: { timerUs: 5, sizeBytes: 0 } },
};
