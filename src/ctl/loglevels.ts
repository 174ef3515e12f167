// Log-level names shared by the CLI, the daemon and the apps: LTTng-UST's
// levels (lttng-ust/ust-tracepoint-event.h), with lttng's TRACE_ names.

/** LTTng-UST log levels (`--loglevel` names without the TRACE_ prefix) */
export const UST_LOGLEVELS = {
  EMERG: 0,
  ALERT: 1,
  CRIT: 2,
  ERR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG_SYSTEM: 7,
  DEBUG_PROGRAM: 8,
  DEBUG_PROCESS: 9,
  DEBUG_MODULE: 10,
  DEBUG_UNIT: 11,
  DEBUG_FUNCTION: 12,
  DEBUG_LINE: 13,
  DEBUG: 14,
} as const;
export type UstLoglevelName = keyof typeof UST_LOGLEVELS;
/** an event declared without a log level gets TRACE_DEFAULT (= DEBUG_LINE), as in LTTng-UST */
export const UST_DEFAULT_LOGLEVEL = UST_LOGLEVELS.DEBUG_LINE;

const LEVEL_NAMES = Object.keys(UST_LOGLEVELS) as (keyof typeof UST_LOGLEVELS)[];

/** `TRACE_WARNING` for 4 (lttng's names) */
export function loglevelName(level: number): string {
  const n = LEVEL_NAMES.find((k) => UST_LOGLEVELS[k] === level);
  return n ? `TRACE_${n}` : `<<UNKNOWN>>`;
}

/**
 * lttng's loglevel_str_to_value: a name with or without `TRACE_` (any case),
 * or a number. Undefined when unknown.
 */
export function parseLoglevel(s: string): number | undefined {
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    return n <= UST_LOGLEVELS.DEBUG ? n : undefined;
  }
  const u = s.toUpperCase().replace(/^TRACE_/, '');
  return Object.prototype.hasOwnProperty.call(UST_LOGLEVELS, u) ? UST_LOGLEVELS[u as keyof typeof UST_LOGLEVELS] : undefined;
}
