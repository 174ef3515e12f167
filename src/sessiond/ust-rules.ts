// User-space event rules (pure): LTTng's star globs, exclusions and log level
// criteria, matched against the events apps declare.
import type { LoglevelCriterion } from '../ctl/protocol.js';
import { UST_LOGLEVELS } from '../ust/protocol.js';
import type { UstEventDecl } from '../ust/protocol.js';

export interface UstRule {
  /** name or star-glob pattern */
  pattern: string;
  enabled: boolean;
  filter?: string;
  loglevel?: LoglevelCriterion;
  /** names or patterns excluded from `pattern` */
  exclusions: string[];
}

/** `*` anywhere matches any run of characters; `\*` is a literal star (LTTng's strutils_star_glob_match) */
export function globMatch(pattern: string, name: string): boolean {
  // tokens: literal strings between unescaped stars
  const parts: string[] = [''];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) parts[parts.length - 1] += pattern[++i]!;
    else if (c === '*') parts.push('');
    else parts[parts.length - 1] += c;
  }
  if (parts.length === 1) return parts[0] === name;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!name.startsWith(first) || name.length < first.length + last.length || !name.endsWith(last)) return false;
  let pos = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (p === '') continue;
    const at = name.indexOf(p, pos);
    if (at < 0 || at + p.length > end) return false;
    pos = at + p.length;
  }
  return true;
}

/** has an unescaped `*` */
export function isGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '*') return true;
  }
  return false;
}

export function loglevelMatches(c: LoglevelCriterion | undefined, level: number): boolean {
  if (!c) return true;
  // lower numbers are more severe: `--loglevel WARNING` takes WARNING and worse
  return c.type === 'single' ? level === c.level : level <= c.level;
}

/** the rule records this event (ignoring its filter, which the app evaluates) */
export function ruleMatches(r: UstRule, e: Pick<UstEventDecl, 'name' | 'loglevel'>): boolean {
  if (!r.enabled || !globMatch(r.pattern, e.name)) return false;
  if (r.exclusions.some((x) => globMatch(x, e.name))) return false;
  return loglevelMatches(r.loglevel, e.loglevel);
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** two rules LTTng would call the same event (name, filter, log level, exclusions) */
export function sameRule(a: UstRule, b: UstRule): boolean {
  return (
    a.pattern === b.pattern &&
    a.filter === b.filter &&
    a.loglevel?.type === b.loglevel?.type &&
    a.loglevel?.level === b.loglevel?.level &&
    sameList([...a.exclusions].sort(), [...b.exclusions].sort())
  );
}

/**
 * The filters under which an event goes to a channel, given the channel's
 * rules: undefined = not recorded, null = recorded always (a matching rule
 * has no filter), else record when any of these passes.
 */
export function channelFilters(rules: UstRule[], e: Pick<UstEventDecl, 'name' | 'loglevel'>): string[] | null | undefined {
  let filters: string[] | null | undefined;
  for (const r of rules) {
    if (!ruleMatches(r, e)) continue;
    if (r.filter === undefined) return null;
    filters ??= [];
    if (!filters.includes(r.filter)) filters.push(r.filter);
  }
  return filters;
}

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
