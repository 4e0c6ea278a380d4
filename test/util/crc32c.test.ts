import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, crc32cImplementation, maskCrc32c, unmaskCrc32c } from '../../src/util/crc32c.js';
import { crc32cImpl as jsImpl } from '../../src/util/crc32c-js.js';
import { crc32cImpl as nodeImpl, crc32cImplName as nodeImplName } from '../../src/util/crc32c-node.js';
import { ByteReader, concatBytes, fromHex, utf8Encode } from '../../src/util/bytes.js';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { fixturesDir, repoRoot } from '../helpers/paths.js';

const impls: [string, (d: Uint8Array, c?: number) => number][] = [
  ['crc32c', crc32c],
  ['js', jsImpl],
  ['node', nodeImpl],
];

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('the package import picks the native implementation in Node (optional dependency is installed)', () => {
  assert.equal(nodeImplName, 'native');
  assert.equal(crc32cImplementation, 'native');
});

test('standard vectors (RFC 3720 B.4 and the check value)', () => {
  const inc = new Uint8Array(32).map((_, i) => i);
  const dec = new Uint8Array(32).map((_, i) => 31 - i);
  for (const [name, f] of impls) {
    assert.equal(f(utf8Encode('123456789')), 0xe3069283, name);
    assert.equal(f(new Uint8Array(0)), 0, name);
    assert.equal(f(new Uint8Array(32)), 0x8a9136aa, name);
    assert.equal(f(new Uint8Array(32).fill(0xff)), 0x62a8ab43, name);
    assert.equal(f(inc), 0x46dd794e, name);
    assert.equal(f(dec), 0x113fdb5c, name);
    assert.equal(f(new Uint8Array(64).fill(0x61)), jsImpl(new Uint8Array(64).fill(0x61)), name);
  }
});

test('extend semantics: crc(a‖b) == crc(b, crc(a)), at every split point', () => {
  const data = randomBytes(300, 7);
  for (const [name, f] of impls) {
    const whole = f(data);
    for (const split of [0, 1, 3, 7, 8, 9, 63, 64, 65, 150, 299, 300]) {
      assert.equal(f(data.subarray(split), f(data.subarray(0, split))), whole, `${name} split ${split}`);
    }
    assert.equal(f(new Uint8Array(0), 0x12345678), 0x12345678, `${name}: empty extend is identity`);
  }
});

test('native and JS agree on random buffers of many sizes and alignments', () => {
  const big = randomBytes(70_000, 99);
  const sizes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 1000, 4095, 4096, 65_537];
  for (const size of sizes) {
    for (const align of [0, 1, 2, 3, 5, 7]) {
      const view = big.subarray(align, align + size);
      const seed = (size * 2654435761 + align) >>> 0;
      assert.equal(nodeImpl(view), jsImpl(view), `size ${size} align ${align}`);
      assert.equal(nodeImpl(view, seed), jsImpl(view, seed), `size ${size} align ${align} seeded`);
    }
  }
});

test('raw @node-rs/crc32 agrees with the JS tables on every small size (below the native threshold too)', () => {
  const raw = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: (b: Uint8Array, s?: number) => number }).crc32c;
  const big = randomBytes(400, 5);
  for (let n = 0; n <= 300; n++) {
    assert.equal(raw(big.subarray(n & 3, (n & 3) + n), 0), jsImpl(big.subarray(n & 3, (n & 3) + n)), `size ${n}`);
    assert.equal(raw(big.subarray(0, n), 0xabcdef01), jsImpl(big.subarray(0, n), 0xabcdef01), `size ${n} seeded`);
  }
});

test('without the optional native package, crc32c falls back to JS without crashing', () => {
  const preload = join(repoRoot, 'test', 'util', 'data', 'hide-native-crc.cjs');
  const mod = join(repoRoot, 'dist', 'src', 'util', 'crc32c.js');
  const out = execFileSync(
    process.execPath,
    ['--require', preload, '--input-type=module', '-e',
      `const m = await import(${JSON.stringify(pathToFileURL(mod).href)}); ` +
      `console.log(m.crc32cImplementation, m.crc32c(new TextEncoder().encode('123456789')).toString(16), ` +
      `m.crc32c(new Uint8Array(1000).fill(7)) === ${jsImpl(new Uint8Array(1000).fill(7))})`],
    { encoding: 'utf8', cwd: repoRoot },
  );
  assert.equal(out.trim(), 'js e3069283 true');
});

test('mask / unmask: TF values and round trips', () => {
  assert.equal(maskCrc32c(0), 0xa282ead8); // Mask(0), stored for empty tensors
  for (const v of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xe3069283, 0xdeadbeef]) {
    const m = maskCrc32c(v);
    assert.ok(m >= 0 && m <= 0xffffffff);
    assert.equal(unmaskCrc32c(m), v >>> 0);
    assert.equal(maskCrc32c(unmaskCrc32c(v)), v >>> 0);
  }
  for (let i = 0; i < 1000; i++) {
    const v = (Math.imul(i, 0x9e3779b1) ^ (i << 7)) >>> 0;
    assert.equal(unmaskCrc32c(maskCrc32c(v)), v);
  }
});

// tf-formats.md §1.4: model-7.index written by TF 2.21 (Saver, a, b, global_step, s).
const DATA_BLOCK = fromHex(`
  000006 080 11a020801
  00010f61 0801120412020802280835593ce535
  00011562 0803120812020802120208032008281835a83fa5da
  000b0d ${Buffer.from('global_step').toString('hex')} 08091200202028083529039807
  00011173 080712041202080320282 80e355f14b57b
  00000000 01000000`);

function le32(b: Uint8Array, at = 0): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

test('TF-written index (tf-formats.md §1.4): block trailers and entry checksums', () => {
  assert.equal(DATA_BLOCK.length, 109);
  const trailer = (block: Uint8Array) => maskCrc32c(crc32c(new Uint8Array([0]), crc32c(block)));
  assert.equal(trailer(DATA_BLOCK), le32(fromHex('e0d690a8')));
  assert.equal(trailer(fromHex('0000000001000000')), le32(fromHex('c0f2a1b0')));
  assert.equal(trailer(fromHex('000102740 06d 0000000001000000'.replace(/ /g, ''))), le32(fromHex('769e7f3c')));
  // Entry CRCs of the data file.
  assert.equal(maskCrc32c(crc32c(fromHex('0000803f00000040'))), 0x35e53c59);
  assert.equal(maskCrc32c(crc32c(fromHex('010000000200000003000000040000000500000006000000'))), 0xdaa53fa8);
  assert.equal(maskCrc32c(crc32c(new Uint8Array(8))), 0x07980329);
  // String tensor s = ["hi", "", "hello"]: length checksum over uint32le lengths, then the entry CRC.
  const lens = fromHex('020000000000000005000000');
  const lenCrc = maskCrc32c(crc32c(lens));
  assert.equal(lenCrc, le32(fromHex('a1ca70af')));
  const entry = crc32c(utf8Encode('hihello'), crc32c(fromHex('a1ca70af'), crc32c(lens)));
  assert.equal(maskCrc32c(entry), 0x7bb5145f);
});

/** One block's entries (LevelDB prefix-compressed keys). */
function blockEntries(block: Uint8Array, source: string, base: number): [Uint8Array, Uint8Array][] {
  const numRestarts = le32(block, block.length - 4);
  const r = new ByteReader(block.subarray(0, block.length - 4 - 4 * numRestarts), { source, baseOffset: base });
  const out: [Uint8Array, Uint8Array][] = [];
  let key: Uint8Array = new Uint8Array(0);
  while (!r.atEnd) {
    const shared = r.varint32();
    const unshared = r.varint32();
    const valueLen = r.varint32();
    key = concatBytes([key.subarray(0, shared), r.bytes(unshared)]);
    out.push([key, r.bytes(valueLen)]);
  }
  return out;
}

/** Minimal BundleEntryProto / BundleHeaderProto field scan: varint and fixed32 fields, skips others. */
function scanProto(b: Uint8Array): Map<number, bigint | number> {
  const r = new ByteReader(b);
  const out = new Map<number, bigint | number>();
  while (!r.atEnd) {
    const tag = r.varint32();
    const field = tag >>> 3;
    switch (tag & 7) {
      case 0:
        out.set(field, r.varint64());
        break;
      case 1:
        r.skip(8);
        break;
      case 2:
        r.skip(r.varint32());
        out.set(field, -1); // presence marker for length-delimited fields
        break;
      case 5:
        out.set(field, r.fixed32());
        break;
      default:
        throw new Error(`bad wire type ${tag & 7}`);
    }
  }
  return out;
}

/**
 * Verifies every block trailer of a TF table file (footer -> index block -> data blocks) and, for
 * bundle indexes, the stored entry CRC of every POD tensor against its bytes in the data shards.
 */
function checkTfIndex(path: string): { blocks: number; tensors: number } {
  const file = new Uint8Array(readFileSync(path));
  assert.ok(file.length >= 48, `${path}: too short`);
  const footer = new ByteReader(file.subarray(file.length - 48), { source: path, baseOffset: file.length - 48 });
  const metaOff = footer.varint64Number('metaindex offset');
  const metaSize = footer.varint64Number('metaindex size');
  const indexOff = footer.varint64Number('index offset');
  const indexSize = footer.varint64Number('index size');
  assert.equal(le32(file, file.length - 8), 0x8b80fb57);
  assert.equal(le32(file, file.length - 4), 0xdb477524);
  const check = (off: number, size: number) => {
    assert.ok(off + size + 5 <= file.length - 48, `${path}: handle (${off}, ${size}) out of range`);
    assert.equal(file[off + size], 0, 'TF writes uncompressed blocks');
    const contents = file.subarray(off, off + size + 1); // block ‖ type byte
    assert.equal(maskCrc32c(crc32c(contents)), le32(file, off + size + 1), `${path}: block at ${off}`);
    assert.equal(maskCrc32c(jsImpl(contents)), le32(file, off + size + 1), `${path}: block at ${off} (JS)`);
    return file.subarray(off, off + size);
  };
  check(metaOff, metaSize);
  const index = check(indexOff, indexSize);
  const prefix = path.slice(0, -'.index'.length);
  let numShards = 1;
  const shards = new Map<number, Uint8Array>();
  let blocks = 2;
  let tensors = 0;
  for (const [, handleBytes] of blockEntries(index, path, indexOff)) {
    const handle = new ByteReader(handleBytes, { source: path });
    const off = handle.varint64Number('offset');
    const block = check(off, handle.varint64Number('size'));
    blocks++;
    for (const [key, value] of blockEntries(block, path, off)) {
      const f = scanProto(value);
      if (key.length === 0) {
        numShards = Number(f.get(1) ?? 1n);
        continue;
      }
      const dtype = Number(f.get(1) ?? 0n);
      if (f.has(7) || dtype === 7 || dtype === 21) continue; // sliced full record, string, variant
      const shard = Number(f.get(3) ?? 0n);
      const offset = Number(f.get(4) ?? 0n);
      const size = Number(f.get(5) ?? 0n);
      let data = shards.get(shard);
      if (!data) {
        const name = `${prefix}.data-${String(shard).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`;
        data = new Uint8Array(readFileSync(name));
        shards.set(shard, data);
      }
      assert.ok(offset + size <= data.length);
      assert.equal(maskCrc32c(crc32c(data.subarray(offset, offset + size))), f.get(6), `${path}: tensor crc`);
      tensors++;
    }
  }
  return { blocks, tensors };
}

test('every block trailer and POD tensor CRC of every TF-written fixture .index verifies', (t) => {
  if (!existsSync(fixturesDir)) {
    t.skip('test/fixtures not present');
    return;
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.index')) files.push(p);
    }
  };
  walk(fixturesDir);
  if (files.length === 0) {
    t.skip('no .index fixtures yet');
    return;
  }
  let blocks = 0;
  let tensors = 0;
  for (const f of files) {
    const got = checkTfIndex(f);
    blocks += got.blocks;
    tensors += got.tensors;
  }
  t.diagnostic(`${files.length} index files, ${blocks} blocks, ${tensors} tensor CRCs verified`);
  assert.ok(blocks >= files.length * 3);
});

test('concatenated input equals chained extends over many parts', () => {
  const parts = [randomBytes(5, 1), randomBytes(64, 2), randomBytes(1, 3), randomBytes(777, 4)];
  let c = 0;
  for (const p of parts) c = crc32c(p, c);
  assert.equal(c, crc32c(concatBytes(parts)));
});

test('#crc32c-impl package import: every condition target exists; the default one is browser-safe', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    imports: Record<string, Record<string, string>>;
  };
  const targets = pkg.imports['#crc32c-impl']!;
  assert.deepEqual(Object.keys(targets), ['types', 'node', 'default'], 'types first, node before default');
  for (const target of Object.values(targets)) assert.ok(existsSync(join(repoRoot, target)), target);
  const browserJs = readFileSync(join(repoRoot, targets['default']!), 'utf8');
  assert.doesNotMatch(browserJs, /from\s+['"]node:|require\(|import\(['"]node:/);
});
