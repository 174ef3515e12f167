// The relay's file-system seam (an OutputFs for src/output): every path it is
// asked to create, open, rename or remove must lie under the output root, also
// once symbolic links on the way are followed, or the call fails. Names are
// checked before they become paths (names.ts); this is the second fence, in the
// one place all writes pass. Failures are counted (disk full, permissions), so
// the relay can report them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeFs, type OutputFs } from '../output/index.js';
import { isUnder } from './names.js';

export class ConfinementError extends Error {
  override readonly name = 'ConfinementError';
}

export interface ConfinedFs extends OutputFs {
  readonly root: string;
  /** file-system calls that failed (disk full, permissions, confinement) */
  readonly failures: number;
}

/**
 * An OutputFs confined to `root` (created if missing). `noIndex`: index files
 * (`…/index/*.idx`) and their directory are not created and writes to them go
 * nowhere, for sessions whose peer sends no index (snapshots, as lttng-relayd).
 */
export function confinedFs(root: string, opts: { noIndex?: boolean; base?: OutputFs | undefined } = {}): ConfinedFs {
  const base = opts.base ?? nodeFs;
  fs.mkdirSync(root, { recursive: true });
  const realRoot = fs.realpathSync(root);
  const absRoot = path.resolve(root);
  const nullFds = new Set<number>();
  let nextNull = -2;
  let failures = 0;

  /** the path, once checked: lexically under the root, and its nearest existing ancestor really is */
  const check = (p: string): string => {
    const abs = path.resolve(p);
    if (!isUnder(absRoot, abs) || abs === absRoot) throw new ConfinementError(`refusing ${abs}: not under ${absRoot}`);
    let probe = abs;
    for (;;) {
      let real: string | undefined;
      try {
        real = fs.realpathSync(probe);
      } catch {
        real = undefined;
      }
      if (real !== undefined) {
        // the target itself may be a link only if it resolves inside too
        if (!isUnder(realRoot, real)) throw new ConfinementError(`refusing ${abs}: ${probe} leads out of ${absRoot}`);
        return abs;
      }
      const up = path.dirname(probe);
      if (up === probe) throw new ConfinementError(`refusing ${abs}: no existing ancestor`);
      probe = up;
    }
  };
  const isIndex = (p: string): boolean => opts.noIndex === true && (path.basename(p) === 'index' || path.basename(path.dirname(p)) === 'index');
  const counted = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      failures++;
      throw e;
    }
  };

  return {
    root: absRoot,
    get failures() {
      return failures;
    },
    mkdir: (dir) => counted(() => (isIndex(dir) || path.resolve(dir) === absRoot ? undefined : base.mkdir(check(dir)))),
    openWrite: (file, mode) =>
      counted(() => {
        if (isIndex(file)) {
          const fd = nextNull--;
          nullFds.add(fd);
          return fd;
        }
        return base.openWrite(check(file), mode);
      }),
    write: (fd, data, offset, length, position) => (nullFds.has(fd) ? length : counted(() => base.write(fd, data, offset, length, position))),
    close: (fd) => {
      if (nullFds.delete(fd)) return;
      counted(() => base.close(fd));
    },
    writeFile: (file, data, mode) => counted(() => base.writeFile(check(file), data, mode)),
    appendFile: (file, data) => counted(() => base.appendFile(check(file), data)),
    rename: (from, to) => counted(() => base.rename(check(from), check(to))),
    remove: (target) => counted(() => base.remove(check(target))),
    exists: (target) => base.exists(target),
    readFile: (file) => base.readFile(check(file)),
    list: (dir) => base.list(dir),
    size: (file) => base.size(file),
  };
}
