// The suite's own rules: the processes tests run never see the machine's home
// (~/.ttngrc, ~/.ttng, TTNG_* variables), and a test that needs something the
// machine lacks fails under CI instead of skipping.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { REPO, childEnv, ensureBuilt, run, tempDir, ttng } from './helpers.js';
import { home, oneError } from './sessiond/harness.js';

before(() => ensureBuilt());

describe('hermetic children', () => {
  // a user's home whose ~/.ttngrc names a current session, as this process's HOME and TTNG_HOME
  const user = tempDir('ttng-user-home-');
  fs.writeFileSync(path.join(user.dir, '.ttngrc'), 'session=users-session\n');
  const saved = { HOME: process.env['HOME'], TTNG_HOME: process.env['TTNG_HOME'], TTNG_DEBUG: process.env['TTNG_DEBUG'] };
  before(() => Object.assign(process.env, { HOME: user.dir, TTNG_HOME: user.dir, TTNG_DEBUG: '1' }));
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    user.remove();
  });

  test("the user's ~/.ttngrc names a session: it is read where HOME leads (the fixture works)", async () => {
    const r = await ttng(['view'], 60_000, { HOME: user.dir, TTNG_HOME: user.dir });
    assert.match(oneError(r), /users-session/);
  });

  test("`ttng view` with no path: the helper's child has its own home, not the user's", async () => {
    const r = await ttng(['view']);
    assert.equal(oneError(r), 'Error: no trace path given');
  });

  test("a TestHome's CLI has its own home too", async (t) => {
    const h = home(t);
    assert.equal(oneError(await h.ttng(['view'])), 'Error: no trace path given');
    assert.equal(h.env['HOME'], h.dir);
  });

  test('no TTNG_* variable of the caller reaches a child; HOME and TTNG_HOME are one temporary directory', () => {
    const env = childEnv();
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('TTNG_')), ['TTNG_HOME']);
    assert.equal(env['HOME'], env['TTNG_HOME']);
    assert.notEqual(env['HOME'], user.dir);
    assert.equal(childEnv({ TZ: undefined, X: '1' })['TZ'], undefined);
    assert.equal(childEnv({ X: '1' })['X'], '1');
  });
});

describe('needs()', () => {
  const tmp = tempDir('ttng-needs-');
  after(() => tmp.remove());
  const file = path.join(tmp.dir, 'needs.test.ts');
  fs.writeFileSync(
    file,
    `import { test } from 'node:test';\n` +
      `import { needs } from ${JSON.stringify(pathToFileURL(path.join(REPO, 'test', 'helpers.ts')).href)};\n` +
      `test('wants a tool', { skip: needs('no frobnicator here') }, () => {});\n` +
      `test('wants nothing', { skip: needs(false) }, () => {});\n`,
  );
  // (without NODE_TEST_CONTEXT, which tells node --test it runs inside a test and must not run files)
  const nodeTest = (ci: string | undefined) =>
    run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { env: { CI: ci, NODE_TEST_CONTEXT: undefined } });

  test('outside CI: the test is skipped with its reason, the run passes', async () => {
    const r = await nodeTest(undefined);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok \d+ - wants a tool # SKIP no frobnicator here$/m);
    assert.match(r.stdout, /^ok \d+ - wants nothing$/m);
    assert.match(r.stdout, /^# fail 0$/m);
  });

  test('under CI=true: a test named after the missing need fails', async () => {
    const r = await nodeTest('true');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^not ok \d+ - needs: no frobnicator here$/m);
    assert.match(r.stdout, /^ok \d+ - wants nothing$/m);
    assert.match(r.stdout, /^# fail 1$/m);
  });
});
