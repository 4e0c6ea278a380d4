/**
 * Checkpoint I/O kernels (src/runtime/kernels/checkpoint-io.ts) and InitializeTableFromTextFileV2
 * (table-init.ts): SaveV2 read back with BundleReader and byte-compared with TF 2.21's SaveV2 output
 * for the same graph (test/fixtures/kernels-extra/savev2), RestoreV2 over every TF-written checkpoint
 * fixture (bit-exact via the goldens' raw hex), the V1 fallback and V1 Restore/RestoreSlice, TF's
 * error texts, MergeV2Checkpoints, ShardedFilename/ShardedFilespec, and text-file table init.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BundleReader } from '../../src/bundle/bundle-reader.js';
import { isTFError } from '../../src/errors.js';
import { fromBytes, MemoryFileStore } from '../../src/io/memory.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { decodeProto, GraphDefSchema, SavedTensorSlicesSchema } from '../../src/proto/index.js';
import { TableReader } from '../../src/table/table-reader.js';
import { formatTensorSlice, isFullSlice, sliceBounds, tensorSliceFromProto } from '../../src/bundle/tensor-slice.js';
import { setKernelFileStore } from '../../src/runtime/kernels/checkpoint-io.js';
import { Session } from '../../src/runtime/session.js';
import { dtypeToEnum, type DType } from '../../src/tensor/dtype.js';
import { encodeRawTensor } from '../../src/tensor/raw.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { fixture } from '../helpers/paths.js';
import { assertMatches, goldenToValue, type GoldenTensor } from './golden.js';
import { attrB, attrI, attrList, constNode, graph, node, placeholder, T, tv } from './helpers.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The row-major sub-block `bounds` of a POD or string value. */
function sliceOf(v: TensorValue, bounds: Array<[number, number]>): TensorValue {
  const shape = bounds.map(([a, b]) => b - a);
  const src = v.data as unknown as ArrayLike<unknown>;
  const out: unknown[] = [];
  const walk = (d: number, off: number): void => {
    if (d === bounds.length) {
      out.push(src[off]);
      return;
    }
    const stride = v.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    for (let i = bounds[d]![0]; i < bounds[d]![1]; i++) walk(d + 1, off + i * stride);
  };
  walk(0, 0);
  const Ctor = (v.data as unknown as { constructor: { from(a: unknown[]): unknown } }).constructor;
  return { dtype: v.dtype, shape, data: Array.isArray(v.data) ? out : Ctor.from(out) } as TensorValue;
}

function restoreGraph(prefix: string, names: string[], dtypes: DType[], specs?: string[]) {
  return graph([
    constNode('prefix', tv('string', [prefix], [])),
    constNode('names', tv('string', names, [names.length])),
    constNode('specs', tv('string', specs ?? names.map(() => ''), [names.length])),
    node('restore', 'RestoreV2', ['prefix', 'names', 'specs'], { dtypes: attrList({ type: dtypes.map((d) => dtypeToEnum(d)) }) }),
  ]);
}

function checkGolden(got: TensorValue, want: GoldenTensor, what: string): void {
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  if (want.hex !== undefined) assert.equal(hex(encodeRawTensor(got)), want.hex, `${what}: bytes`);
  else assertMatches(got, want, what);
}

describe('SaveV2', () => {
  it('writes what BundleReader reads back (full tensors, int64 exact, strings, a slice)', async () => {
    const g = graph([
      constNode('prefix', tv('string', ['dir/ckpt'], [])),
      constNode('names', tv('string', ['a', 'big', 's', 'part'], [4])),
      constNode('specs', tv('string', ['', '', '', '4 2 1,2:-'], [4])),
      constNode('a', tv('float32', [1.5, -2, 3], [3])),
      constNode('big', tv('int64', ['9007199254740993', '-9223372036854775808'], [2])),
      constNode('s', tv('string', ['x', ''], [2])),
      constNode('p', tv('float32', [1, 2, 3, 4], [2, 2])),
      node('save', 'SaveV2', ['prefix', 'names', 'specs', 'a', 'big', 's', 'p'], { dtypes: attrList({ type: ['float32', 'int64', 'string', 'float32'].map((d) => dtypeToEnum(d as DType)) }) }),
    ]);
    const store = new MemoryFileStore();
    const s = new Session(g, { fileStore: store }); // the session option
    await s.run([], undefined, { targets: ['save'] });
    s.close();
    const r = await BundleReader.open(store, 'dir/ckpt');
    assert.deepEqual(r.keys(), ['a', 'big', 'part', 's']);
    assert.deepEqual(Array.from((await r.getTensor('a')).data as Float32Array), [1.5, -2, 3]);
    assert.deepEqual(Array.from((await r.getTensor('big')).data as BigInt64Array), [9007199254740993n, -9223372036854775808n]);
    assert.deepEqual(((await r.getTensor('s')).data as Uint8Array[]).map((b) => Buffer.from(b).toString()), ['x', '']);
    assert.deepEqual(r.dtypeAndShape('part'), { dtype: 'float32', shape: [4, 2] });
    const part = await r.getSlice('part', [{ start: 1, length: 2 }, { start: 0, length: -1 }]);
    assert.deepEqual(Array.from(part.data as Float32Array), [1, 2, 3, 4]);
    await r.close();
  });

  it("is byte-identical to TF 2.21's SaveV2 for the same graph; ShardedFilename/Spec match TF", async () => {
    const dir = fixture('kernels-extra', 'savev2');
    const expect = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as { sharded_filename: string; sharded_filespec: string };
    const g = decodeProto(GraphDefSchema, readFileSync(join(dir, 'graph.pb')));
    const store = new MemoryFileStore();
    const s = new Session(g);
    setKernelFileStore(s.resourceManager, store);
    await s.run([], { 'prefix:0': tv('string', ['out/ckpt'], []) }, { targets: ['save'] });
    const [sf, ss] = await s.run(['sharded_filename:0', 'sharded_filespec:0']);
    s.close();
    assert.equal(Buffer.from((sf!.data as Uint8Array[])[0]!).toString(), expect.sharded_filename);
    assert.equal(Buffer.from((ss!.data as Uint8Array[])[0]!).toString(), expect.sharded_filespec);
    for (const f of ['ckpt.index', 'ckpt.data-00000-of-00001']) {
      assert.equal(hex(await store.readFile(`out/${f}`)), hex(readFileSync(join(dir, f))), f);
    }
  });

  it('checks the number of names against the tensors (TF text)', async () => {
    const g = graph([
      constNode('prefix', tv('string', ['p'], [])),
      constNode('names', tv('string', ['a', 'b'], [2])),
      constNode('specs', tv('string', ['', ''], [2])),
      constNode('a', tv('float32', [1], [1])),
      node('save', 'SaveV2', ['prefix', 'names', 'specs', 'a'], { dtypes: attrList({ type: [dtypeToEnum('float32')] }) }),
    ]);
    const s = new Session(g);
    setKernelFileStore(s.resourceManager, new MemoryFileStore());
    await assert.rejects(s.run([], undefined, { targets: ['save'] }), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /Got 2 tensor names but 1 tensors/.test((e as Error).message));
    s.close();
  });

  it('needs a file store', async () => {
    const g = graph([
      constNode('prefix', tv('string', ['p'], [])),
      constNode('names', tv('string', ['a'], [1])),
      constNode('specs', tv('string', [''], [1])),
      constNode('a', tv('float32', [1], [1])),
      node('save', 'SaveV2', ['prefix', 'names', 'specs', 'a'], { dtypes: attrList({ type: [dtypeToEnum('float32')] }) }),
    ]);
    const s = new Session(g);
    await assert.rejects(s.run([], undefined, { targets: ['save'] }), (e: unknown) => isTFError(e, 'FAILED_PRECONDITION') && /needs a file store/.test((e as Error).message));
    s.close();
  });
});

describe('RestoreV2 over TF-written checkpoints', () => {
  const root = fixture('checkpoints');
  for (const name of existsSync(root) ? readdirSync(root).sort() : []) {
    const goldenPath = join(root, name, 'golden.json');
    if (!existsSync(goldenPath)) continue;
    it(`${name}: every tensor bit-exact`, async () => {
      const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as { prefix: string; tensors: Record<string, GoldenTensor> };
      let keys = Object.keys(golden.tensors).sort();
      if (keys.length > 200) keys = keys.filter((_, i) => i % 97 === 0);
      const s = new Session(restoreGraph(golden.prefix, keys, keys.map((k) => golden.tensors[k]!.dtype as DType)));
      setKernelFileStore(s.resourceManager, new NodeFileStore({ baseDir: join(root, name) }));
      const got = await s.run(keys.map((_, i) => `restore:${i}`));
      s.close();
      keys.forEach((k, i) => checkGolden(got[i]!, golden.tensors[k]!, `${name}/${k}`));
    });
  }
});

describe('RestoreV2 read planning', () => {
  it('restores many whole tensors with one coalesced read of the data file', async () => {
    const store = new MemoryFileStore();
    const n = 40;
    const names = Array.from({ length: n }, (_, i) => `v${String(i).padStart(2, '0')}`);
    const nodes = [
      constNode('prefix', tv('string', ['m/ckpt'], [])),
      constNode('names', tv('string', names, [n])),
      constNode('specs', tv('string', names.map(() => ''), [n])),
      ...names.map((k, i) => constNode(k, tv('float32', [i, i + 0.5], [2]))),
      node('save', 'SaveV2', ['prefix', 'names', 'specs', ...names], { dtypes: attrList({ type: names.map(() => dtypeToEnum('float32')) }) }),
    ];
    const s1 = new Session(graph(nodes));
    setKernelFileStore(s1.resourceManager, store);
    await s1.run([], undefined, { targets: ['save'] });
    s1.close();
    let dataReads = 0;
    const counting = {
      open: async (path: string) => {
        const src = await store.open(path);
        if (path.includes('.data-')) return { byteLength: src.byteLength, slice: (a: number, b: number) => { dataReads++; return src.slice(a, b); } };
        return src;
      },
      exists: (path: string) => store.exists(path),
    };
    const reversed = names.slice().reverse();
    const s2 = new Session(restoreGraph('m/ckpt', reversed, reversed.map(() => 'float32')));
    setKernelFileStore(s2.resourceManager, counting);
    const got = await s2.run(reversed.map((_, i) => `restore:${i}`));
    s2.close();
    reversed.forEach((k, i) => assert.deepEqual(Array.from(got[i]!.data as Float32Array), [Number(k.slice(1)), Number(k.slice(1)) + 0.5]));
    assert.equal(dataReads, 1);
  });
});

describe('RestoreV2 errors and slices; V1 ops', () => {
  const dir = fixture('checkpoints', 'sharded');
  const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as { prefix: string; tensors: Record<string, GoldenTensor> };
  const floatKey = 'a'; // float32 [3]
  const intKey = 'c'; // int64 [2, 2]

  async function run(g: ReturnType<typeof graph>, fetch: string, base = dir): Promise<TensorValue> {
    const s = new Session(g);
    setKernelFileStore(s.resourceManager, new NodeFileStore({ baseDir: base }));
    try {
      return (await s.run(fetch)) as TensorValue;
    } finally {
      s.close();
    }
  }

  it("reports dtype mismatches with TF's text", async () => {
    await assert.rejects(run(restoreGraph(golden.prefix, [floatKey], ['float64']), 'restore:0'), (e: unknown) =>
      isTFError(e, 'INVALID_ARGUMENT') && (e as Error).message.startsWith(`tensor_name = ${floatKey}; expected dtype double does not equal original dtype float`));
  });

  it("reports missing keys with TF's text", async () => {
    await assert.rejects(run(restoreGraph(golden.prefix, ['no/such'], ['float32']), 'restore:0'), (e: unknown) =>
      isTFError(e, 'NOT_FOUND') && (e as Error).message.startsWith('Key no/such not found in checkpoint'));
  });

  it('restores a slice given by shape_and_slices (and checks the full shape)', async () => {
    const want = goldenToValue(golden.tensors[intKey]!);
    const got = await run(restoreGraph(golden.prefix, [intKey], ['int64'], ['2 2 1,1:-']), 'restore:0');
    assert.deepEqual(got.shape, [1, 2]);
    assert.deepEqual(Array.from(got.data as BigInt64Array), Array.from((want.data as BigInt64Array).subarray(2, 4)));
    await assert.rejects(run(restoreGraph(golden.prefix, [intKey], ['int64'], ['3 2 1,1:-']), 'restore:0'), (e: unknown) =>
      isTFError(e, 'INVALID_ARGUMENT') && /shape in shape_and_slice spec \[\d+,\d+\] does not match the shape stored in checkpoint/.test((e as Error).message));
  });

  it('falls back to V1 and runs Restore / RestoreSlice on a V1 checkpoint', async () => {
    const v1dir = fixture('checkpoints', 'v1');
    const g1 = JSON.parse(readFileSync(join(v1dir, 'golden.json'), 'utf8')) as { prefix: string; tensors: Record<string, GoldenTensor> };
    const got = await run(restoreGraph(g1.prefix, ['b'], ['int32']), 'restore:0', v1dir);
    checkGolden(got, g1.tensors['b']!, 'v1/b');
    const g = graph([
      constNode('file', tv('string', [g1.prefix], [])),
      constNode('name', tv('string', ['b'], [])),
      constNode('spec', tv('string', ['2 3 1,1:1,2'], [])),
      node('r', 'Restore', ['file', 'name'], { dt: T('int32') }),
      node('rs', 'RestoreSlice', ['file', 'name', 'spec'], { dt: T('int32') }),
      node('bad', 'Restore', ['file', 'name'], { dt: T('float32') }),
    ]);
    checkGolden(await run(g, 'r:0', v1dir), g1.tensors['b']!, 'Restore b');
    const sl = await run(g, 'rs:0', v1dir);
    assert.deepEqual(sl.shape, [1, 2]);
    assert.deepEqual(Array.from(sl.data as Int32Array), [5, 6]);
    await assert.rejects(run(g, 'bad:0', v1dir), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /Expected to restore a tensor of type float, got a tensor of type int32 instead: tensor_name = b/.test((e as Error).message));
  });
});

describe('V1 Save / SaveSlices', () => {
  it("rewrites TF 2.21's V1 checkpoint byte for byte (same names in the same order)", async () => {
    const dir = fixture('checkpoints', 'v1');
    const g1 = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as { prefix: string; tensors: Record<string, GoldenTensor> };
    const tfBytes = readFileSync(join(dir, g1.prefix));
    const tr = await TableReader.open(fromBytes(tfBytes, g1.prefix));
    const meta = decodeProto(SavedTensorSlicesSchema, (await tr.get(new Uint8Array(0)))!).meta!;
    // One SaveSlices input per stored slice, in the file's meta order (partitioned variables have several).
    const names: string[] = [];
    const specs: string[] = [];
    const values: TensorValue[] = [];
    for (const t of meta.tensor) {
      const full = goldenToValue(g1.tensors[t.name]!);
      for (const sp of t.slice) {
        const slice = tensorSliceFromProto(sp);
        names.push(t.name);
        if (isFullSlice(slice, full.shape)) {
          specs.push('');
          values.push(full);
        } else {
          specs.push(`${full.shape.join(' ')} ${formatTensorSlice(slice)}`);
          values.push(sliceOf(full, sliceBounds(slice, full.shape)));
        }
      }
    }
    const nodes = [
      constNode('file', tv('string', ['out/model.ckpt'], [])),
      constNode('names', tv('string', names, [names.length])),
      constNode('specs', tv('string', specs, [names.length])),
      ...values.map((v, i) => constNode(`t${i}`, v)),
      node('save', 'SaveSlices', ['file', 'names', 'specs', ...names.map((_, i) => `t${i}`)], { T: attrList({ type: values.map((v) => dtypeToEnum(v.dtype)) }) }),
    ];
    const store = new MemoryFileStore();
    await store.mkdir('out'); // like TF's V1 writer, Save does not create directories
    const s = new Session(graph(nodes));
    setKernelFileStore(s.resourceManager, store);
    await s.run([], undefined, { targets: ['save'] });
    s.close();
    const ours = await store.readFile('out/model.ckpt');
    assert.equal(hex(ours), hex(tfBytes));
  });

  it('writes slices that the V1 Restore reads back', async () => {
    const store = new MemoryFileStore();
    await store.mkdir('v1');
    const g = graph([
      constNode('file', tv('string', ['v1/ck'], [])),
      constNode('names', tv('string', ['w', 'w', 'n'], [3])),
      constNode('specs', tv('string', ['4 2 0,2:-', '4 2 2,2:-', ''], [3])),
      constNode('a', tv('float32', [1, 2, 3, 4], [2, 2])),
      constNode('b', tv('float32', [5, 6, 7, 8], [2, 2])),
      constNode('c', tv('int64', ['-9223372036854775808'], [1])),
      node('save', 'SaveSlices', ['file', 'names', 'specs', 'a', 'b', 'c'], { T: attrList({ type: [dtypeToEnum('float32'), dtypeToEnum('float32'), dtypeToEnum('int64')] }) }),
      constNode('wname', tv('string', ['w'], [])),
      node('r', 'Restore', ['file', 'wname'], { dt: T('float32') }),
    ]);
    const s = new Session(g);
    setKernelFileStore(s.resourceManager, store);
    await s.run([], undefined, { targets: ['save'] });
    const r = (await s.run('r:0')) as TensorValue;
    s.close();
    assert.deepEqual(r.shape, [4, 2]);
    assert.deepEqual(Array.from(r.data as Float32Array), [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('MergeV2Checkpoints', () => {
  it('merges two SaveV2 outputs into one readable bundle', async () => {
    const store = new MemoryFileStore();
    const g = graph([
      placeholder('prefix', 'string', []),
      placeholder('names', 'string', [1]),
      placeholder('val', 'float32', [2]),
      constNode('specs', tv('string', [''], [1])),
      node('save', 'SaveV2', ['prefix', 'names', 'specs', 'val'], { dtypes: attrList({ type: [dtypeToEnum('float32')] }) }),
      constNode('srcs', tv('string', ['tmp/part-00000-of-00002', 'tmp/part-00001-of-00002'], [2])),
      constNode('dest', tv('string', ['final/model'], [])),
      node('merge', 'MergeV2Checkpoints', ['srcs', 'dest'], { delete_old_dirs: attrB(true) }),
    ]);
    const s = new Session(g);
    setKernelFileStore(s.resourceManager, store);
    await s.run([], { 'prefix:0': tv('string', ['tmp/part-00000-of-00002'], []), 'names:0': tv('string', ['x'], [1]), 'val:0': tv('float32', [1, 2]) }, { targets: ['save'] });
    await s.run([], { 'prefix:0': tv('string', ['tmp/part-00001-of-00002'], []), 'names:0': tv('string', ['y'], [1]), 'val:0': tv('float32', [3, 4]) }, { targets: ['save'] });
    await s.run([], undefined, { targets: ['merge'] });
    s.close();
    const r = await BundleReader.open(store, 'final/model');
    assert.equal(r.numShards, 2);
    assert.deepEqual(Array.from((await r.getTensor('y')).data as Float32Array), [3, 4]);
    assert.deepEqual(Array.from((await r.getTensor('x')).data as Float32Array), [1, 2]);
    await r.close();
    assert.equal(await store.exists('tmp/part-00000-of-00002.index'), false);
  });
});

describe('MergeV2Checkpoints: missing inputs', () => {
  it("reports missing prefixes with TF's texts", async () => {
    for (const [allow, re] of [[false, /^allow_missing_files was set to false and nope1 did not exist\./], [true, /^At least one prefix checkpoint file must exist, but none existed\./]] as const) {
      const g = graph([
        constNode('srcs', tv('string', ['nope1'], [1])),
        constNode('dest', tv('string', ['m'], [])),
        node('merge', 'MergeV2Checkpoints', ['srcs', 'dest'], { allow_missing_files: attrB(allow) }),
      ]);
      const s = new Session(g);
      setKernelFileStore(s.resourceManager, new MemoryFileStore());
      await assert.rejects(s.run([], undefined, { targets: ['merge'] }), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && re.test((e as Error).message));
      s.close();
    }
  });
});

describe('InitializeTableFromTextFileV2', () => {
  const path = fixture('kernels-extra', 'table-init.json');
  const { cases } = JSON.parse(readFileSync(path, 'utf8')) as { cases: { name: string; graph_def: string; fetches: Record<string, GoldenTensor> }[] };
  for (const c of cases) {
    it(`${c.name}: matches TF 2.21`, async () => {
      const s = new Session(decodeProto(GraphDefSchema, Buffer.from(c.graph_def, 'base64')));
      setKernelFileStore(s.resourceManager, new NodeFileStore({ baseDir: fixture('kernels-extra') }));
      try {
        for (const [name, want] of Object.entries(c.fetches)) assertMatches((await s.run(name)) as TensorValue, want, name);
      } finally {
        s.close();
      }
    });
  }

  function tableGraph(file: string, keyIndex: number, valueIndex: number, extra: Record<string, ReturnType<typeof attrB>> = {}) {
    return graph([
      node('t', 'HashTableV2', [], { key_dtype: T('string'), value_dtype: T('int64') }),
      constNode('f', tv('string', [file], [])),
      node('init', 'InitializeTableFromTextFileV2', ['t', 'f'], { key_index: attrI(keyIndex), value_index: attrI(valueIndex), ...extra }),
    ]);
  }

  it("reports TF's errors (short line, empty line, vocab_size, bad int64)", async () => {
    const store = new MemoryFileStore({
      'short.txt': Buffer.from('a\t1\nb\n'),
      'empty.txt': Buffer.from('a\t1\nb\r\n\nc\t3\n'),
      'bad.txt': Buffer.from('a\tx\n'),
    });
    const cases: [string, number, number, Record<string, ReturnType<typeof attrB>>, RegExp][] = [
      ['short.txt', 0, 1, {}, /^Invalid number of columns in short.txt line 1 \(b\) : expected at least 2 got 1/],
      ['empty.txt', -2, -1, {}, /^Invalid content in empty.txt: empty line found at position 8\./],
      ['short.txt', 0, -1, { vocab_size: attrI(5) }, /^Invalid vocab_size in short.txt: expected 5 but got 2/],
      ['bad.txt', 0, 1, {}, /^Field x in line 0 is not a valid int64\./],
    ];
    for (const [file, k, v, extra, re] of cases) {
      const s = new Session(tableGraph(file, k, v, extra));
      setKernelFileStore(s.resourceManager, store);
      await assert.rejects(s.run([], undefined, { targets: ['init'] }), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && re.test((e as Error).message), `${file} ${String(re)}`);
      s.close();
    }
  });
});
