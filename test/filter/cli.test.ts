// A filter too deep for the parser, through the CLI and a real daemon (with the fake
// kernel tracer): one `Error: …` line naming the limit and the character, as for any
// other invalid filter, and the daemon still answers afterwards.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ensureBuilt } from '../helpers.js';
import { home, oneError } from '../sessiond/harness.js';

before(() => ensureBuilt());

test('enable-event --filter with 10 000 nested parentheses: one error line', async (t) => {
  const h = home(t);
  await h.ok(['create', 's']);
  const deep = '('.repeat(10000) + 'prev_tid' + ')'.repeat(10000) + ' == 0';
  for (const domain of ['-k', '-u']) {
    const line = oneError(await h.ttng(['enable-event', domain, `--filter=${deep}`, 'sched_wakeup']));
    assert.ok(
      line.startsWith('Error: Event sched_wakeup: Invalid filter expression: filter expression nested more than 1024 levels deep (character 1024) (channel '),
      line.slice(0, 200),
    );
  }
  assert.equal(await h.ok(['enable-event', '-k', '--filter=prev_tid == 0', 'sched_wakeup']), "Event sched_wakeup: Filter 'prev_tid == 0' successfully set\n");
});
