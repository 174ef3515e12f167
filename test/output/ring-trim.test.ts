// The pure arithmetic of src/output: the trace-file ring and snapshot trimming.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needsNextFile, nextTracefile, tracefileName, tracefileRing } from '../../src/output/ring.js';
import { newestWithin } from '../../src/output/trim.js';

test('ring: only with a size; files named <name>_<k>', () => {
  assert.equal(tracefileRing(undefined, 4), undefined);
  assert.equal(tracefileRing(0, 4), undefined);
  assert.deepEqual(tracefileRing(4096, undefined), { size: 4096, count: 0 });
  assert.equal(tracefileName('chan_0', undefined, 3), 'chan_0');
  assert.equal(tracefileName('chan_0', { size: 1, count: 0 }, 3), 'chan_0_3');
});

test('ring: the next file begins before a packet would pass the size, never for the first packet of a file', () => {
  const r = { size: 1000, count: 2 };
  assert.equal(needsNextFile(undefined, 900, 200), false);
  assert.equal(needsNextFile(r, 0, 5000), false, 'a packet larger than the size still goes in an empty file');
  assert.equal(needsNextFile(r, 800, 200), false, 'exactly full');
  assert.equal(needsNextFile(r, 801, 200), true);
});

test('ring: wraps with a count, grows without one', () => {
  assert.deepEqual([0, 1, 2].map((k) => nextTracefile({ size: 1, count: 3 }, k)), [1, 2, 0]);
  assert.equal(nextTracefile({ size: 1, count: 0 }, 41), 42);
});

test('trimming: the newest packets whose bytes, entries and the index header fit', () => {
  // 16 (header) + 3 × (100 + 72) = 532
  assert.deepEqual(newestWithin([100, 100, 100, 100], 532), { from: 1, bytes: 532 });
  assert.deepEqual(newestWithin([100, 100, 100, 100], 531), { from: 2, bytes: 360 });
  // the newest packet first: an older small one is not taken past a large one that did not fit
  assert.deepEqual(newestWithin([10, 500, 10], 200), { from: 2, bytes: 98 });
});

test('trimming: no budget keeps everything; the newest packet is kept even alone too large; nothing from nothing', () => {
  assert.deepEqual(newestWithin([1, 2, 3], 0), { from: 0, bytes: 16 + 6 + 3 * 72 });
  assert.deepEqual(newestWithin([100, 5000], 1000), { from: 1, bytes: 16 + 5000 + 72 });
  assert.deepEqual(newestWithin([], 1000), { from: 0, bytes: 16 });
});

test('trimming: entry size as the index file says', () => {
  assert.deepEqual(newestWithin([100, 100], 16 + 2 * 156, 56), { from: 0, bytes: 328 });
});
