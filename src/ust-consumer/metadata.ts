// The `metadata` text of one user-space trace directory, from the layout the
// app side defines (src/ust/ctf-layout.ts). The registry rewrites it whole
// (the trace output makes that atomic) whenever it learns new event classes.
import type { ClockClass } from '../ctf/model.js';
import type { UstContextName, UstEventDecl } from '../ust/protocol.js';
import { ustEnv, ustEventClass, ustMetadata, ustStreamClass, ustTraceClass } from '../ust/ctf-layout.js';

export interface UstTraceMetadata {
  /** 32 hex digits */
  uuid: string;
  sessionName: string;
  uid: number;
  buffers: 'uid' | 'pid';
  app?: { pid: number; procname: string; registeredAt: Date };
  created: Date;
  clock: ClockClass;
  streams: { id: number; channel: string; contexts: UstContextName[]; events: { id: number; decl: UstEventDecl }[] }[];
}

export function ustMetadataText(m: UstTraceMetadata): string {
  const env = ustEnv({
    traceName: m.sessionName,
    buffers: m.buffers,
    bufferingId: m.buffers === 'pid' ? (m.app?.pid ?? 0) : m.uid,
    procname: m.app?.procname,
    vpidDatetime: m.app?.registeredAt,
    created: m.created,
  });
  const streams = m.streams.map((s) => ustStreamClass(s.id, m.clock, s.contexts, s.events.map((e) => ustEventClass(e.decl, e.id, s.id))));
  return ustMetadata(ustTraceClass(m.uuid, env, m.clock, streams));
}
