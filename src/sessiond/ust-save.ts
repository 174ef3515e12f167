// `save` / `load` of a session's user-space domain (session-xml.ts holds the format).
import { CtlError } from '../ctl/protocol.js';
import type { Params, Result } from '../ctl/protocol.js';
import type { SavedSession } from './session-xml.js';
import type { UstSession } from '../ust-consumer/session.js';

export function savedUst(u: UstSession): NonNullable<SavedSession['ust']> {
  return {
    buffers: u.buffers,
    channels: u.channels.map((c) => ({
      name: c.name,
      enabled: c.enabled,
      attributes: { ...c.attrs },
      events: c.rules.map((r) => {
        const e: NonNullable<SavedSession['ust']>['channels'][number]['events'][number] = { kind: 'tracepoint', name: r.pattern, enabled: r.enabled };
        if (r.filter !== undefined) e.filter = r.filter;
        if (r.loglevel) e.loglevel = { ...r.loglevel };
        if (r.exclusions.length) e.exclusions = [...r.exclusions];
        return e;
      }),
      contexts: [...c.contexts],
    })),
  };
}

/** the operations a load goes through (SessionManager's, queued) */
export interface UstLoadTarget {
  enableChannel(p: Params<'channel.enable'>): Promise<unknown>;
  enableEvent(p: Params<'event.enable'>): Promise<Result<'event.enable'>>;
  disableEvent(p: Params<'event.disable'>): Promise<Result<'event.disable'>>;
  addContext(p: Params<'context.add'>): Promise<Result<'context.add'>>;
}

export async function applySavedUst(m: UstLoadTarget, session: string, u: NonNullable<SavedSession['ust']>): Promise<void> {
  for (const c of u.channels) {
    await m.enableChannel({ session, domain: 'ust', name: c.name, attributes: c.attributes, buffers: u.buffers });
    for (const e of c.events) {
      await m
        .enableEvent({ session, domain: 'ust', channel: c.name, kind: 'tracepoint', name: e.name, filter: e.filter, loglevel: e.loglevel, exclusions: e.exclusions })
        .catch((err: unknown) => {
          if (!(err instanceof CtlError && err.code === 'UST_EVENT_EXIST')) throw err;
        });
      if (!e.enabled) await m.disableEvent({ session, domain: 'ust', channel: c.name, kind: 'tracepoint', name: e.name });
    }
    for (const t of c.contexts) await m.addContext({ session, domain: 'ust', channel: c.name, type: t });
  }
}
