// The one seam through which the local-files output touches the file system.
// Everything that creates, writes, renames or removes a trace file goes
// through an OutputFs, so that a caller can swap it in one place (e.g. to
// create the files with a session owner's uid/gid, or refuse to follow
// symbolic links) without touching the writers.
import * as fs from 'node:fs';

export interface OutputFs {
  /** creates `dir` and its missing parents (no error when it exists) */
  mkdir(dir: string): void;
  /** creates or truncates `file` for writing; returns its descriptor */
  openWrite(file: string, mode?: number): number;
  /** writes `length` bytes of `data` from `offset`, at `position` (null: the current position); returns the bytes written */
  write(fd: number, data: Uint8Array, offset: number, length: number, position: number | null): number;
  close(fd: number): void;
  /** creates or replaces `file` with `data` */
  writeFile(file: string, data: Uint8Array | string, mode?: number): void;
  /** appends to `file`, creating it when missing */
  appendFile(file: string, data: Uint8Array | string): void;
  rename(from: string, to: string): void;
  /** removes a file or a whole tree; nothing when it does not exist */
  remove(target: string): void;
  exists(target: string): boolean;
  readFile(file: string): Buffer;
  /** entries of `dir`; throws when it cannot be read */
  list(dir: string): fs.Dirent[];
  /** size of a regular file */
  size(file: string): number;
}

/** node:fs itself (the default) */
export const nodeFs: OutputFs = {
  mkdir: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  openWrite: (file, mode) => fs.openSync(file, 'w', mode),
  write: (fd, data, offset, length, position) => fs.writeSync(fd, data, offset, length, position),
  close: (fd) => fs.closeSync(fd),
  writeFile: (file, data, mode) => fs.writeFileSync(file, data, mode === undefined ? undefined : { mode }),
  appendFile: (file, data) => fs.appendFileSync(file, data),
  rename: (from, to) => fs.renameSync(from, to),
  remove: (target) => fs.rmSync(target, { recursive: true, force: true }),
  exists: (target) => fs.existsSync(target),
  readFile: (file) => fs.readFileSync(file),
  list: (dir) => fs.readdirSync(dir, { withFileTypes: true }),
  size: (file) => fs.statSync(file).size,
};
