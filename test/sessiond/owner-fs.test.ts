// OwnerFs: files made with the client's identity, never through a link it planted.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OwnerFs, OwnerFsError } from '../../src/sessiond/owner-fs.js';
import { credentialsOf } from '../../src/sessiond/runas.js';
import { needs } from '../helpers.js';
import { noTestUser, tracingUser } from '../users.js';
import type { TestUser } from '../users.js';

const why = noTestUser();

describe('OwnerFs as a non-root member of tracing', { skip: needs(why) }, () => {
  let u: TestUser;
  let ofs: OwnerFs;
  let tmp: string;
  before(() => {
    u = tracingUser();
    ofs = new OwnerFs({ uid: u.uid, gid: u.gid, groups: [u.gid, u.tracingGid] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ownerfs-'));
    fs.chmodSync(tmp, 0o1777);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('folders 0750 and files 0640, owned by the client', () => {
    const d = path.join(tmp, 'a', 'b');
    ofs.mkdirs(d);
    const st = fs.statSync(d);
    assert.equal(st.uid, u.uid);
    assert.equal(st.mode & 0o777, 0o750);
    const fd = ofs.openWrite(path.join(d, 'f'));
    fs.writeSync(fd, 'x');
    fs.closeSync(fd);
    const fst = fs.statSync(path.join(d, 'f'));
    assert.deepEqual([fst.uid, fst.gid, fst.mode & 0o777], [u.uid, u.gid, 0o640]);
    assert.equal(process.getuid?.(), 0, 'the process keeps its identity');
    const me = fs.statSync(fs.mkdtempSync(path.join(tmp, 'root-')));
    assert.equal(me.uid, 0, 'the thread is back to root afterwards');
  });

  test('a link planted at the file or in the path is refused, and its target untouched', () => {
    const victim = path.join(tmp, 'victim.txt');
    fs.writeFileSync(victim, 'secret');
    fs.chmodSync(victim, 0o600);
    const d = path.join(tmp, 'o', 'kernel');
    ofs.mkdirs(d);
    fs.symlinkSync(victim, path.join(d, 'metadata'));
    fs.lchownSync(path.join(d, 'metadata'), u.uid, u.gid);
    assert.throws(() => ofs.openWrite(path.join(d, 'metadata')), (e: unknown) => e instanceof OwnerFsError && /symbolic link|Permission/.test(e.message));
    fs.symlinkSync('/etc', path.join(tmp, 'etc-link'));
    fs.lchownSync(path.join(tmp, 'etc-link'), u.uid, u.gid);
    assert.throws(() => ofs.mkdirs(path.join(tmp, 'etc-link', 'x')), /Refusing to follow a symbolic link/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'secret');
    assert.ok(!fs.existsSync('/etc/x'));
  });

  test('the kernel checks permissions as the client: /etc, /root and root-only files are refused', () => {
    assert.throws(() => ofs.mkdirs('/etc/ttng-should-not-exist'), /Permission denied/);
    assert.ok(!fs.existsSync('/etc/ttng-should-not-exist'));
    assert.throws(() => ofs.readFile('/etc/shadow'), /Permission denied: \/etc\/shadow/);
    assert.throws(() => ofs.readdir('/root'), /Permission denied: \/root/);
    assert.throws(() => ofs.writeFileAtomic('/etc/cron.d/x.lttng', 'x'), /Permission denied/);
  });

  test('credentialsOf reads the supplementary groups of a process', () => {
    const c = credentialsOf(process.pid, 0, 0);
    assert.deepEqual(c.groups.sort(), (process.getgroups?.() ?? []).sort());
  });
});
