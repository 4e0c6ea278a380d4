import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../../src/proto/index.js';
import {
  ALL_DTYPES,
  DTYPES,
  baseDtype,
  dataTypeEnumName,
  dtypeFromEnum,
  dtypeFromName,
  dtypeToEnum,
  dtypeToRefEnum,
  isRefDtype,
} from '../../src/tensor/index.js';
import { isTFError } from '../../src/errors.js';

test('one row per DT_* value 1..33, matching the generated DataType enum', () => {
  assert.equal(ALL_DTYPES.length, 33);
  for (let v = 1; v <= 33; v++) {
    const d = dtypeFromEnum(v);
    const info = DTYPES[d];
    assert.equal(info.enumValue, v);
    assert.equal((DataType as unknown as Record<string, number>)[info.enumName], v, info.enumName);
    assert.equal(dtypeToEnum(d), v);
    assert.equal(dtypeFromName(info.enumName), d);
    assert.equal(dtypeFromName(info.cppName), d);
    assert.equal(dtypeFromName(d), d);
    assert.equal(info.isPod, info.byteWidth !== null);
    if (info.arrayConstructor !== null) {
      assert.equal(info.arrayConstructor.BYTES_PER_ELEMENT * info.valuesPerElement, info.byteWidth, d);
    }
    // *_REF
    assert.equal(dataTypeEnumName(v + 100), `${info.enumName}_REF`);
    assert.equal(isRefDtype(v + 100), true);
    assert.equal(baseDtype(v + 100), d);
    assert.equal(baseDtype(`${d}_ref`), d);
    assert.equal(baseDtype(`${info.enumName}_REF`), d);
    assert.equal(dtypeToRefEnum(d), v + 100);
  }
});

test('Python names (tf.DType.name, TF 2.21) and aliases', () => {
  // Verified with TF 2.21: tf.dtypes.as_dtype(v).name for every enum value.
  const py: Record<number, string> = {
    1: 'float32', 2: 'float64', 3: 'int32', 4: 'uint8', 5: 'int16', 6: 'int8', 7: 'string', 8: 'complex64',
    9: 'int64', 10: 'bool', 11: 'qint8', 12: 'quint8', 13: 'qint32', 14: 'bfloat16', 15: 'qint16',
    16: 'quint16', 17: 'uint16', 18: 'complex128', 19: 'float16', 20: 'resource', 21: 'variant', 22: 'uint32',
    23: 'uint64', 24: 'float8_e5m2', 25: 'float8_e4m3fn', 26: 'float8_e4m3fnuz', 27: 'float8_e4m3b11fnuz',
    28: 'float8_e5m2fnuz', 29: 'int4', 30: 'uint4', 31: 'int2', 32: 'uint2', 33: 'float4_e2m1fn',
  };
  for (const [v, name] of Object.entries(py)) {
    assert.equal(DTYPES[dtypeFromEnum(Number(v))].pythonName, name);
  }
  assert.equal(dtypeFromName('float'), 'float32');
  assert.equal(dtypeFromName('double'), 'float64');
  assert.equal(dtypeFromName('half'), 'float16');
  assert.equal(DTYPES.float16.enumName, 'DT_HALF');
  assert.equal(DTYPES.bfloat16.protoField, 'halfVal');
  assert.equal(DTYPES.uint16.pythonTensorContent, false);
});

test('invalid, ref and unknown enum values / names are typed errors', () => {
  for (const v of [0, 101, 34, -1, 200]) {
    assert.throws(() => dtypeFromEnum(v, 'x.pb'), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /x\.pb/.test((e as Error).message));
  }
  assert.throws(() => dtypeFromName('float32_ref'), /reference/);
  assert.throws(() => dtypeFromName('flaot32'), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => baseDtype(0), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT'));
  assert.equal(isRefDtype(1), false);
  assert.equal(isRefDtype('float32'), false);
  assert.equal(dataTypeEnumName(0), 'DT_INVALID');
  assert.equal(dataTypeEnumName(34), undefined);
});
