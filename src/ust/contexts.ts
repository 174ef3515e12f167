// Bytes each `add-context -u` context takes in an event record (shared by the
// app's writers and ctf-layout.ts, kept apart so the app loads no CTF code).
import type { UstContextName } from './protocol.js';

export const CONTEXT_BYTES: Readonly<Record<UstContextName, number>> = {
  vpid: 4, vtid: 4, cpu_id: 4, vuid: 4, vgid: 4, pthread_id: 8, ip: 8, procname: 17,
};
