// The one event shape the analyses read: a source (a CTF trace today, a live
// session later) adapts its decoded events to it.

/** a decoded field: integers (bigint past 2^53), strings (text arrays too), arrays */
export type FieldValue = number | bigint | string | readonly FieldValue[];

export interface AnalysisEvent {
  /** event class name, e.g. `sched_switch`, `syscall_entry_read` */
  readonly name: string;
  /** nanoseconds since the source's origin (`baseNs`): exact while spans stay below 2^53 ns */
  readonly ts: number;
  /** `cpu_id` of the packet context, -1 when the stream has none */
  readonly cpu: number;
  /** a payload field by name (without the leading `_` of LTTng's metadata) */
  field(name: string): FieldValue | undefined;
  /** a context field (event context, then stream event context) */
  context(name: string): FieldValue | undefined;
}

/** a field wherever it is, as babeltrace 1's `event[name]` looks it up (payload first) */
export function lookup(ev: AnalysisEvent, name: string): FieldValue | undefined {
  if (name === 'cpu_id') return ev.field(name) ?? ev.context(name) ?? (ev.cpu >= 0 ? ev.cpu : undefined);
  return ev.field(name) ?? ev.context(name);
}

/** A field the analysis cannot go on without (lttng-analyses stops with a KeyError). */
export class MissingFieldError extends Error {
  constructor(readonly event: string, readonly fieldName: string) {
    super(`'${fieldName}'`);
    this.name = 'MissingFieldError';
  }
}

/** an integer field (payload, then contexts); throws MissingFieldError */
export function int(ev: AnalysisEvent, name: string): number {
  const v = lookup(ev, name);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === undefined) throw new MissingFieldError(ev.name, name);
  return Number.NaN;
}

/** a text field (payload, then contexts); throws MissingFieldError */
export function str(ev: AnalysisEvent, name: string): string {
  const v = lookup(ev, name);
  if (typeof v === 'string') return v;
  if (v === undefined) throw new MissingFieldError(ev.name, name);
  return String(v);
}
