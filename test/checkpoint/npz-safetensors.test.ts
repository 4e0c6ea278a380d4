/** .npy / .npz (NumPy-written fixtures, round trips) and .safetensors round trips and bad input. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { fromBytes } from '../../src/io/memory.js';
import type { ByteSink } from '../../src/io/types.js';
import { decodeNpy, encodeNpy, encodeNpyHeader } from '../../src/checkpoint/npy.js';
import { NpzReader, writeNpz } from '../../src/checkpoint/npz.js';
import { SafetensorsReader, writeSafetensors } from '../../src/checkpoint/safetensors.js';
import { crc32 } from '../../src/checkpoint/zip.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { isTFError } from '../../src/errors.js';

interface GoldenArray { dtype: string; shape: number[]; hex?: string; b64?: string[] }
const golden = JSON.parse(readFileSync(fixture('npz', 'golden.json'), 'utf8')) as {
  arrays: Record<string, GoldenArray>;
  npy_bytes_hex: Record<string, string>;
  files: Record<string, GoldenArray>;
};

function hexOf(v: TensorValue): string {
  const d = v.data as unknown as ArrayBufferView;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}

function checkAgainst(v: TensorValue, g: GoldenArray, what: string): void {
  assert.equal(v.dtype, g.dtype, what);
  assert.deepEqual(v.shape, g.shape, what);
  if (g.b64 !== undefined) {
    assert.deepEqual((v.data as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')), g.b64, what);
  } else {
    assert.equal(hexOf(v), g.hex, what);
  }
}

class MemorySink implements ByteSink {
  readonly name = 'mem';
  parts: Uint8Array[] = [];
  bytesWritten = 0;
  async write(b: Uint8Array): Promise<void> {
    this.parts.push(b.slice());
    this.bytesWritten += b.length;
  }
  async close(): Promise<void> {}
  async abort(): Promise<void> {}
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

describe('npy', () => {
  for (const [file, g] of Object.entries(golden.files)) {
    test(`reads NumPy's ${file}`, () => {
      const v = decodeNpy(new Uint8Array(readFileSync(fixture('npz', file))), { source: file });
      checkAgainst(v, g, file);
    });
  }
  test('unicode and object arrays are rejected clearly', () => {
    assert.throws(() => decodeNpy(new Uint8Array(readFileSync(fixture('npz', 'unicode.npy')))), /unicode arrays \(dtype <U2\) are not supported/);
    assert.throws(() => decodeNpy(new Uint8Array(readFileSync(fixture('npz', 'object.npy')))), /object arrays .* never unpickled/);
  });
  test('encodes exactly the bytes NumPy writes', () => {
    const r = readFileSync(fixture('npz', 'arrays.npz'));
    return NpzReader.open(fromBytes(new Uint8Array(r), 'arrays.npz')).then(async (npz) => {
      for (const [name, hex] of Object.entries(golden.npy_bytes_hex)) {
        const v = await npz.getTensor(name);
        const bytes = Buffer.concat(encodeNpy(v));
        assert.equal(bytes.toString('hex'), hex, name);
      }
    });
  });
  test('truncated / lying headers give DataLoss', () => {
    const good = new Uint8Array(readFileSync(fixture('npz', 'v1.npy')));
    assert.throws(() => decodeNpy(good.subarray(0, 40)), (e: unknown) => isTFError(e, 'DATA_LOSS'));
    assert.throws(() => decodeNpy(good.subarray(0, good.length - 1)), /data has 23 bytes, expected 24/);
    const bad = good.slice();
    bad[0] = 0;
    assert.throws(() => decodeNpy(bad), /missing the \\x93NUMPY magic/);
    const huge = good.slice();
    new DataView(huge.buffer).setUint16(8, 0xffff, true);
    assert.throws(() => decodeNpy(huge), (e: unknown) => isTFError(e, 'DATA_LOSS'));
    const lie = encodeNpyHeader('<f8', [100000000000000]);
    assert.throws(() => decodeNpy(lie), /data has 0 bytes, expected 800000000000000/);
  });
  test('strings: |S fixed width; trailing NUL refused', () => {
    const v: TensorValue = { dtype: 'string', shape: [2], data: [new Uint8Array([1, 2]), new Uint8Array(0)] };
    const back = decodeNpy(new Uint8Array(Buffer.concat(encodeNpy(v))));
    assert.deepEqual(back.data, v.data);
    assert.throws(() => encodeNpy({ dtype: 'string', shape: [1], data: [new Uint8Array([65, 0])] }), /ends with a NUL byte/);
  });
  test('bfloat16 widened to float32 with a warning; float8 refused', () => {
    const warnings: string[] = [];
    const parts = encodeNpy({ dtype: 'bfloat16', shape: [2], data: new Uint16Array([0x3fc0, 0xc000]) }, { onWarning: (w) => warnings.push(w) });
    const back = decodeNpy(new Uint8Array(Buffer.concat(parts)));
    assert.equal(back.dtype, 'float32');
    assert.deepEqual([...(back.data as Float32Array)], [1.5, -2]);
    assert.equal(warnings.length, 1);
    assert.throws(() => encodeNpy({ dtype: 'float8_e5m2', shape: [1], data: new Uint8Array(1) }), /no NumPy equivalent/);
  });
});

describe('npz', () => {
  for (const file of ['arrays.npz', 'arrays_compressed.npz']) {
    test(`reads NumPy's ${file}`, async () => {
      const npz = await NpzReader.open(fromBytes(new Uint8Array(readFileSync(fixture('npz', file))), file));
      assert.deepEqual(npz.keys().sort(), Object.keys(golden.arrays).sort());
      const listed = await npz.list();
      for (const e of listed) {
        assert.equal(e.dtype, golden.arrays[e.name]!.dtype);
        assert.deepEqual(e.shape, golden.arrays[e.name]!.shape);
      }
      for (const [name, g] of Object.entries(golden.arrays)) checkAgainst(await npz.getTensor(name), g, name);
    });
  }

  test('round trip (stored and deflated) through our writer', async () => {
    const npz = await NpzReader.open(fromBytes(new Uint8Array(readFileSync(fixture('npz', 'arrays.npz')))));
    const all = new Map<string, TensorValue>();
    for (const k of npz.keys()) all.set(k, await npz.getTensor(k));
    for (const compress of [false, true]) {
      const sink = new MemorySink();
      await writeNpz(sink, all, { compress });
      const back = await NpzReader.open(fromBytes(sink.bytes(), 'ours.npz'));
      assert.deepEqual(back.keys(), [...all.keys()]);
      for (const [name, g] of Object.entries(golden.arrays)) checkAgainst(await back.getTensor(name), g, name);
    }
  });

  test('corrupt member -> CRC error; truncated archive -> DataLoss', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('npz', 'arrays.npz')));
    const npz = await NpzReader.open(fromBytes(bytes));
    const e = npz.zip.entry('i64.npy')!;
    const [start, end] = await npz.zip.dataRange(e);
    const bad = bytes.slice();
    bad[end - 1] = (bad[end - 1]! ^ 0xff) & 0xff;
    void start;
    const npz2 = await NpzReader.open(fromBytes(bad, 'bad.npz'));
    await assert.rejects(npz2.getTensor('i64'), /CRC-32 mismatch for 'i64.npy'/);
    await assert.rejects(NpzReader.open(fromBytes(bytes.subarray(0, bytes.length - 30), 'cut.npz')), (err: unknown) => isTFError(err, 'DATA_LOSS'));
    await assert.rejects(NpzReader.open(fromBytes(new Uint8Array(10), 'tiny.npz')), /not a ZIP\/npz file/);
  });

  test('crc32 known value', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  });
});

describe('safetensors', () => {
  const tensors = new Map<string, TensorValue>([
    ['a', { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
    ['b/x', { dtype: 'int64', shape: [3], data: new BigInt64Array([-1n, 0n, 2n ** 62n]) }],
    ['h', { dtype: 'float16', shape: [], data: new Uint16Array([0x3c00]) }],
    ['bf', { dtype: 'bfloat16', shape: [1], data: new Uint16Array([0x3f80]) }],
    ['z', { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) }],
    ['u', { dtype: 'uint64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) }],
    ['c', { dtype: 'complex64', shape: [1], data: new Float32Array([1, -1]) }],
    ['e', { dtype: 'float64', shape: [0, 3], data: new Float64Array(0) }],
    ['f8', { dtype: 'float8_e4m3fn', shape: [2], data: new Uint8Array([1, 0x7e]) }],
  ]);

  test('round trip, header aligned to 8 bytes, metadata kept', async () => {
    const sink = new MemorySink();
    await writeSafetensors(sink, tensors, { metadata: { format: 'tf' } });
    const bytes = sink.bytes();
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0);
    const r = await SafetensorsReader.open(fromBytes(bytes, 'x.safetensors'));
    assert.deepEqual(r.metadata, { format: 'tf' });
    assert.deepEqual(r.keys().slice().sort(), [...tensors.keys()].sort());
    for (const [k, v] of tensors) assert.deepEqual(await r.getTensor(k), v, k);
  });

  test('strings and complex128 are refused with a clear error', async () => {
    await assert.rejects(writeSafetensors(new MemorySink(), { s: { dtype: 'string', shape: [1], data: [new Uint8Array(1)] } }), /safetensors cannot store string tensors/);
    await assert.rejects(writeSafetensors(new MemorySink(), { s: { dtype: 'complex128', shape: [1], data: new Float64Array(2) } }), /no complex128 dtype/);
  });

  test('bad headers: size, offsets, gaps, JSON', async () => {
    const mk = (header: string, dataLen: number, lenOverride?: bigint): Uint8Array => {
      const hb = new TextEncoder().encode(header);
      const out = new Uint8Array(8 + hb.length + dataLen);
      new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(hb.length), true);
      out.set(hb, 8);
      return out;
    };
    const open = (b: Uint8Array): Promise<SafetensorsReader> => SafetensorsReader.open(fromBytes(b, 'bad.safetensors'));
    await assert.rejects(open(mk('{}', 0, 2n ** 40n)), /header length 1099511627776 exceeds the limit/);
    await assert.rejects(open(mk('{}', 0, 100n)), /runs past the end/);
    await assert.rejects(open(mk('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 4)), /hold 4 bytes but dtype F32 x shape \[2\] needs 8/);
    await assert.rejects(open(mk('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8)), /gap or overlap/);
    await assert.rejects(open(mk('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 8)), /cover 4 data bytes but the file holds 8/);
    await assert.rejects(open(mk('{"a":', 0)), /not valid JSON/);
    await assert.rejects(open(mk('{"a":{"dtype":"F6_E2M3","shape":[1],"data_offsets":[0,1]}}', 1)), /dtype F6_E2M3, which tfpersist does not support/);
  });
});
