import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTFError } from '../../src/errors.js';
import { withBlockCache } from '../../src/io/cache.js';
import { withReadCounter } from '../../src/io/counting.js';
import { fromBytes } from '../../src/io/memory.js';
import { readRange } from '../../src/io/read-range.js';
import type { ByteSource } from '../../src/io/types.js';

const data = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);

test('block cache: aligned block reads, hits served from memory', async () => {
  const counter = withReadCounter(fromBytes(data, 'd'));
  const c = withBlockCache(counter, { blockSize: 100, maxBytes: 1000 });
  assert.equal(c.byteLength, 10_000);
  assert.equal(c.name, 'd');
  assert.deepEqual(await readRange(c, 10, 20), data.subarray(10, 20));
  assert.deepEqual(counter.ranges, [[0, 100]]);
  assert.deepEqual(await readRange(c, 50, 99), data.subarray(50, 99));
  assert.equal(counter.reads, 1);
  // Spanning blocks 0..2: only the missing 1..2 are fetched, in one read.
  assert.deepEqual(await readRange(c, 90, 250), data.subarray(90, 250));
  assert.deepEqual(counter.ranges, [
    [0, 100],
    [100, 300],
  ]);
  // Last (short) block.
  assert.deepEqual(await readRange(c, 9950, 10_000), data.subarray(9950));
  assert.deepEqual(counter.ranges.at(-1), [9900, 10_000]);
});

test('block cache: concurrent requests for one block share a read', async () => {
  const counter = withReadCounter(fromBytes(data));
  const c = withBlockCache(counter, { blockSize: 256, maxBytes: 4096 });
  const got = await Promise.all([readRange(c, 0, 10), readRange(c, 5, 200), readRange(c, 100, 256)]);
  assert.equal(counter.reads, 1);
  assert.deepEqual(got[1], data.subarray(5, 200));
});

test('block cache: LRU eviction keeps memory bounded; big reads bypass', async () => {
  const counter = withReadCounter(fromBytes(data));
  const c = withBlockCache(counter, { blockSize: 100, maxBytes: 300 });
  for (let b = 0; b < 5; b++) await readRange(c, b * 100, b * 100 + 1);
  assert.equal(counter.reads, 5);
  await readRange(c, 400, 401); // most recent: hit
  await readRange(c, 300, 301); // hit
  assert.equal(counter.reads, 5);
  await readRange(c, 0, 1); // evicted: miss
  assert.equal(counter.reads, 6);
  await readRange(c, 1000, 3000); // > maxBytes / 2: direct
  assert.deepEqual(counter.ranges.at(-1), [1000, 3000]);
  await readRange(c, 1000, 3000);
  assert.equal(counter.reads, 8);
});

test('block cache: a failed read is not cached; errors pass through', async () => {
  let fail = true;
  const flaky: ByteSource = {
    byteLength: 1000,
    name: 'flaky',
    slice: async (s, e) => {
      if (fail) throw new Error('boom');
      return data.subarray(s, e);
    },
  };
  const c = withBlockCache(flaky, { blockSize: 100 });
  await assert.rejects(readRange(c, 0, 10), /boom/);
  fail = false;
  assert.deepEqual(await readRange(c, 0, 10), data.subarray(0, 10));
  const short: ByteSource = { byteLength: 1000, name: 'short', slice: (s, e) => data.subarray(s, e - 1) };
  await assert.rejects(readRange(withBlockCache(short), 0, 10), (e: unknown) => isTFError(e, 'DATA_LOSS'));
});

test('block cache: invalid options', () => {
  assert.throws(() => withBlockCache(fromBytes(data), { blockSize: 0 }), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => withBlockCache(fromBytes(data), { maxBytes: -1 }), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT'));
});

test('block cache: close closes the wrapped source', async () => {
  let closed = 0;
  const src: ByteSource = { ...fromBytes(data), close: async () => void closed++ };
  await withBlockCache(src).close?.();
  assert.equal(closed, 1);
});
