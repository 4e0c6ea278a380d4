/**
 * `tfpersist convert SRC DST`: copies tensors between a TensorFlow checkpoint, a NumPy `.npz` and a
 * `.safetensors` file, optionally renaming (`--rename REGEX=REPLACEMENT`, repeatable, applied in order)
 * and dropping (`--drop REGEX`, repeatable, matched against the source name) tensors.
 *
 * Formats come from the extension (`.npz`, `.safetensors`, anything else is a checkpoint prefix /
 * directory / file name as `inspect` accepts) or from `--from` / `--to`. Tensors stream one at a time:
 * each is read with one ranged read and written before the next is read. Every output is atomic: a file
 * is written under a temporary name and renamed when complete; a checkpoint is written under a temporary
 * prefix and published data-first, index-last (see `writeCheckpoint`), so a crash never damages an existing
 * output. The TF2 object graph (`_CHECKPOINTABLE_OBJECT_GRAPH`) only means something inside a checkpoint
 * and is dropped, with a warning, when writing `.npz` / `.safetensors`.
 */
import {
  DTYPES,
  InvalidArgumentError,
  NodeFileStore,
  numElements,
  openCheckpoint,
  openNpz,
  openSafetensors,
  writeCheckpoint,
  writeNpz,
  writeSafetensors,
  type ByteSink,
  type DType,
  type LazyTensor,
  type TensorValue,
} from '../formats-node.js';
import type { Output } from './inspect.js';

/** The formats `convert` knows. */
export type TensorFileFormat = 'checkpoint' | 'npz' | 'safetensors';

/** Options of {@link runConvert} (the command's flags). */
export interface ConvertOptions {
  from?: string;
  to?: string;
  rename?: string[];
  drop?: string[];
  shards?: number;
  compress?: boolean;
  progress?: boolean;
  state?: boolean;
  verifyChecksums?: boolean;
}

const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

/** The format of a path by its extension. */
export function formatOfPath(p: string): TensorFileFormat {
  if (/\.npz$/i.test(p)) return 'npz';
  if (/\.safetensors$/i.test(p)) return 'safetensors';
  return 'checkpoint';
}

function parseFormat(v: string | undefined, p: string, which: string): TensorFileFormat {
  if (v === undefined) return formatOfPath(p);
  const f = v.toLowerCase();
  if (f === 'checkpoint' || f === 'ckpt') return 'checkpoint';
  if (f === 'npz') return 'npz';
  if (f === 'safetensors') return 'safetensors';
  throw new InvalidArgumentError(`--${which} must be one of checkpoint, npz, safetensors (got '${v}')`);
}

/** Parses one `--rename REGEX=REPLACEMENT` (the first unescaped `=` splits; `\=` is a literal `=`). */
export function parseRename(spec: string): { re: RegExp; replacement: string } {
  let i = -1;
  for (let k = 0; k < spec.length; k++) {
    if (spec[k] === '\\') {
      k++;
      continue;
    }
    if (spec[k] === '=') {
      i = k;
      break;
    }
  }
  if (i <= 0) throw new InvalidArgumentError(`--rename expects REGEX=REPLACEMENT, got '${spec}'`);
  const pattern = spec.slice(0, i).replace(/\\=/g, '=');
  // Accept Python-style group references (\1) as well as JavaScript's ($1).
  const replacement = spec.slice(i + 1).replace(/\\(\d+)/g, '$$$1');
  try {
    return { re: new RegExp(pattern, 'gu'), replacement };
  } catch (e) {
    throw new InvalidArgumentError(`--rename: bad regular expression '${pattern}': ${(e as Error).message}`);
  }
}

function compile(pattern: string, what: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch (e) {
    throw new InvalidArgumentError(`${what}: bad regular expression '${pattern}': ${(e as Error).message}`);
  }
}

interface SourceEntry {
  name: string;
  dtype: DType;
  shape: number[];
  read: () => Promise<TensorValue>;
}

interface Source {
  entries: SourceEntry[];
  close(): Promise<void>;
}

async function openSource(path: string, fmt: TensorFileFormat, io: Output, verify: boolean): Promise<Source> {
  if (fmt === 'checkpoint') {
    const r = await openCheckpoint(path, { onWarning: (w) => io.warn(w), ...(verify ? {} : { verifyChecksums: false }) });
    return { entries: r.entries().map((e) => ({ ...e, read: () => r.getTensor(e.name) })), close: () => r.close() };
  }
  if (fmt === 'npz') {
    const r = await openNpz(path);
    const list = await r.list();
    return {
      entries: list.map((e) => ({ ...e, read: () => r.getTensor(e.name, verify ? {} : { verifyChecksum: false }) })),
      close: () => r.close(),
    };
  }
  const r = await openSafetensors(path);
  return { entries: r.entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, read: () => r.getTensor(e.name) })), close: () => r.close() };
}

function bytesOf(e: { dtype: DType; shape: number[] }): number {
  return numElements(e.shape) * (DTYPES[e.dtype].byteWidth ?? 16);
}

function mb(n: number): string {
  return (n / 1048576).toFixed(1);
}

/** Runs `convert`; returns the process exit code. */
export async function runConvert(src: string, dst: string, opts: ConvertOptions, io: Output & { isTTY?: boolean }): Promise<number> {
  const fromFmt = parseFormat(opts.from, src, 'from');
  const toFmt = parseFormat(opts.to, dst, 'to');
  const renames = (opts.rename ?? []).map(parseRename);
  const drops = (opts.drop ?? []).map((d) => compile(d, '--drop'));
  const shards = opts.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || shards > 99999) throw new InvalidArgumentError(`--shards must be an integer in [1, 99999], got ${String(opts.shards)}`);
  if (shards !== 1 && toFmt !== 'checkpoint') throw new InvalidArgumentError(`--shards applies to checkpoint output only (the output is ${toFmt})`);
  const store = new NodeFileStore();
  if (toFmt === 'checkpoint' && (await store.isDirectory(dst))) {
    throw new InvalidArgumentError(`${dst} is a directory; give a checkpoint prefix such as ${dst.replace(/\/+$/, '')}/model.ckpt`);
  }
  const source = await openSource(src, fromFmt, io, opts.verifyChecksums !== false);
  try {
    const plan: (SourceEntry & { out: string })[] = [];
    const outNames = new Map<string, string>();
    for (const e of source.entries) {
      if (drops.some((re) => re.test(e.name))) continue;
      if (e.name === OBJECT_GRAPH_KEY && toFmt !== 'checkpoint') {
        io.warn(`dropping ${OBJECT_GRAPH_KEY} (the TF2 object graph only means something inside a checkpoint)`);
        continue;
      }
      let out = e.name;
      for (const r of renames) out = out.replace(r.re, r.replacement);
      if (out === '') throw new InvalidArgumentError(`--rename maps '${e.name}' to an empty name`);
      const prev = outNames.get(out);
      if (prev !== undefined) throw new InvalidArgumentError(`--rename maps both '${prev}' and '${e.name}' to '${out}'`);
      outNames.set(out, e.name);
      plan.push({ ...e, out });
    }
    if (plan.length === 0) io.warn(`no tensors to write (all ${source.entries.length} were dropped)`);
    const totalBytes = plan.reduce((s, e) => s + bytesOf(e), 0);
    const showProgress = opts.progress === true || (opts.progress !== false && io.isTTY === true && totalBytes >= 64 * 1048576);
    let doneBytes = 0;
    let doneCount = 0;
    let lastDraw = 0;
    const draw = (final: boolean): void => {
      if (!showProgress) return;
      const now = Date.now();
      if (!final && now - lastDraw < 200) return;
      lastDraw = now;
      const pct = totalBytes === 0 ? 100 : Math.floor((100 * doneBytes) / totalBytes);
      io.warn(`\r${doneCount}/${plan.length} tensors, ${mb(doneBytes)}/${mb(totalBytes)} MB (${pct}%)${final ? '\n' : ''}`);
    };
    const lazy: LazyTensor[] = plan.map((e) => ({
      name: e.out,
      dtype: e.dtype,
      shape: e.shape,
      value: async () => {
        const v = await e.read();
        doneBytes += bytesOf(e);
        doneCount++;
        draw(false);
        return v;
      },
    }));
    const warn = (m: string): void => io.warn(m);
    if (toFmt === 'checkpoint') {
      await writeCheckpoint(dst, lazy, { numShards: shards, updateState: opts.state !== false });
    } else {
      const sink: ByteSink = await store.create(dst);
      try {
        if (toFmt === 'npz') await writeNpz(sink, lazy, { compress: opts.compress === true, onWarning: warn });
        else await writeSafetensors(sink, lazy, { onWarning: warn });
      } catch (e) {
        await sink.abort();
        throw e;
      }
      await sink.close();
    }
    draw(true);
    return 0;
  } finally {
    await source.close();
  }
}
