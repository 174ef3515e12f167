// User-space event rules (pure): LTTng's star globs, exclusions and log level
// criteria, matched against the events apps declare.
import type { LoglevelCriterion } from '../ctl/protocol.js';
import type { UstEventDecl } from '../ust/protocol.js';
import { globMatch } from '../filter/glob.js';

export interface UstRule {
  /** name or star-glob pattern */
  pattern: string;
  enabled: boolean;
  filter?: string;
  loglevel?: LoglevelCriterion;
  /** names or patterns excluded from `pattern` */
  exclusions: string[];
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
