/**
 * `npm run bench:checkpoint` — checkpoint write / open+list / read-all / read-one timings and memory.
 *
 * Synthetic checkpoints: (a) 1 GiB in 64 float32 variables [2048, 2048]; (b) 256 MiB in 10,000 float32
 * variables [6710]. For each: `writeCheckpoint` (local files; fsync off like TensorFlow's writer, and
 * with the default fsync for reference), `openCheckpoint` + `entries()`, `readAll()`, and opening + reading
 * one tensor of (a) through a read-counting store (bytes read, ArrayBuffer growth). Peak RSS and
 * `arrayBuffers` are sampled during every phase. When TensorFlow is available (`~/.venv-tf/bin/python` or
 * `$TFPERSIST_PYTHON`), `bench/tf_checkpoint_bench.py` runs TF's Saver save / restore and
 * `tf.train.load_checkpoint` reader on the same shapes in the same run, and ratios are printed against
 * the targets. Options: `--quick` (1/16 of the data, same variable counts), `--no-tf`, `--json`.
 * Files go to a temp directory that is removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, homedir, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NodeFileStore,
  openCheckpoint,
  withReadCounter,
  writeCheckpoint,
  type ByteSource,
  type FileStore,
  type LazyTensor,
} from '../src/node.js';

interface CaseSpec {
  id: string;
  label: string;
  nvars: number;
  shape: number[];
}

interface Phase {
  seconds: number;
  peakRss: number;
  peakArrayBuffers: number;
}

interface OurResult {
  write: Phase;
  writeFsync?: Phase;
  openList: Phase;
  readAll: Phase;
  readOne?: Phase & { bytesRead: number; dataBytesRead: number; reads: number; allocated: number; tensorBytes: number };
  bytes: number;
}

interface TfResult {
  write: number;
  restore: number;
  open_list: number;
  read_all: number;
  read_one: number;
  peak_rss: number;
  tf_version: string;
}

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const useTf = !args.has('--no-tf');
const jsonOut = args.has('--json');

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** Runs `fn` while sampling memory every few ms. */
async function measure<T>(fn: () => Promise<T>): Promise<[T, Phase]> {
  gc();
  let peakRss = process.memoryUsage.rss();
  let peakAb = process.memoryUsage().arrayBuffers;
  const sample = (): void => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.arrayBuffers > peakAb) peakAb = m.arrayBuffers;
  };
  const timer = setInterval(sample, 5);
  const t0 = process.hrtime.bigint();
  try {
    const out = await fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    sample();
    return [out, { seconds, peakRss, peakArrayBuffers: peakAb }];
  } finally {
    clearInterval(timer);
  }
}

/** A store whose sources count their reads. */
class CountingStore implements FileStore {
  readonly counters: { file: string; src: ByteSource & { reads: number; bytesRead: number } }[] = [];
  constructor(private readonly inner: NodeFileStore) {}
  async open(path: string): Promise<ByteSource> {
    const src = withReadCounter(await this.inner.open(path));
    this.counters.push({ file: path, src });
    return src;
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }
  isDirectory(path: string): Promise<boolean> {
    return this.inner.isDirectory(path);
  }
  total(filter: (f: string) => boolean = () => true): { reads: number; bytes: number } {
    let reads = 0;
    let bytes = 0;
    for (const c of this.counters) {
      if (!filter(c.file)) continue;
      reads += c.src.reads;
      bytes += c.src.bytesRead;
    }
    return { reads, bytes };
  }
}

function tensorsFor(spec: CaseSpec): LazyTensor[] {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  // Values are made before timing starts (the benchmark measures the writer, not data generation).
  return Array.from({ length: spec.nvars }, (_, i) => {
    const data = new Float32Array(n).fill(i % 7);
    const value = { dtype: 'float32' as const, shape: spec.shape, data };
    return { name: `v${String(i).padStart(5, '0')}`, dtype: 'float32' as const, shape: spec.shape, value: () => value };
  });
}

async function runOurs(spec: CaseSpec, dir: string, withReadOne: boolean): Promise<OurResult> {
  const prefix = join(dir, `ours-${spec.id}`);
  const store = new NodeFileStore({ fsync: false });
  let tensors: LazyTensor[] | undefined = tensorsFor(spec);
  const bytes = spec.nvars * spec.shape.reduce((a, b) => a * b, 4);
  const [, write] = await measure(() => writeCheckpoint(prefix, tensors!, { store, updateState: false }));
  const [, writeFsync] = await measure(() => writeCheckpoint(`${prefix}-fsync`, tensors!, { store: new NodeFileStore(), updateState: false }));
  rmSync(`${prefix}-fsync.index`, { force: true });
  rmSync(`${prefix}-fsync.data-00000-of-00001`, { force: true });
  tensors = undefined;
  gc();
  const [, openList] = await measure(async () => {
    const r = await openCheckpoint(prefix, { store });
    const n = r.entries().length;
    await r.close();
    return n;
  });
  const [, readAll] = await measure(async () => {
    const r = await openCheckpoint(prefix, { store });
    let got = 0;
    for await (const [, v] of r.readTensors()) got += (v.data as Float32Array).byteLength;
    await r.close();
    if (got !== bytes) throw new Error(`read ${got} bytes, expected ${bytes}`);
    return got;
  });
  const result: OurResult = { write, writeFsync, openList, readAll, bytes };
  if (withReadOne) {
    const counting = new CountingStore(store);
    const name = `v${String(Math.floor(spec.nvars / 2)).padStart(5, '0')}`;
    const r = await openCheckpoint(prefix, { store: counting });
    const before = counting.total();
    let kept: Float32Array | undefined;
    let allocated = 0;
    const [, phase] = await measure(async () => {
      gc();
      const ab0 = process.memoryUsage().arrayBuffers;
      kept = (await r.getTensor(name)).data as Float32Array;
      allocated = process.memoryUsage().arrayBuffers - ab0;
    });
    const after = counting.total();
    const data = counting.total((f) => f.includes('.data-'));
    await r.close();
    result.readOne = {
      ...phase,
      bytesRead: after.bytes - before.bytes,
      dataBytesRead: data.bytes,
      reads: after.reads - before.reads,
      allocated,
      tensorBytes: kept?.byteLength ?? 0,
    };
  }
  return result;
}

function findPython(): string | undefined {
  const candidates = [process.env['TFPERSIST_PYTHON'], join(homedir(), '.venv-tf', 'bin', 'python')];
  for (const c of candidates) if (c !== undefined && c !== '' && existsSync(c)) return c;
  return undefined;
}

function runTf(python: string, spec: CaseSpec, dir: string): TfResult | string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/bench/checkpoint.js -> repo/bench/tf_checkpoint_bench.py
  let script = join(here, 'tf_checkpoint_bench.py');
  if (!existsSync(script)) script = join(here, '..', '..', 'bench', 'tf_checkpoint_bench.py');
  const r = spawnSync(python, [script, '--dir', dir, '--nvars', String(spec.nvars), '--shape', spec.shape.join(',')], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  if (r.status !== 0) return `TensorFlow run failed: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as TfResult;
  } catch {
    return `could not parse TensorFlow output: ${line.slice(0, 200)}`;
  }
}

const fmtS = (s: number): string => (s < 0.001 ? `${(s * 1e6).toFixed(0)} us` : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const fmtB = (b: number): string => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(2)} GiB` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

function row(cols: string[], widths: number[]): string {
  return cols.map((c, i) => (i === 0 ? pad(c, widths[i] as number) : lpad(c, widths[i] as number))).join('  ');
}

async function main(): Promise<void> {
  const scale = quick ? 16 : 1;
  const specs: CaseSpec[] = [
    { id: 'a', label: `(a) ${quick ? '64 MiB' : '1 GiB'} in 64 float32 variables`, nvars: 64, shape: quick ? [512, 512] : [2048, 2048] },
    { id: 'b', label: `(b) ${quick ? '16 MiB' : '256 MiB'} in 10,000 float32 variables`, nvars: 10000, shape: [Math.round(6710 / scale)] },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'tfpersist-bench-'));
  const python = useTf ? findPython() : undefined;
  const results: Record<string, { ours: OurResult; tf?: TfResult | string }> = {};
  try {
    for (const spec of specs) {
      const ours = await runOurs(spec, dir, spec.id === 'a');
      rmSync(join(dir, `ours-${spec.id}.index`), { force: true });
      rmSync(join(dir, `ours-${spec.id}.data-00000-of-00001`), { force: true });
      const entry: { ours: OurResult; tf?: TfResult | string } = { ours };
      if (python !== undefined) {
        entry.tf = runTf(python, spec, dir);
        rmSync(join(dir, 'tf-ckpt.index'), { force: true });
        rmSync(join(dir, 'tf-ckpt.data-00000-of-00001'), { force: true });
      }
      results[spec.id] = entry;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (jsonOut) {
    process.stdout.write(JSON.stringify({ quick, results }, null, 1) + '\n');
    return;
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const tfVersion = Object.values(results).map((r) => (typeof r.tf === 'object' ? r.tf.tf_version : undefined)).find((v) => v !== undefined);
  const out: string[] = [];
  out.push(`tfpersist checkpoint benchmark${quick ? ' (--quick)' : ''}`);
  out.push(`node ${process.version}, ${cpus().length} CPUs (${cpu}), ${fmtB(totalmem())} RAM; ` +
    (python === undefined ? 'TensorFlow: not run' : `TensorFlow ${tfVersion ?? '(failed)'} via ${python}`));
  const targets: Record<string, Record<string, string>> = {
    a: { write: '>= 4x', readAll: '>= 2x' },
    b: { write: '>= 25x', readAll: '>= 2x', openList: '<= 30 ms' },
  };
  const widths = [22, 11, 11, 9, 10, 8, 14, 12];
  for (const spec of specs) {
    const r = results[spec.id]!;
    const tf = typeof r.tf === 'object' ? r.tf : undefined;
    out.push('');
    out.push(`${spec.label} [${spec.shape.join(', ')}], ${fmtB(r.ours.bytes)}`);
    out.push(row(['phase', 'tfpersist', 'TensorFlow', 'TF/ours', 'target', 'met', 'peak RSS', 'peak arrBuf'], widths));
    const line = (name: string, key: string, ph: Phase, tfSec: number | undefined, tfName?: string): void => {
      const target = targets[spec.id]?.[key] ?? '';
      const ratio = tfSec !== undefined ? tfSec / ph.seconds : undefined;
      let met = '';
      if (target.startsWith('>=') && ratio !== undefined) met = ratio >= Number(target.replace(/[^\d.]/g, '')) ? 'yes' : 'NO';
      if (target.startsWith('<=')) met = ph.seconds * 1000 <= Number(target.replace(/[^\d.]/g, '')) ? 'yes' : 'NO';
      out.push(row([name, fmtS(ph.seconds), tfSec !== undefined ? fmtS(tfSec) + (tfName ?? '') : '-', ratio !== undefined ? `${ratio.toFixed(1)}x` : '-', target, met, fmtB(ph.peakRss), fmtB(ph.peakArrayBuffers)], widths));
    };
    line('write', 'write', r.ours.write, tf?.write);
    if (r.ours.writeFsync) line('write (with fsync)', 'writeFsync', r.ours.writeFsync, tf?.write);
    line('open+list', 'openList', r.ours.openList, tf?.open_list);
    line('read-all (reader)', 'readAll', r.ours.readAll, tf?.read_all);
    if (tf !== undefined) out.push(row(['  TF Saver.restore', '', fmtS(tf.restore), `${(tf.restore / r.ours.readAll.seconds).toFixed(1)}x`, '', '', `${fmtB(tf.peak_rss)}*`, ''], widths));
    if (r.ours.readOne) {
      const o = r.ours.readOne;
      line('read-one', 'readOne', o, tf?.read_one);
      out.push(`  read-one: ${fmtB(o.tensorBytes)} tensor; ArrayBuffers grew ${fmtB(o.allocated)}; ${o.reads} read(s), ${fmtB(o.bytesRead)} read for the tensor ` +
        `(data files in total incl. open: ${fmtB(o.dataBytesRead)}) -> ${o.bytesRead === o.tensorBytes ? 'reads exactly the tensor' : 'reads more than the tensor'}`);
    }
    if (typeof r.tf === 'string') out.push(`  TensorFlow: ${r.tf}`);
  }
  if (python !== undefined) out.push('', '* TF peak RSS is the whole Python process (TensorFlow runtime + variables + reader).');
  process.stdout.write(out.join('\n') + '\n');
}

await main();
