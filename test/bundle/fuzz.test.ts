/**
 * Seeded fuzzing (time-bounded, ~2 s): mutates TF-written index, data and V1 files (bit flips,
 * truncation, random overwrites, and re-encoded entries with lying sizes / offsets / shapes / shard
 * ids / dtypes / slices) and checks that readers throw only TFError subclasses, never a RangeError
 * or TypeError, never hang, and never allocate huge buffers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  BundleReader,
  decodeBundleIndex,
  encodeBundleHeader,
  TensorSliceReaderV1,
  writeBundleIndex,
} from '../../src/bundle/index.js';
import { isTFError } from '../../src/errors.js';
import { MemoryFileStore } from '../../src/io/memory.js';
import {
  BundleEntryProtoSchema,
  BundleHeaderProtoSchema,
  decodeProto,
  encodeProto,
  TensorShapeProto_DimSchema,
  TensorShapeProtoSchema,
  TensorSliceProto_ExtentSchema,
  TensorSliceProtoSchema,
} from '../../src/proto/index.js';
import { repoRoot } from '../helpers/paths.js';
import { caseFiles, checkpointCases } from './golden.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Corpus {
  name: string;
  prefix: string;
  files: Record<string, Uint8Array>;
  v1: boolean;
}

function corpus(): Corpus[] {
  const out: Corpus[] = [];
  for (const c of checkpointCases()) {
    if (c.name.startsWith('many-keys')) continue; // large; covered elsewhere
    const all = caseFiles(c.dir);
    const files: Record<string, Uint8Array> = {};
    for (const [n, b] of Object.entries(all)) if (n.startsWith(c.prefix)) files[n] = b;
    out.push({ name: c.name, prefix: c.prefix, files, v1: !c.v2 });
  }
  for (const d of ['variant', 'big-slices']) {
    const dir = join(repoRoot, 'test', 'bundle', 'data', d);
    out.push({
      name: d,
      prefix: 'ckpt',
      v1: false,
      files: {
        'ckpt.index': new Uint8Array(readFileSync(join(dir, 'ckpt.index'))),
        'ckpt.data-00000-of-00001': new Uint8Array(readFileSync(join(dir, 'ckpt.data-00000-of-00001'))),
      },
    });
  }
  return out;
}

const EXTREMES = [0n, 1n, 3n, 7n, 63n, 64n, 255n, 1n << 20n, 1n << 31n, 1n << 32n, 1n << 40n, 1n << 53n, 1n << 62n, (1n << 63n) - 1n, -1n, -(1n << 63n)];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function mutateBytes(rnd: () => number, b: Uint8Array): Uint8Array {
  const kind = Math.floor(rnd() * 4);
  if (b.length === 0) return b;
  if (kind === 0) {
    const out = b.slice();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < flips; i++) out[Math.floor(rnd() * out.length)] ^= 1 << Math.floor(rnd() * 8);
    return out;
  }
  if (kind === 1) return b.slice(0, Math.floor(rnd() * b.length));
  if (kind === 2) {
    const out = b.slice();
    const at = Math.floor(rnd() * out.length);
    const n = 1 + Math.floor(rnd() * 8);
    for (let i = at; i < Math.min(out.length, at + n); i++) out[i] = Math.floor(rnd() * 256);
    return out;
  }
  // footer-targeted damage (handles / magic)
  const out = b.slice();
  const at = Math.max(0, out.length - 48 + Math.floor(rnd() * 48));
  out[at] = pick(rnd, [0x00, 0xff, 0x80, 0x7f, out[at]! ^ 0x10]);
  return out;
}

/** Re-encodes one entry of a bundle index with a lying field (valid table, valid CRCs). */
async function mutateEntry(rnd: () => number, c: Corpus, store: MemoryFileStore): Promise<void> {
  const idxName = `${c.prefix}.index`;
  const { header, entries } = decodeBundleIndex(c.files[idxName]!, idxName);
  if (entries.length === 0) return;
  const i = Math.floor(rnd() * entries.length);
  const e = decodeProto(BundleEntryProtoSchema, entries[i]![1]);
  switch (Math.floor(rnd() * 7)) {
    case 0:
      e.size = pick(rnd, EXTREMES);
      break;
    case 1:
      e.offset = pick(rnd, EXTREMES);
      break;
    case 2: {
      const dims = Math.floor(rnd() * 4);
      const dim = [];
      for (let d = 0; d < dims; d++) dim.push(create(TensorShapeProto_DimSchema, { size: pick(rnd, EXTREMES) }));
      e.shape = create(TensorShapeProtoSchema, { dim });
      break;
    }
    case 3:
      e.shardId = pick(rnd, [-1, 1, 2, 5, 0x7fffffff, -0x80000000]);
      break;
    case 4:
      e.dtype = Math.floor(rnd() * 40);
      break;
    case 5: {
      const rank = e.shape?.dim.length ?? 0;
      const ext = [];
      for (let d = 0; d < rank; d++) {
        ext.push(
          rnd() < 0.3
            ? create(TensorSliceProto_ExtentSchema, {})
            : create(TensorSliceProto_ExtentSchema, { start: pick(rnd, EXTREMES), hasLengthHack: { case: 'length', value: pick(rnd, EXTREMES) } }),
        );
      }
      e.slices.push(create(TensorSliceProtoSchema, { extent: ext }));
      break;
    }
    default:
      e.crc32c = Math.floor(rnd() * 2 ** 32);
  }
  let encoded: Uint8Array;
  try {
    encoded = encodeProto(BundleEntryProtoSchema, e);
  } catch {
    return;
  }
  const records = entries.map(([k, v], j) => [k, j === i ? encoded : v] as [Uint8Array, Uint8Array]);
  const headerBytes = rnd() < 0.2 ? encodeBundleHeader(Math.floor(rnd() * 3)) : encodeProto(BundleHeaderProtoSchema, header);
  await writeBundleIndex(store, c.prefix, headerBytes, records);
}

async function exercise(c: Corpus, store: MemoryFileStore, verify: boolean): Promise<void> {
  if (c.v1) {
    const r = await TensorSliceReaderV1.open(store, c.prefix, { verifyChecksums: verify });
    for (const k of r.keys()) {
      try {
        await r.getTensor(k);
      } catch (e) {
        if (!isTFError(e)) throw e;
      }
    }
    await r.close();
    return;
  }
  const r = await BundleReader.open(store, c.prefix, { verifyChecksums: verify });
  for (const k of r.keys()) {
    try {
      await r.getTensor(k);
    } catch (e) {
      if (!isTFError(e)) throw e;
    }
  }
  try {
    for await (const _ of r.readTensors(undefined, { maxChunkBytes: 64 })) void _;
  } catch (e) {
    if (!isTFError(e)) throw e;
  }
  await r.close();
}

test('fuzz: mutated TF checkpoints only ever raise TFErrors, bounded memory', { timeout: 60000 }, async () => {
  const items = corpus();
  assert.ok(items.length >= 5);
  const seed = Number(process.env['TFPERSIST_FUZZ_SEED'] ?? 20261122);
  const rnd = mulberry32(seed);
  const budgetMs = Number(process.env['TFPERSIST_FUZZ_MS'] ?? 2000);
  const start = Date.now();
  const base = process.memoryUsage().arrayBuffers;
  let maxDelta = 0;
  let iterations = 0;
  let errors = 0;
  while (Date.now() - start < budgetMs) {
    iterations++;
    const c = pick(rnd, items);
    const files = { ...c.files };
    const store = new MemoryFileStore(files);
    const names = Object.keys(files);
    const target = pick(rnd, names);
    const semantic = !c.v1 && rnd() < 0.4;
    const what = semantic ? 'entry' : target;
    try {
      if (semantic) await mutateEntry(rnd, c, store);
      else await store.writeFile(target, mutateBytes(rnd, files[target]!));
      await exercise(c, store, rnd() < 0.5);
    } catch (e) {
      if (!isTFError(e)) {
        assert.fail(`seed ${seed} iteration ${iterations} (${c.name}, ${what}): non-TF error ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
      }
      errors++;
    }
    maxDelta = Math.max(maxDelta, process.memoryUsage().arrayBuffers - base);
  }
  if (process.env['TFPERSIST_FUZZ_VERBOSE']) console.log(`fuzz: seed ${seed}, ${iterations} iterations, ${errors} errors, max arrayBuffers delta ${maxDelta}`);
  assert.ok(iterations >= 3, `only ${iterations} iterations`);
  if (iterations >= 50) assert.ok(errors > 0, 'mutations never produced an error?');
  assert.ok(maxDelta < 256 * 1024 * 1024, `arrayBuffers grew by ${maxDelta} bytes`);
});
