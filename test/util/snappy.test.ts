import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTFError, type CodeName } from '../../src/errors.js';
import { fromHex, utf8Encode } from '../../src/util/bytes.js';
import {
  DEFAULT_SNAPPY_MAX_LENGTH,
  snappyCompress,
  snappyDeclaredLength,
  snappyUncompress,
} from '../../src/util/snappy.js';

function is(code: CodeName, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(isTFError(e, code), `expected ${code}, got ${String(e)}`);
    if (re) assert.match((e as Error).message, re);
    return true;
  };
}

function sample(n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = i % 7 === 0 ? (x >>> 16) & 0xff : (i * 3) & 0x3f; // compressible with some noise
  }
  return b;
}

test('round trips through snappyjs, for many sizes', () => {
  for (const n of [0, 1, 4, 60, 61, 255, 256, 1000, 65_536, 70_000, 300_000]) {
    const data = sample(n);
    const c = snappyCompress(data);
    assert.deepEqual(snappyUncompress(c), data, `n=${n}`);
    assert.deepEqual(snappyDeclaredLength(c)[0], n);
    // A Node Buffer input gives a plain Uint8Array result.
    const out = snappyUncompress(Buffer.from(c));
    assert.equal(Buffer.isBuffer(out), false);
  }
});

test('hand-made blocks: literals, 1/2/4-byte offset copies, long literal lengths', () => {
  // "abcd" then copy-1 (len 8, offset 4) -> "abcdabcdabcd"
  assert.deepEqual(snappyUncompress(fromHex('0c 0c 61626364 11 04')), utf8Encode('abcdabcdabcd'));
  // copy-2: len 5 offset 2 after "xy" -> "xyxyxyx"
  assert.deepEqual(snappyUncompress(fromHex('07 04 7879 12 0200')), utf8Encode('xyxyxyx'));
  // copy-4: len 3 offset 1 after "z"
  assert.deepEqual(snappyUncompress(fromHex('04 00 7a 0b 01000000')), utf8Encode('zzzz'));
  // literal with a 1-byte extra length (61 bytes): tag 60<<2, len-1 = 60
  const lit = new Uint8Array(61).fill(0x41);
  assert.deepEqual(snappyUncompress(new Uint8Array([61, 0xf0, 60, ...lit])), lit);
});

test('corrupt blocks are DataLossError naming the source and offset', () => {
  const opts = { source: 'blk.index', baseOffset: 1000 };
  const cases: [string, RegExp][] = [
    ['', /truncated uncompressed-length/],
    ['ff', /truncated uncompressed-length/],
    ['ffffffff1f', /exceeds 32 bits/],
    ['ffffffff8f01', /exceeds 32 bits/],
    ['05 0c 616263', /overruns the input/], // literal of 4, only 3 bytes
    ['04 10 6162636465', /exceeds the declared length/], // 5 literal bytes for a declared 4
    ['08 0c 61626364', /decoded 4 bytes but the header declares 8/],
    ['08 0c 61626364 11', /truncated copy tag/],
    ['08 0c 61626364 11 05', /copy offset 5 outside the 4 bytes/],
    ['08 0c 61626364 11 00', /copy offset 0/],
    ['08 0c 61626364 12 04', /truncated copy tag/],
    ['08 0c 61626364 0f 040000', /truncated copy tag/],
    ['08 f0', /truncated literal length/],
    ['0a 0c 61626364 15 04', /exceeds the declared length/],
  ];
  for (const [hex, re] of cases) {
    assert.throws(() => snappyUncompress(fromHex(hex), opts), (e: unknown) => {
      assert.ok(isTFError(e, 'DATA_LOSS'), `${hex}: ${String(e)}`);
      assert.match((e as Error).message, re, hex);
      assert.match((e as Error).message, /blk\.index at offset \d+/);
      assert.equal((e as { file?: string }).file, 'blk.index');
      assert.ok(((e as { offset?: number }).offset ?? 0) >= 1000);
      return true;
    });
  }
});

test('every truncation and every single-byte corruption of a real block is rejected or decodes to the declared length', () => {
  const data = sample(3000);
  const c = snappyCompress(data);
  for (let cut = 0; cut < c.length; cut++) {
    assert.throws(() => snappyUncompress(c.subarray(0, cut)), is('DATA_LOSS'), `cut ${cut}`);
  }
  for (let i = 0; i < c.length; i += 3) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const bad = c.slice();
      bad[i]! ^= flip;
      try {
        const out = snappyUncompress(bad);
        assert.equal(out.length, snappyDeclaredLength(bad)[0]); // a valid-looking block: never short or padded
      } catch (e) {
        assert.ok(isTFError(e, 'DATA_LOSS') || isTFError(e, 'RESOURCE_EXHAUSTED'), String(e));
      }
    }
  }
});

test('declared length is checked before allocating: maxLength and impossible expansion', () => {
  // Declares 2^32-1 bytes with a 1-byte body.
  assert.throws(() => snappyUncompress(fromHex('ffffffff0f 00')), is('RESOURCE_EXHAUSTED', /4294967295 .* limit of 67108864/));
  assert.equal(DEFAULT_SNAPPY_MAX_LENGTH, 64 * 1024 * 1024);
  const c = snappyCompress(sample(5000));
  assert.throws(() => snappyUncompress(c, { maxLength: 4999, source: 's' }), is('RESOURCE_EXHAUSTED', /5000 .* 4999 in s/));
  assert.equal(snappyUncompress(c, { maxLength: 5000 }).length, 5000);
  // 1 MiB declared, 4 compressed bytes: impossible (max expansion is 64/3).
  assert.throws(() => snappyUncompress(fromHex('8080 40 fe0100 00')), is('DATA_LOSS', /impossible/));
  // Highly compressible data (long runs) is still accepted.
  const zeros = new Uint8Array(1 << 20);
  assert.deepEqual(snappyUncompress(snappyCompress(zeros)), zeros);
});
