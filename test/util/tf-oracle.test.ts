/**
 * CRC-32C, masking and Snappy checked against files written by real TensorFlow 2.21
 * (test/util/data/, made by make_oracle.py; no Python at test time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteReader, concatBytes, equalBytes } from '../../src/util/bytes.js';
import { crc32c, maskCrc32c } from '../../src/util/crc32c.js';
import { crc32cImpl as jsImpl } from '../../src/util/crc32c-js.js';
import { snappyUncompress } from '../../src/util/snappy.js';
import { repoRoot } from '../helpers/paths.js';

const dataDir = join(repoRoot, 'test', 'util', 'data');

/** Parses a TFRecord stream, verifying both masked CRCs of every record with `crc`. */
function readRecords(bytes: Uint8Array, crc: (b: Uint8Array) => number, source: string): Uint8Array[] {
  const r = new ByteReader(bytes, { source });
  const out: Uint8Array[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    const lenBytes = r.bytes(8);
    const len = new ByteReader(lenBytes).fixed64();
    assert.equal(r.fixed32(), maskCrc32c(crc(lenBytes)), `length crc of record at ${at}`);
    const data = r.bytes(Number(len));
    assert.equal(r.fixed32(), maskCrc32c(crc(data)), `data crc of record at ${at} (${len} bytes)`);
    out.push(data);
  }
  return out;
}

test('masked CRC-32C of every TFRecord written by TensorFlow matches (native and JS)', () => {
  const file = new Uint8Array(readFileSync(join(dataDir, 'crc-oracle.tfrecord')));
  const a = readRecords(file, (b) => crc32c(b), 'crc-oracle.tfrecord');
  const b = readRecords(file, (x) => jsImpl(x), 'crc-oracle.tfrecord');
  assert.equal(a.length, 51);
  assert.equal(b.length, 51);
  assert.deepEqual(
    a.map((x) => x.length).slice(0, 5),
    [0, 1, 2, 3, 4],
  );
});

test('Snappy blocks compressed by TensorFlow (tf.data TFRecordWriter, SNAPPY) decode exactly', () => {
  const file = new Uint8Array(readFileSync(join(dataDir, 'snappy-oracle.tfrecord.snappy')));
  const plain = new Uint8Array(readFileSync(join(dataDir, 'crc-oracle.tfrecord')));
  // TF's SnappyOutputBuffer framing: [uint32 big-endian compressed length][raw snappy block]...
  const parts: Uint8Array[] = [];
  let pos = 0;
  let blocks = 0;
  while (pos < file.length) {
    assert.ok(pos + 4 <= file.length);
    const n = ((file[pos]! << 24) | (file[pos + 1]! << 16) | (file[pos + 2]! << 8) | file[pos + 3]!) >>> 0;
    pos += 4;
    assert.ok(pos + n <= file.length, `block at ${pos - 4} overruns`);
    parts.push(snappyUncompress(file.subarray(pos, pos + n), { source: 'snappy-oracle', baseOffset: pos }));
    pos += n;
    blocks++;
  }
  assert.ok(blocks >= 1);
  const stream = concatBytes(parts);
  // The decompressed stream is the same 51 records written 20 times.
  assert.equal(stream.length, plain.length * 20);
  for (let i = 0; i < 20; i++) {
    assert.ok(equalBytes(stream.subarray(i * plain.length, (i + 1) * plain.length), plain), `copy ${i}`);
  }
  assert.equal(readRecords(stream, (b) => crc32c(b), 'stream').length, 51 * 20);
});
