import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTFError } from '../../src/errors.js';
import { readAll, readRange } from '../../src/io/read-range.js';
import { withReadCounter } from '../../src/io/counting.js';
import { fromBytes } from '../../src/io/memory.js';
import type { ByteSource } from '../../src/io/types.js';
import { forEachSourceKind, SOURCE_KINDS } from '../helpers/sources.js';

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

test('every source kind returns exactly the requested bytes', async () => {
  const data = pattern(5000);
  const seen: string[] = [];
  await forEachSourceKind('pattern.bin', data, async (src, kind) => {
    seen.push(kind);
    assert.equal(src.byteLength, 5000);
    assert.deepEqual(await readAll(src), data);
    for (const [s, e] of [
      [0, 0],
      [0, 1],
      [1, 2],
      [63, 65],
      [64, 128],
      [100, 4000],
      [4999, 5000],
      [5000, 5000],
      [0, 5000],
    ] as const) {
      assert.deepEqual(await readRange(src, s, e), data.subarray(s, e), `[${s}, ${e})`);
    }
    // Concurrent reads of overlapping ranges.
    const ranges = Array.from({ length: 40 }, (_, i) => [i * 97, i * 97 + 300] as const);
    const got = await Promise.all(ranges.map(([s, e]) => readRange(src, s, e)));
    ranges.forEach(([s, e], i) => assert.deepEqual(got[i], data.subarray(s, e)));
  });
  assert.deepEqual(seen, [...SOURCE_KINDS]);
});

test('readRange rejects out-of-range reads with OutOfRangeError naming the source', async () => {
  await forEachSourceKind('small.bin', pattern(10), async (src) => {
    for (const [s, e] of [
      [-1, 2],
      [0, 11],
      [5, 4],
      [11, 11],
      [0.5, 2],
      [Number.NaN, 3],
    ] as const) {
      await assert.rejects(readRange(src, s, e), (err: unknown) => {
        assert.ok(isTFError(err, 'OUT_OF_RANGE'), String(err));
        assert.match((err as Error).message, /small\.bin|127\.0\.0\.1/);
        return true;
      });
    }
  });
});

test('empty sources', async () => {
  await forEachSourceKind('empty.bin', new Uint8Array(0), async (src) => {
    assert.equal(src.byteLength, 0);
    assert.equal((await readAll(src)).length, 0);
    await assert.rejects(readRange(src, 0, 1), (e: unknown) => isTFError(e, 'OUT_OF_RANGE'));
  });
});

test('a short read from a lying source is DataLossError with the offset and both lengths', async () => {
  const liar: ByteSource = { byteLength: 100, name: 'liar.bin', slice: (s, e) => new Uint8Array(Math.max(0, e - s - 3)) };
  await assert.rejects(readRange(liar, 10, 20), (e: unknown) => {
    assert.ok(isTFError(e, 'DATA_LOSS'));
    assert.equal((e as { offset?: number }).offset, 10);
    assert.equal((e as { file?: string }).file, 'liar.bin');
    assert.match((e as Error).message, /got 7 bytes.*\[10, 20\).*10 expected/);
    return true;
  });
  const longer: ByteSource = { byteLength: 100, slice: (s, e) => new ArrayBuffer(e - s + 1) };
  await assert.rejects(readRange(longer, 0, 4), (e: unknown) => isTFError(e, 'DATA_LOSS'));
});

test('readRange returns the source Uint8Array without copying; wraps ArrayBuffers', async () => {
  const data = pattern(100);
  const src = fromBytes(data);
  const got = await readRange(src, 10, 20);
  assert.equal(got.buffer, data.buffer);
  assert.equal(got.byteOffset, 10);
  const ab: ByteSource = { byteLength: 4, slice: () => new Uint8Array([1, 2, 3, 4]).buffer };
  assert.deepEqual(await readRange(ab, 0, 4), new Uint8Array([1, 2, 3, 4]));
});

test('withReadCounter counts reads, bytes and ranges', async () => {
  const c = withReadCounter(fromBytes(pattern(1000), 'x'));
  assert.equal(c.name, 'x');
  await readRange(c, 0, 10);
  await readRange(c, 500, 1000);
  await readRange(c, 3, 3); // empty reads never reach the source
  assert.equal(c.reads, 2);
  assert.equal(c.bytesRead, 510);
  assert.deepEqual(c.ranges, [
    [0, 10],
    [500, 1000],
  ]);
  c.reset();
  assert.equal(c.reads, 0);
  assert.deepEqual(c.ranges, []);
});
