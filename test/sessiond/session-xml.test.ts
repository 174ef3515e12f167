// `ttng save` / `ttng load`'s format (src/sessiond/session-xml.ts): the text
// written is the one ttng has always written (session-xml/*.lttng), uses only
// LTTng's element names and validates against LTTng 2.13's session.xsd; the
// reader takes any input (fuzzed) to a session or to a one-line error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAX_XML_DEPTH, parseSessionsXml, parseXml, sessionToXml, SessionXmlError } from '../../src/sessiond/session-xml.js';
import { CASES } from './session-xml/cases.js';
import { needs } from '../helpers.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'session-xml');
/** lttng-tools 2.13's src/common/config/session.xsd (MIT), as Debian's liblttng-ctl0 installs it */
const XSD = path.join(DIR, 'session.xsd');
const expected = (name: string): string => fs.readFileSync(path.join(DIR, `${name}.lttng`), 'utf8');

function elementNames(xml: string): Set<string> {
  const names = new Set<string>();
  const walk = (e: ReturnType<typeof parseXml>): void => {
    names.add(e.tag);
    e.children.forEach(walk);
  };
  walk(parseXml(xml));
  return names;
}

describe('session XML: writing', () => {
  test('byte for byte what ttng wrote before, and it reads back to the same text', () => {
    for (const [name, s] of Object.entries(CASES)) {
      const xml = sessionToXml(s);
      assert.equal(xml, expected(name), name);
      const back = parseSessionsXml(xml);
      assert.equal(back.length, 1);
      assert.equal(sessionToXml(back[0]!), xml, `${name} read back`);
    }
  });

  test("every element written is one of session.xsd's", () => {
    const xsd = new Set([...fs.readFileSync(XSD, 'utf8').matchAll(/<xs:element name="([A-Za-z_]+)"/g)].map((m) => m[1]!));
    assert.ok(xsd.has('sessions') && xsd.has('snapshot_outputs'), 'the schema is read');
    const written = new Set<string>();
    for (const s of Object.values(CASES)) for (const n of elementNames(sessionToXml(s))) written.add(n);
    assert.ok(written.size >= 40, `${written.size} element names written`);
    assert.deepEqual([...written].filter((n) => !xsd.has(n)), []);
  });

  const xmllint = spawnSync('xmllint', ['--version']).status === 0;
  test('xmllint validates it against session.xsd', { skip: needs(!xmllint && 'xmllint (libxml2-utils) is not installed') }, (t) => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env['TMPDIR'] ?? '/tmp'), 'ttng-xsd-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const files = Object.entries(CASES).map(([name, s]) => {
      const f = path.join(dir, `${name}.lttng`);
      fs.writeFileSync(f, sessionToXml(s));
      return f;
    });
    const r = spawnSync('xmllint', ['--noout', '--schema', XSD, ...files], { encoding: 'utf8' });
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, r.stderr);
    for (const f of files) assert.ok(r.stderr.includes(`${f} validates`), r.stderr);
  });
});

describe('session XML: reading', () => {
  const error = (xml: string): string => {
    try {
      parseSessionsXml(xml);
    } catch (e) {
      if (e instanceof SessionXmlError) return e.message;
      throw e;
    }
    assert.fail('no error');
  };

  test('malformed files: one line saying where', () => {
    const cases: [string, string][] = [
      ['<sessions><session><name>b</name></sessio></sessions>', 'line 1: mismatched end tag for <session>'],
      ['<sessions>\n<session>', 'line 2: unterminated element <session>'],
      ['<sessions>\n<session>\n<name>', 'line 3: unterminated element <name>'],
      ['', 'line 1: expected an element'],
      ['<sessions/>\n<sessions/>', 'line 2: content after the root element'],
      ['<sessions/><x/>', 'line 1: content after the root element'],
      ['<sessions/>&#65;', 'content outside the root element <sessions>'],
      ['<![CDATA[x]]><sessions/>', 'content outside the root element <sessions>'],
      ['<sessions>&#x110000;</sessions>', 'invalid character reference &#x110000;'],
      ['<session/>', 'root element is <session>, expected <sessions>'],
      ['<sessions><session><name>a\nb</name><started>maybe\n</started></session></sessions>', '<started>: expected a boolean, got "maybe"'],
      ['<sessions><session><name>a\nb</name><domains><domain><type>JUL</type></domain></domains></session></sessions>', 'session a\\nb: the JUL domain is not supported yet'],
    ];
    for (const [xml, message] of cases) assert.equal(error(xml), message, JSON.stringify(xml));
  });

  test("XML's entities and character references, CDATA, comments; a DOCTYPE's entities stay as written", () => {
    const [s] = parseSessionsXml(
      '<?xml version="1.0"?><!DOCTYPE sessions [<!ENTITY e "x">]><sessions><!-- c --><session><name> a&lt;&#98;&#x63;<![CDATA[&lt;]]>&e; </name></session></sessions>',
    );
    assert.equal(s!.name, 'a<bc&lt;&e;');
  });

  const nested = (depth: number): string => {
    // sessions > session > x > x > …: unknown elements are skipped, but they count
    const inner = depth - 2;
    return `<sessions><session><name>n</name>${'<x>'.repeat(inner)}${'</x>'.repeat(inner)}</session></sessions>`;
  };
  test(`elements nest ${MAX_XML_DEPTH} deep at most, and deeper is an error, not a stack overflow`, () => {
    assert.deepEqual(parseSessionsXml(nested(MAX_XML_DEPTH)), [{ name: 'n', started: false }]);
    assert.equal(error(nested(MAX_XML_DEPTH + 1)), `elements nested more than ${MAX_XML_DEPTH} deep`);
    assert.equal(error(nested(200_000)), `elements nested more than ${MAX_XML_DEPTH} deep`);
    assert.equal(error(`<sessions>${'<x>'.repeat(200_000)}`), 'line 1: unterminated element <x>');
  });

  test('fuzz: 12 000 mutated files give a session or a one-line SessionXmlError, nothing else', () => {
    // mulberry32: seeded, so a failure replays
    let seed = 0x5e55;
    const rnd = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const SNIPPETS = [
      '<', '>', '</', '/>', '<x>', '</x>', '<x/>', '&', '&amp;', '&#65;', '&#x1F600;', '&#x110000;', '&#99999999999;', '&foo;', '&#;',
      '<![CDATA[', ']]>', '<![CDATA[a<b]]>', '<!--', '-->', '<!-- c -->', '<?', '?>', '<?pi x?>', '<!DOCTYPE sessions>',
      '<!DOCTYPE s [<!ENTITY e "&e;&e;">]>', '"', "'", '=', ' a="1"', " a='", '\r\n', '\u0000', '\ufeff', '\ud800', '\u2028', 'é',
      '<session>', '</session>', '<name>', '</name>', '<__proto__>', '<constructor/>', '<domain><type>KERNEL</type>', '<type>UST</type>',
      '<event><type>SYSCALL</type></event>', '<started>2</started>', '<subbuffer_size>-9</subbuffer_size>', '<snapshot_mode>true</snapshot_mode>',
      '<live_timer_interval>1</live_timer_interval>', '<net_output/>', '<time_us>-1</time_us>', '<max_size>x</max_size>',
    ];
    const seeds = Object.keys(CASES).map(expected);
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 12_000; i++) {
      let x = seeds[rnd(seeds.length)]!;
      for (let k = 1 + rnd(4); k > 0; k--) {
        const at = rnd(x.length + 1);
        switch (rnd(5)) {
          case 0:
            x = x.slice(0, at) + SNIPPETS[rnd(SNIPPETS.length)]! + x.slice(at);
            break;
          case 1:
            x = x.slice(0, at) + x.slice(at + 1 + rnd(40));
            break;
          case 2: {
            const from = rnd(x.length);
            x = x.slice(0, at) + x.slice(from, from + rnd(200)) + x.slice(at);
            break;
          }
          case 3:
            x = x.slice(0, at) + String.fromCharCode(rnd(0x80)) + x.slice(at + 1);
            break;
          default:
            x = x.slice(0, at);
        }
      }
      try {
        const sessions = parseSessionsXml(x);
        for (const s of sessions) sessionToXml(s);
        parsed++;
      } catch (e) {
        if (!(e instanceof SessionXmlError)) assert.fail(`input ${i}: ${(e as Error)?.stack ?? String(e)}\n${JSON.stringify(x)}`);
        assert.match(e.message, /^[^\r\n\u2028\u2029]{1,300}$/, `input ${i}: ${JSON.stringify(e.message)}`);
        refused++;
      }
    }
    // both outcomes are exercised
    assert.ok(parsed > 100 && refused > 100, `${parsed} parsed, ${refused} refused`);
  });
});
