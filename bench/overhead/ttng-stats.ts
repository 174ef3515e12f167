// The counters ttng keeps for a session, as one line for run.sh:
//   recorded=N discarded=N lost_packets=N
// summed over the session's channels (all domains). `ttng list` prints the
// discarded count only, so the bench asks the daemon itself through ttng/ctl.
// The daemon is the one of $TTNG_HOME, as for the CLI; run it after
// `ttng stop` (the counts are then final) and before `ttng destroy`.
// usage: node --import tsx bench/overhead/ttng-stats.ts SESSION
import { withClient } from '../../src/ctl/index.js';
import type { SessionDetail } from '../../src/ctl/index.js';

interface SessionCounts {
  recorded: number;
  discarded: number;
  lostPackets: number;
}

function sessionCounts(d: SessionDetail): SessionCounts {
  const c: SessionCounts = { recorded: 0, discarded: 0, lostPackets: 0 };
  for (const dom of d.domains) {
    for (const ch of dom.channels) {
      c.recorded += ch.recordedEvents;
      c.discarded += ch.discardedEvents;
      c.lostPackets += ch.lostPackets;
    }
  }
  return c;
}

const name = process.argv[2];
if (!name) {
  process.stderr.write('usage: ttng-stats.ts SESSION\n');
  process.exit(2);
}
try {
  const d = await withClient((c) => c.getSession(name));
  const c = sessionCounts(d);
  process.stdout.write(`recorded=${c.recorded} discarded=${c.discarded} lost_packets=${c.lostPackets}\n`);
} catch (e) {
  process.stderr.write(`ttng-stats: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
