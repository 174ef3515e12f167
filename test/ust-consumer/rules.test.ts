// User-space rule matching (pure): LTTng's star globs, exclusions, log level criteria.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelFilters, ruleMatches } from '../../src/ust-consumer/rules.js';
import { globMatch, isGlob } from '../../src/filter/glob.js';
import { loglevelName, parseLoglevel } from '../../src/ctl/loglevels.js';
import type { UstRule } from '../../src/ust-consumer/rules.js';

test('star globs match anywhere; \\* is a literal star', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'a:b', true],
    ['app:*', 'app:tick', true],
    ['app:*', 'ap:tick', false],
    ['*:tick', 'app:tick', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxcyyb', false],
    ['a*a', 'a', false],
    ['app:tick', 'app:tick', true],
    ['app:tick', 'app:tickx', false],
    ['app:\\*', 'app:*', true],
    ['app:\\*', 'app:x', false],
  ];
  for (const [p, n, want] of cases) assert.equal(globMatch(p, n), want, `${p} ~ ${n}`);
  assert.equal(isGlob('a*'), true);
  assert.equal(isGlob('a\\*'), false);
});

test('exclusions, log level ranges and single levels', () => {
  const r = (o: Partial<UstRule>): UstRule => ({ pattern: '*', enabled: true, exclusions: [], ...o });
  const tick = { name: 'app:tick', loglevel: 6 };
  assert.equal(ruleMatches(r({ exclusions: ['app:t*'] }), tick), false);
  assert.equal(ruleMatches(r({ exclusions: ['app:x'] }), tick), true);
  assert.equal(ruleMatches(r({ loglevel: { type: 'range', level: 6 } }), tick), true);
  assert.equal(ruleMatches(r({ loglevel: { type: 'range', level: 4 } }), tick), false);
  assert.equal(ruleMatches(r({ loglevel: { type: 'single', level: 6 } }), tick), true);
  assert.equal(ruleMatches(r({ loglevel: { type: 'single', level: 7 } }), tick), false);
  assert.equal(ruleMatches(r({ enabled: false }), tick), false);
  // any rule without a filter records always; else the filters of the matching rules
  assert.equal(channelFilters([r({ filter: 'a == 1' }), r({})], tick), null);
  assert.deepEqual(channelFilters([r({ filter: 'a == 1' }), r({ filter: 'b == 2' }), r({ pattern: 'x', filter: 'c' })], tick), ['a == 1', 'b == 2']);
  assert.equal(channelFilters([r({ pattern: 'other:*' })], tick), undefined);
});

test('log level names as lttng reads and prints them', () => {
  assert.equal(parseLoglevel('WARNING'), 4);
  assert.equal(parseLoglevel('trace_info'), 6);
  assert.equal(parseLoglevel('TRACE_DEBUG_LINE'), 13);
  assert.equal(parseLoglevel('14'), 14);
  assert.equal(parseLoglevel('15'), undefined);
  assert.equal(parseLoglevel('BLAH'), undefined);
  assert.equal(loglevelName(0), 'TRACE_EMERG');
  assert.equal(loglevelName(14), 'TRACE_DEBUG');
});
