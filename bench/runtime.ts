/**
 * Runtime benchmark (`npm run bench:runtime [-- --quick] [--backends cpu,wasm] [--no-tf] [--tf-threads N]
 * [--json FILE]`).
 *
 * Graphs (test/fixtures/bench/, frozen by TF 2.21 with tools/fixtures/make_bench_graphs.py): a small CNN
 * (32x32x3, two conv + two dense layers), an MLP (256-128-128-10), both at batch 1 and 32, and a 2-op graph
 * (Placeholder + AddV2 on 4 floats) for the per-run overhead. Each case runs on every requested tfjs
 * backend (cpu; wasm when the optional package is installed) and, when a TensorFlow Python is found
 * (`$TFPERSIST_PYTHON`, `~/.venv-tf/bin/python`, `python3`), with TensorFlow's `session.run` on the same
 * graph and input (bench/runtime_tf.py). Printed: median and p90 per `session.run` (feed a host
 * TensorValue, fetch a host TensorValue — what a user pays), and ours/TF.
 *
 * Executor overhead: a second pass wraps every kernel with a timer (through the public registerKernel /
 * getKernel) and attributes each run's time to kernels (op computations incl. tfjs dispatch) or to
 * everything else — plan lookup, feed conversion/upload, scheduling, engine scopes, dispose, readback of the
 * fetched value. `overhead = run - sum(kernels)`, reported per run and as a fraction of the run, plus the
 * kernel time per op type. The tiny graph is additionally run without a fetch (`targets` only) to split the
 * fetch readback from the rest.
 *
 * Targets checked at the end: executor overhead <= 10% of a CNN run; tiny graph <= 50 us per run; wasm CNN
 * within 3x of TensorFlow. Numbers depend on the machine and its load: compare runs on a quiet machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Session, readGraphDef, type GraphDef, type TensorValue } from '../src/index.js';
import { getKernel, registerKernel, unregisterKernel, type KernelContext, type KernelSpec } from '../src/runtime/kernel-registry.js';
import { setBackend } from '../src/runtime/backend.js';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${start}`);
    dir = up;
  }
}
const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
const BENCH_DIR = join(ROOT, 'test', 'fixtures', 'bench');

interface Args {
  quick: boolean;
  backends: string[];
  tf: boolean;
  tfThreads: number;
  json?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, backends: ['cpu', 'wasm'], tf: true, tfThreads: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--no-tf') a.tf = false;
    else if (k === '--backends') a.backends = next().split(',').filter(Boolean);
    else if (k === '--tf-threads') a.tfThreads = Number(next());
    else if (k === '--json') a.json = next();
    else throw new Error(`unknown argument ${k} (known: --quick, --backends cpu,wasm, --no-tf, --tf-threads N, --json FILE)`);
  }
  return a;
}

interface BenchIo {
  graph: string;
  input: string;
  output: string;
  item_shape: number[] | null;
  outputs: Record<string, { shape: number[]; value: number[] }>;
}

interface Case {
  id: string;
  graph: GraphDef;
  io: BenchIo;
  batch: number;
  feed: TensorValue;
}

/** The deterministic input shared with runtime_tf.py / make_bench_graphs.py. */
function benchInput(shape: number[]): TensorValue {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 37) % 101) / 101 - 0.5;
  return { dtype: 'float32', shape, data };
}

function loadCases(): Case[] {
  const out: Case[] = [];
  for (const [name, batches] of [['cnn', [1, 32]], ['mlp', [1, 32]], ['tiny', [4]]] as [string, number[]][]) {
    const io = JSON.parse(readFileSync(join(BENCH_DIR, `${name}.io.json`), 'utf8')) as BenchIo;
    const graph = readGraphDef(readFileSync(join(BENCH_DIR, io.graph)), { source: io.graph });
    for (const b of batches) {
      const shape = io.item_shape === null ? [b] : [b, ...io.item_shape];
      out.push({ id: `${name}/${b}`, graph, io, batch: b, feed: benchInput(shape) });
    }
  }
  // A chain of 100 AddV2 on 4 floats (built here, not by TF): per-node cost of the executor.
  const n = 100;
  let text = 'node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: 4 } } } } }\n';
  for (let i = 1; i <= n; i++) {
    const inp = i === 1 ? 'x' : `a${i - 1}`;
    text += `node { name: "a${i}" op: "AddV2" input: "${inp}" input: "${inp}" attr { key: "T" value { type: DT_FLOAT } } }\n`;
  }
  text += 'versions { producer: 2474 }\n';
  const feed = benchInput([4]);
  const want = Array.from(feed.data as Float32Array, (v) => v * 2 ** n);
  out.push({
    id: `chain/${n}`,
    graph: readGraphDef(text, { source: 'chain' }),
    io: { graph: 'chain', input: 'x:0', output: `a${n}:0`, item_shape: null, outputs: { '4': { shape: [4], value: want } } },
    batch: 4,
    feed,
  });
  return out;
}

interface Stats {
  median: number;
  p90: number;
  runs: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))] as number;
  return { median: q(0.5), p90: q(0.9), runs: s.length };
}

/** Runs `fn` for warmup, then times it until both the minimum count and the time budget are reached. */
async function timeIt(fn: () => Promise<unknown>, quick: boolean, hooks: { onStart?: () => void; onEach?: (ms: number) => void } = {}): Promise<number[]> {
  const [warmup, minRuns, maxRuns, budget] = quick ? [3, 10, 300, 1000] : [20, 30, 5000, 5000];
  const onEach = hooks.onEach;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < budget)) {
    hooks.onStart?.();
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    times.push(ms);
    onEach?.(ms);
  }
  return times;
}

function maxAbsDiff(got: TensorValue, want: { shape: number[]; value: number[] }): number {
  if (got.shape.join(',') !== want.shape.join(',')) return Infinity;
  const d = got.data as Float32Array;
  let m = 0;
  for (let i = 0; i < want.value.length; i++) m = Math.max(m, Math.abs((d[i] as number) - (want.value[i] as number)));
  return m;
}

/** Kernel timing: wraps the kernels of the given op types; `take()` returns and resets the totals. */
class KernelTimer {
  private total = 0;
  private readonly byOp = new Map<string, number>();
  private readonly wrapped: string[] = [];

  wrap(opTypes: Iterable<string>): void {
    for (const op of opTypes) {
      const spec = getKernel(op);
      if (spec === undefined || this.wrapped.includes(op)) continue;
      const inner: KernelSpec = spec;
      registerKernel(op, {
        ...inner,
        compute: (ctx: KernelContext) => {
          const t0 = performance.now();
          const r = inner.compute(ctx);
          if (r instanceof Promise) {
            return r.finally(() => this.add(op, performance.now() - t0));
          }
          this.add(op, performance.now() - t0);
          return r;
        },
      });
      this.wrapped.push(op);
    }
  }

  private add(op: string, ms: number): void {
    this.total += ms;
    this.byOp.set(op, (this.byOp.get(op) ?? 0) + ms);
  }

  /** Per-op kernel time since the last call (and resets it). */
  takeOps(): Map<string, number> {
    const m = new Map(this.byOp);
    this.byOp.clear();
    return m;
  }

  take(): number {
    const t = this.total;
    this.total = 0;
    return t;
  }

  unwrapAll(): void {
    for (const op of this.wrapped) unregisterKernel(op);
    this.wrapped.length = 0;
  }
}

interface Result {
  id: string;
  backend: string;
  run: Stats;
  maxAbsDiff: number;
  /** Median per-run time outside kernels (ms) and its median fraction of the run. */
  overheadMs: number;
  overheadFraction: number;
  kernelMs: number;
  perOp: [string, number][];
  /** Tiny graph only: run without fetching (targets only). */
  noFetch?: Stats;
}

async function benchCase(c: Case, backend: string, quick: boolean): Promise<Result> {
  const fetch = c.io.output;
  const feeds = { [c.io.input]: c.feed };
  // Pass 1: plain timing.
  const s1 = new Session(c.graph, { backend });
  let run: Stats;
  let diff: number;
  let noFetch: Stats | undefined;
  try {
    const first = (await s1.run(fetch, feeds)) as TensorValue;
    diff = maxAbsDiff(first, c.io.outputs[String(c.batch)] as { shape: number[]; value: number[] });
    run = stats(await timeIt(() => s1.run(fetch, feeds), quick));
    if (c.id.startsWith('tiny/')) {
      const target = fetch.slice(0, fetch.lastIndexOf(':'));
      noFetch = stats(await timeIt(() => s1.run([], feeds, { targets: [target] }), quick));
    }
  } finally {
    s1.close();
  }
  // Pass 2: kernels timed.
  const timer = new KernelTimer();
  timer.wrap(new Set(c.graph.node.map((n) => n.op)));
  const s2 = new Session(c.graph, { backend });
  const overheads: number[] = [];
  const fractions: number[] = [];
  const kernels: number[] = [];
  const opTimes = new Map<string, number[]>();
  try {
    await s2.run(fetch, feeds);
    await timeIt(
      async () => {
        await s2.run(fetch, feeds);
      },
      quick,
      {
        // Discard what the warmup runs accumulated.
        onStart: () => {
          timer.take();
          timer.takeOps();
        },
        onEach: (ms) => {
          const k = timer.take();
          for (const [op, t] of timer.takeOps()) {
            let a = opTimes.get(op);
            if (a === undefined) opTimes.set(op, (a = []));
            a.push(t);
          }
          kernels.push(k);
          overheads.push(ms - k);
          fractions.push((ms - k) / ms);
        },
      },
    );
  } finally {
    s2.close();
    timer.unwrapAll();
  }
  // Medians per op type (means are ruined by descheduling on a loaded machine).
  const perOp = [...opTimes.entries()].map(([op, ms]) => [op, stats(ms).median] as [string, number]).sort((a, b) => b[1] - a[1]);
  return {
    id: c.id,
    backend,
    run,
    maxAbsDiff: diff,
    overheadMs: stats(overheads).median,
    overheadFraction: stats(fractions).median,
    kernelMs: stats(kernels).median,
    perOp,
    ...(noFetch !== undefined ? { noFetch } : {}),
  };
}

interface TfResult {
  tf_version: string;
  threads: number;
  cases: Record<string, { median_ms: number; p90_ms: number; runs: number; max_abs_diff: number }>;
}

function pythonCandidates(): string[] {
  const out: string[] = [];
  if (process.env['TFPERSIST_PYTHON']) out.push(process.env['TFPERSIST_PYTHON']);
  const venv = process.platform === 'win32' ? join(homedir(), '.venv-tf', 'Scripts', 'python.exe') : join(homedir(), '.venv-tf', 'bin', 'python');
  if (existsSync(venv)) out.push(venv);
  out.push(process.platform === 'win32' ? 'python' : 'python3');
  return out;
}

function runTf(quick: boolean, threads: number): TfResult | string {
  const script = join(ROOT, 'bench', 'runtime_tf.py');
  let last = 'no Python found';
  for (const py of pythonCandidates()) {
    const r = spawnSync(py, [script, ...(quick ? ['--quick'] : []), '--threads', String(threads)], {
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', CUDA_VISIBLE_DEVICES: '' },
      encoding: 'utf8',
      timeout: 30 * 60_000,
      maxBuffer: 16 << 20,
    });
    if (r.error) {
      last = `${py}: ${r.error.message}`;
      continue;
    }
    if (r.status !== 0) {
      last = `${py}: exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''}`;
      continue;
    }
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as TfResult;
    } catch {
      last = `${py}: unexpected output ${line.slice(0, 200)}`;
    }
  }
  return last;
}

const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const pad = (s: string, n: number): string => s.padStart(n);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cases = loadCases();
  console.log(`tfpersist runtime benchmark${args.quick ? ' (--quick)' : ''} — node ${process.version}, ${new Date().toISOString()}`);
  console.log('Timings are wall-clock per session.run (host feed in, host value out); they depend on machine load.\n');

  const backends: string[] = [];
  for (const b of args.backends) {
    try {
      await setBackend(b);
      backends.push(b);
    } catch (e) {
      console.log(`backend ${b}: skipped (${(e as Error).message.split('\n')[0]})`);
    }
  }

  const results: Result[] = [];
  for (const b of backends) {
    for (const c of cases) {
      process.stderr.write(`\r${b} ${c.id} ...        `);
      results.push(await benchCase(c, b, args.quick));
    }
  }
  process.stderr.write('\r' + ' '.repeat(40) + '\r');

  let tf: TfResult | undefined;
  let tf1: TfResult | undefined;
  if (args.tf) {
    process.stderr.write('TensorFlow (bench/runtime_tf.py) ...\r');
    const r = runTf(args.quick, args.tfThreads);
    process.stderr.write(' '.repeat(40) + '\r');
    if (typeof r === 'string') console.log(`TensorFlow: not measured (${r})\n`);
    else tf = r;
    // tfjs runs on one thread: also time TF on one thread for a like-for-like ratio.
    if (tf !== undefined && args.tfThreads !== 1) {
      process.stderr.write('TensorFlow, 1 thread ...\r');
      const r1 = runTf(args.quick, 1);
      process.stderr.write(' '.repeat(40) + '\r');
      if (typeof r1 !== 'string') tf1 = r1;
    }
  }

  // Table.
  const head = ['case', 'backend', 'median ms', 'p90 ms', 'runs', 'max|diff|', 'TF med ms', 'TF p90 ms', 'ours/TF', 'TF1 med', 'ours/TF1'];
  const widths = [9, 8, 10, 10, 6, 10, 10, 10, 8, 10, 8];
  const line = (cols: string[]): string => cols.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : pad(c, widths[i] as number))).join('  ');
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of results) {
    const t = tf?.cases[r.id];
    console.log(
      line([
        r.id,
        r.backend,
        f(r.run.median),
        f(r.run.p90),
        String(r.run.runs),
        r.maxAbsDiff.toExponential(1),
        t ? f(t.median_ms) : '-',
        t ? f(t.p90_ms) : '-',
        t ? f(r.run.median / t.median_ms, 2) + 'x' : '-',
        tf1?.cases[r.id] ? f(tf1.cases[r.id]!.median_ms) : '-',
        tf1?.cases[r.id] ? f(r.run.median / tf1.cases[r.id]!.median_ms, 2) + 'x' : '-',
      ]),
    );
  }
  if (tf) console.log(`\nTF = TensorFlow ${tf.tf_version} session.run, ${tf.threads === 0 ? 'default threads (all cores)' : `${tf.threads} thread(s)`}; TF1 = one intra/inter-op thread. tfjs cpu/wasm run single-threaded.`);

  // Overhead.
  console.log('\nExecutor overhead (time outside kernels per run; kernels timed through registerKernel wrappers):');
  console.log(line(['case', 'backend', 'run ms', 'kernels ms', 'overhead', 'ovh ms', 'Const ms', 'ovh+Const', '', '', '']).trimEnd());
  for (const r of results) {
    const runMs = r.kernelMs + r.overheadMs;
    const constMs = r.perOp.find(([op]) => op === 'Const')?.[1] ?? 0;
    console.log(line([r.id, r.backend, f(runMs), f(r.kernelMs), `${(r.overheadFraction * 100).toFixed(1)}%`, f(r.overheadMs), f(constMs), `${(((r.overheadMs + constMs) / runMs) * 100).toFixed(1)}%`, '', '', '']).trimEnd());
  }
  for (const r of results.filter((x) => x.id === 'cnn/1' || x.id === 'tiny/4')) {
    const top = r.perOp.slice(0, 8).map(([op, ms]) => `${op} ${f(ms)}`).join(', ');
    console.log(`  ${r.id} ${r.backend} kernel ms per run by op (medians): ${top}`);
  }
  for (const r of results.filter((x) => x.id.startsWith('chain/'))) {
    const nodes = Number(r.id.split('/')[1]) + 1;
    console.log(`  ${r.id} ${r.backend}: ${f(r.run.median * 1000, 1)} us per run = ${f((r.run.median * 1000) / nodes, 2)} us per node, of which kernels ${f((r.kernelMs * 1000) / nodes, 2)} us`);
  }
  for (const r of results.filter((x) => x.noFetch !== undefined)) {
    const nf = r.noFetch as Stats;
    console.log(`  ${r.id} ${r.backend}: run with fetch ${f(r.run.median * 1000, 1)} us, without fetch (targets only) ${f(nf.median * 1000, 1)} us -> fetch readback ~${f((r.run.median - nf.median) * 1000, 1)} us`);
  }

  // Targets.
  console.log('\nTargets:');
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  for (const r of results.filter((x) => x.id.startsWith('cnn/'))) {
    console.log(`  [${verdict(r.overheadFraction <= 0.1)}] executor overhead <= 10% of a CNN run: ${r.id} ${r.backend} ${(r.overheadFraction * 100).toFixed(1)}% (${f(r.overheadMs)} ms of ${f(r.overheadMs + r.kernelMs)} ms)`);
  }
  for (const r of results.filter((x) => x.id.startsWith('tiny/'))) {
    console.log(`  [${verdict(r.run.median <= 0.05)}] tiny graph <= 50 us per run: ${r.backend} median ${f(r.run.median * 1000, 1)} us, p90 ${f(r.run.p90 * 1000, 1)} us`);
  }
  for (const r of results.filter((x) => x.id.startsWith('cnn/') && x.backend === 'wasm')) {
    const t = tf?.cases[r.id];
    if (t === undefined) console.log(`  [----] wasm CNN within 3x of TF: ${r.id} not compared (TensorFlow not measured)`);
    else {
      const t1 = tf1?.cases[r.id];
      const one = t1 ? `; vs TF on 1 thread ${f(r.run.median / t1.median_ms, 2)}x (${f(t1.median_ms)} ms)` : '';
      console.log(`  [${verdict(r.run.median <= 3 * t.median_ms)}] wasm CNN within 3x of TF: ${r.id} ${f(r.run.median / t.median_ms, 2)}x (${f(r.run.median)} vs ${f(t.median_ms)} ms)${one}`);
    }
  }
  if (!backends.includes('wasm')) console.log('  [----] wasm CNN within 3x of TF: wasm backend not available');
  const bad = results.filter((r) => !(r.maxAbsDiff <= 1e-4));
  if (bad.length > 0) console.log(`\nWARNING: outputs differ from TensorFlow's recorded outputs: ${bad.map((r) => `${r.id} ${r.backend} ${r.maxAbsDiff}`).join(', ')}`);

  if (args.json !== undefined) {
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, quick: args.quick, results, tf: tf ?? null, tf1: tf1 ?? null }, null, 1) + '\n');
    console.log(`\nwrote ${args.json}`);
  }
}

await main();
