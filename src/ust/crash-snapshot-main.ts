// The child process of crash-snapshot.ts: `node crash-snapshot-main.js SOCKET TAG DEADLINE_MS`.
// Prints one `ttng: crash snapshot of session …` line per snapshot session on stderr (the dying app's).
import { snapshotAll } from '../ctl/snapshot-all.js';

const [socket, tag, deadline] = process.argv.slice(2);
if (socket !== undefined && tag !== undefined) {
  const lines = await snapshotAll({ socket, tag, deadlineMs: Number(deadline) > 0 ? Number(deadline) : 4000 });
  // a crash without snapshot sessions says nothing more than the crash
  for (const l of lines) if (l.startsWith('snapshot of session')) process.stderr.write(`ttng: crash ${l}\n`);
}
