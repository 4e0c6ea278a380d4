import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTFError, type CodeName } from '../../src/errors.js';
import {
  checkedSize,
  checkInt64,
  checkUint64,
  INT64_MAX,
  INT64_MIN,
  toBigInt,
  toSafeNumber,
  UINT64_MAX,
} from '../../src/util/int64.js';

function is(code: CodeName, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(isTFError(e, code), `expected ${code}, got ${String(e)}`);
    if (re) assert.match((e as Error).message, re);
    return true;
  };
}

test('toSafeNumber: exact within ±(2^53-1), OutOfRangeError beyond, naming what and source', () => {
  assert.equal(toSafeNumber(0n, 'x'), 0);
  assert.equal(toSafeNumber(-5n, 'x'), -5);
  assert.equal(toSafeNumber(2n ** 53n - 1n, 'x'), Number.MAX_SAFE_INTEGER);
  assert.equal(toSafeNumber(-(2n ** 53n - 1n), 'x'), -Number.MAX_SAFE_INTEGER);
  assert.throws(() => toSafeNumber(2n ** 53n, 'tensor offset', 'model.index'), (e: unknown) => {
    assert.ok(isTFError(e, 'OUT_OF_RANGE'));
    assert.match((e as Error).message, /tensor offset 9007199254740992 .* in model\.index/);
    assert.equal((e as { file?: string }).file, 'model.index');
    return true;
  });
  assert.throws(() => toSafeNumber(-(2n ** 53n), 'x'), is('OUT_OF_RANGE'));
  assert.throws(() => toSafeNumber(UINT64_MAX, 'x'), is('OUT_OF_RANGE'));
});

test('checkedSize: integers in [0, max] as numbers', () => {
  assert.equal(checkedSize(0n, 10, 'size'), 0);
  assert.equal(checkedSize(10n, 10, 'size'), 10);
  assert.equal(checkedSize(7, 10, 'size'), 7);
  assert.equal(checkedSize(2n ** 53n - 1n, Number.MAX_SAFE_INTEGER, 'size'), Number.MAX_SAFE_INTEGER);
  assert.throws(() => checkedSize(11n, 10, 'size', 'f.data'), is('OUT_OF_RANGE', /size 11 is not in \[0, 10\] in f\.data/));
  assert.throws(() => checkedSize(-1n, 10, 'size'), is('OUT_OF_RANGE'));
  assert.throws(() => checkedSize(-1, 10, 'size'), is('OUT_OF_RANGE'));
  assert.throws(() => checkedSize(1.5, 10, 'size'), is('OUT_OF_RANGE'));
  assert.throws(() => checkedSize(Number.NaN, 10, 'size'), is('OUT_OF_RANGE'));
  assert.throws(() => checkedSize(2n ** 53n, Infinity, 'size'), is('OUT_OF_RANGE'));
  assert.throws(() => checkedSize(2n ** 64n - 1n, Infinity, 'size'), is('OUT_OF_RANGE'));
});

test('int64 / uint64 range checks and toBigInt', () => {
  assert.equal(checkInt64(INT64_MAX), INT64_MAX);
  assert.equal(checkInt64(INT64_MIN), INT64_MIN);
  assert.throws(() => checkInt64(INT64_MAX + 1n, 'v', 'src'), is('OUT_OF_RANGE', /v 9223372036854775808 does not fit int64 in src/));
  assert.throws(() => checkInt64(INT64_MIN - 1n), is('OUT_OF_RANGE'));
  assert.equal(checkUint64(UINT64_MAX), UINT64_MAX);
  assert.throws(() => checkUint64(-1n), is('OUT_OF_RANGE'));
  assert.throws(() => checkUint64(UINT64_MAX + 1n), is('OUT_OF_RANGE'));
  assert.equal(toBigInt(5), 5n);
  assert.equal(toBigInt(-7n), -7n);
  assert.throws(() => toBigInt(2 ** 53), is('INVALID_ARGUMENT'));
  assert.throws(() => toBigInt(0.5), is('INVALID_ARGUMENT'));
});
