// The daemon's operation queue: operations that change state run one at a
// time, in the order they came (a control connection may not see another's
// half-done change); reads do not wait.
export class OpQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every operation queued before it, failed or not. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
