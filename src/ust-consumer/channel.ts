// A user-space channel of a session (attributes, event rules, contexts), and
// the rule records as the control protocol shows them.
import type { ChannelAttributes, EventRuleInfo, LoglevelCriterion } from '../ctl/protocol.js';
import type { UstContextName } from '../ust/protocol.js';
import type { UstRule } from './rules.js';

export class UstChannel {
  enabled = true;
  /** oldest first */
  rules: UstRule[] = [];
  contexts: UstContextName[] = [];
  constructor(
    readonly name: string,
    readonly attrs: ChannelAttributes,
  ) {}
}

export function ruleInfo(r: UstRule): EventRuleInfo {
  const i: EventRuleInfo = { kind: 'tracepoint', name: r.pattern, enabled: r.enabled };
  if (r.filter !== undefined) i.filter = r.filter;
  if (r.loglevel) i.loglevel = { ...r.loglevel };
  if (r.exclusions.length) i.exclusions = [...r.exclusions];
  return i;
}

export function makeRule(name: string, filter: string | undefined, loglevel: LoglevelCriterion | undefined, exclusions: string[] | undefined): UstRule {
  const r: UstRule = { pattern: name, enabled: true, exclusions: exclusions ? [...exclusions] : [] };
  if (filter !== undefined) r.filter = filter;
  if (loglevel) r.loglevel = { ...loglevel };
  return r;
}
