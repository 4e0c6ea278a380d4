import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTFError, type CodeName } from '../../src/errors.js';
import {
  asUint8Array,
  ByteReader,
  ByteWriter,
  compareBytes,
  concatBytes,
  equalBytes,
  fromHex,
  isValidUtf8,
  toHex,
  utf8Decode,
  utf8Encode,
} from '../../src/util/bytes.js';

function is(code: CodeName, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(isTFError(e, code), `expected ${code}, got ${String(e)}`);
    if (re) assert.match((e as Error).message, re);
    return true;
  };
}

const r = (hex: string, base = 0) => new ByteReader(fromHex(hex), { source: 'test.index', baseOffset: base });

test('varint32: 1..5 bytes, max value, and rejections', () => {
  assert.equal(r('00').varint32(), 0);
  assert.equal(r('7f').varint32(), 127);
  assert.equal(r('8001').varint32(), 128);
  assert.equal(r('ac02').varint32(), 300);
  assert.equal(r('ffffffff0f').varint32(), 0xffffffff);
  assert.equal(r('8080808001').varint32(), 0x10000000);
  // Non-minimal encodings are accepted like LevelDB does.
  assert.equal(r('8000').varint32(), 0);
  // 5th byte with a continuation bit (a 6+ byte varint) and 5th byte > 0x0f (value >= 2^32).
  assert.throws(() => r('ffffffff8f01', 100).varint32(), is('DATA_LOSS', /longer than 5 bytes in test\.index at offset 100/));
  assert.throws(() => r('ffffffff1f').varint32(), is('DATA_LOSS', /exceeds 2\^32-1/));
  // Truncated.
  assert.throws(() => r('ff', 7).varint32(), (e: unknown) => {
    assert.ok(isTFError(e, 'DATA_LOSS'));
    assert.equal((e as { offset?: number }).offset, 7);
    assert.equal((e as { file?: string }).file, 'test.index');
    return true;
  });
  assert.throws(() => r('').varint32(), is('DATA_LOSS', /truncated varint32/));
  // Position only advances on success.
  const rd = r('ac02ff');
  assert.equal(rd.varint32(), 300);
  assert.equal(rd.pos, 2);
  assert.throws(() => rd.varint32());
  assert.equal(rd.pos, 2);
});

test('varint64: up to 10 bytes, 2^64-1, negative int64 as 10 bytes, > 2^53', () => {
  assert.equal(r('00').varint64(), 0n);
  assert.equal(r('ac02').varint64(), 300n);
  assert.equal(r('ffffffffffffffffff01').varint64(), (1n << 64n) - 1n);
  const neg1 = r('ffffffffffffffffff01');
  assert.equal(neg1.varint64Signed(), -1n);
  assert.equal(neg1.pos, 10);
  // -2^63
  assert.equal(r('80808080808080808001').varint64Signed(), -(1n << 63n));
  // 2^53 and 2^53 + 1 stay exact as bigint.
  assert.equal(r('80808080808080 10').varint64(), 1n << 53n);
  assert.equal(r('81808080808080 10').varint64(), (1n << 53n) + 1n);
  assert.equal(r('ffffffffffffffff7f').varint64(), (1n << 63n) - 1n);
  // 11-byte encodings and a 10th byte > 1 are rejected.
  assert.throws(() => r('ffffffffffffffffff8101').varint64(), is('DATA_LOSS', /longer than 10 bytes/));
  assert.throws(() => r('ffffffffffffffffff02').varint64(), is('DATA_LOSS'));
  assert.throws(() => r('ffffffffffff', 3).varint64(), is('DATA_LOSS', /truncated varint64 in test\.index at offset 3/));
});

test('varint64Number: exact up to 2^53-1, rejects beyond, names the value', () => {
  assert.equal(r('ac02').varint64Number('size'), 300);
  assert.equal(r('ffffffffffffff0f').varint64Number('size'), Number.MAX_SAFE_INTEGER);
  const big = r('80808080808080 10', 40);
  assert.throws(() => big.varint64Number('tensor offset'), is('DATA_LOSS', /tensor offset 9007199254740992 exceeds 2\^53-1 in test\.index at offset 40/));
  assert.equal(big.pos, 0);
  assert.throws(() => r('ffffffffffffffffff01').varint64Number('size'), is('DATA_LOSS'));
  assert.throws(() => r('80', 1).varint64Number('size'), is('DATA_LOSS', /truncated varint64 \(size\)/));
  // All 1..8 byte lengths agree with the bigint path.
  for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 35 + 5, 2 ** 42 + 1, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1]) {
    const bytes = new ByteWriter().varint64(v).finish();
    assert.equal(new ByteReader(bytes).varint64Number('v'), v);
    assert.equal(new ByteReader(bytes).varint64(), BigInt(v));
  }
});

test('fixed32 / fixed64 / bytes / skip and overruns', () => {
  const rd = r('78563412 efcdab8967452301 ffffffffffffffff 0102030405', 1000);
  assert.equal(rd.fixed32(), 0x12345678);
  assert.equal(rd.fixed64(), 0x0123456789abcdefn);
  assert.equal(rd.fixed64(), (1n << 64n) - 1n);
  assert.equal(rd.remaining, 5);
  const view = rd.bytes(2);
  assert.deepEqual(view, new Uint8Array([1, 2]));
  assert.equal(view.buffer, rd.data.buffer, 'bytes() is a view, no copy');
  rd.skip(1);
  assert.throws(() => rd.bytes(3), is('DATA_LOSS', /need 3 bytes, 2 left in test\.index at offset 1023/));
  assert.throws(() => rd.fixed32(), is('DATA_LOSS', /fixed32/));
  assert.throws(() => rd.skip(3), is('DATA_LOSS'));
  assert.throws(() => rd.bytes(-1), is('DATA_LOSS', /invalid byte count/));
  assert.equal(rd.uint8(), 4);
  assert.equal(rd.uint8(), 5);
  assert.ok(rd.atEnd);
  assert.throws(() => rd.uint8(), is('DATA_LOSS'));
  assert.throws(() => r('01020304050607').fixed64(), is('DATA_LOSS', /fixed64/));
});

test('ByteWriter round trips and range checks', () => {
  const w = new ByteWriter(1); // forces growth
  w.varint32(0).varint32(300).varint32(0xffffffff);
  w.varint64(0n).varint64((1n << 64n) - 1n).varint64(-1n).varint64(-1).varint64(2 ** 53 - 1).varint64(-(1n << 63n));
  w.fixed32(0xdeadbeef).fixed32(-1).fixed64(-2n).fixed64(12345);
  w.bytes(new Uint8Array([9, 8, 7])).uint8(255);
  const out = w.finish();
  assert.equal(out.length, w.length);
  const rd = new ByteReader(out);
  assert.equal(rd.varint32(), 0);
  assert.equal(rd.varint32(), 300);
  assert.equal(rd.varint32(), 0xffffffff);
  assert.equal(rd.varint64(), 0n);
  assert.equal(rd.varint64(), (1n << 64n) - 1n);
  const p = rd.pos;
  assert.equal(rd.varint64Signed(), -1n);
  assert.equal(rd.pos - p, 10, 'negative int64 is 10 bytes');
  assert.equal(rd.varint64Signed(), -1n);
  assert.equal(rd.varint64(), BigInt(2 ** 53 - 1));
  assert.equal(rd.varint64Signed(), -(1n << 63n));
  assert.equal(rd.fixed32(), 0xdeadbeef);
  assert.equal(rd.fixed32(), 0xffffffff);
  assert.equal(BigInt.asIntN(64, rd.fixed64()), -2n);
  assert.equal(rd.fixed64(), 12345n);
  assert.deepEqual(rd.bytes(3), new Uint8Array([9, 8, 7]));
  assert.equal(rd.uint8(), 255);
  assert.ok(rd.atEnd);
  assert.equal(toHex(new ByteWriter().varint32(300).finish()), 'ac02');
  for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => new ByteWriter().varint32(bad), is('INVALID_ARGUMENT'));
  assert.throws(() => new ByteWriter().varint64(2 ** 53), is('INVALID_ARGUMENT'));
  assert.throws(() => new ByteWriter().varint64(1n << 64n), is('INVALID_ARGUMENT'));
  assert.throws(() => new ByteWriter().varint64(-(1n << 63n) - 1n), is('INVALID_ARGUMENT'));
  assert.throws(() => new ByteWriter().fixed32(2 ** 32), is('INVALID_ARGUMENT'));
  assert.throws(() => new ByteWriter().fixed64(1n << 64n), is('INVALID_ARGUMENT'));
  assert.throws(() => new ByteWriter().uint8(256), is('INVALID_ARGUMENT'));
  // finish() returns a copy the writer never touches again.
  const w2 = new ByteWriter();
  w2.uint8(1);
  const f = w2.finish();
  w2.reset();
  w2.uint8(2);
  assert.deepEqual(f, new Uint8Array([1]));
});

test('compareBytes is unsigned memcmp then length', () => {
  const b = (...x: number[]) => new Uint8Array(x);
  assert.equal(compareBytes(b(), b()), 0);
  assert.ok(compareBytes(b(), b(0)) < 0);
  assert.ok(compareBytes(b(1, 2), b(1, 2, 0)) < 0);
  assert.ok(compareBytes(b(0x80), b(0x7f)) > 0, 'unsigned');
  assert.ok(compareBytes(b(0xff), b(0x00, 0xff)) > 0);
  assert.equal(compareBytes(b(5, 6), b(5, 6)), 0);
  // Sorting UTF-8 keys by bytes differs from JS string order for astral vs BMP-high characters.
  const keys = ['\uffff', '\u{10000}', 'a', ''].map(utf8Encode).sort(compareBytes).map(utf8Decode);
  assert.deepEqual(keys, ['', 'a', '\uffff', '\u{10000}']);
  assert.ok(equalBytes(b(1, 2), b(1, 2)));
  assert.ok(!equalBytes(b(1, 2), b(1, 3)));
});

test('concatBytes, hex helpers, asUint8Array', () => {
  assert.deepEqual(concatBytes([]), new Uint8Array(0));
  assert.deepEqual(concatBytes([fromHex('01'), new Uint8Array(0), fromHex('0203')]), fromHex('010203'));
  assert.equal(toHex(fromHex('00 ff 7A')), '00ff7a');
  assert.throws(() => fromHex('0'), is('INVALID_ARGUMENT'));
  assert.throws(() => fromHex('zz'), is('INVALID_ARGUMENT'));
  const ab = new ArrayBuffer(4);
  assert.equal(asUint8Array(ab).buffer, ab);
  const dv = new DataView(ab, 1, 2);
  assert.equal(asUint8Array(dv).byteOffset, 1);
});

test('UTF-8: encode, lossless decode with BOM kept, validation', () => {
  assert.deepEqual(utf8Encode('héllo'), fromHex('68c3a96c6c6f'));
  assert.equal(utf8Decode(fromHex('efbbbf41')), '\ufeffA', 'BOM is not stripped');
  assert.equal(utf8Decode(fromHex('ff41')), '\ufffdA', 'non-fatal');
  const valid = ['', 'ascii', 'héllo', '日本語', '\u{1f600}', '\u{10ffff}', '\u0000'];
  for (const s of valid) assert.ok(isValidUtf8(utf8Encode(s)), s);
  const invalid = [
    'ff', 'c0af', 'c1bf', // overlong 2-byte
    'e080af', // overlong 3-byte
    'eda080', // surrogate U+D800
    'f08080af', // overlong 4-byte
    'f4908080', // > U+10FFFF
    'f5808080', 'c3', 'e381c0', 'e381', 'f09f98', '80', 'c328',
  ];
  for (const h of invalid) {
    const bytes = fromHex(h.length % 2 ? h + '0' : h);
    assert.equal(isValidUtf8(bytes), false, h);
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), `${h}: agrees with TextDecoder`);
  }
  // Random bytes: agrees with the fatal TextDecoder.
  let x = 12345;
  for (let n = 0; n < 2000; n++) {
    const len = n % 9;
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[i] = (x >>> 16) & 0xff;
    }
    let ok = true;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      ok = false;
    }
    assert.equal(isValidUtf8(b), ok, toHex(b));
  }
});

test('varint32 / varint64 round trips over random values of every length', () => {
  let x = 987654321;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  const w = new ByteWriter();
  const v32: number[] = [];
  const v64: bigint[] = [];
  for (let i = 0; i < 2000; i++) {
    const bits = i % 33;
    const v = bits === 0 ? 0 : (next() >>> (32 - bits)) + (bits === 32 ? 0 : 0);
    v32.push(v);
    w.varint32(v);
    const big = (BigInt(next()) << 32n) | BigInt(next());
    const b64 = big >> BigInt(i % 65);
    v64.push(b64);
    w.varint64(b64);
  }
  const rd = new ByteReader(w.finish());
  for (let i = 0; i < 2000; i++) {
    assert.equal(rd.varint32(), v32[i]);
    assert.equal(rd.varint64(), v64[i]);
  }
  assert.ok(rd.atEnd);
});
