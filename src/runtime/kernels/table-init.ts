/**
 * `InitializeTableFromTextFileV2`: fills a hash table
 * from a text file read through the session's file store (see `setKernelFileStore` in
 * `checkpoint-io.ts`). Column indices as TensorFlow's `TextFileIndex`: `-1` = the line number
 * (int64; plus the `offset` attr), `-2` = the whole line (string), `>= 0` = that column of the line
 * split on `delimiter`.
 */
import { FailedPreconditionError, InvalidArgumentError } from '../../errors.js';
import { readRange } from '../../io/read-range.js';
import type { FileStore } from '../../io/types.js';
import { DTYPES, type DType } from '../../tensor/dtype.js';
import { utf8Decode, utf8Encode } from '../../util/bytes.js';
import type { KernelContext } from '../kernel-registry.js';
import type { HashTable } from '../resources.js';
import type { RuntimeTensor } from '../runtime-tensor.js';
import { kernelFileStore, singleString } from './checkpoint-io.js';
import type { KernelTable } from './util.js';

/** TF's `TextFileIndex.LINE_NUMBER`. */
export const LINE_NUMBER = -1;
/** TF's `TextFileIndex.WHOLE_LINE`. */
export const WHOLE_LINE = -2;

type Stored = number | bigint | Uint8Array;

async function readWhole(store: FileStore, path: string): Promise<Uint8Array> {
  if (store.readFile !== undefined) return store.readFile(path);
  const src = await store.open(path);
  try {
    return await readRange(src, 0, src.byteLength);
  } finally {
    await src.close?.();
  }
}

/**
 * Splits file bytes into lines like TF's `InputBuffer::ReadLine` (drops `\n` and a `\r` before it);
 * `next` is the byte offset after the line (TF's position in its messages).
 */
export function splitLines(bytes: Uint8Array): { line: Uint8Array; next: number }[] {
  const lines: { line: Uint8Array; next: number }[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (i === bytes.length && start === i) break;
      let end = i;
      if (end > start && bytes[end - 1] === 0x0d) end--;
      lines.push({ line: bytes.subarray(start, end), next: Math.min(i + 1, bytes.length) });
      start = i + 1;
    }
  }
  return lines;
}

/** Splits on every occurrence of the delimiter (bytes; empty fields kept). */
function splitFields(line: Uint8Array, delim: Uint8Array): Uint8Array[] {
  if (delim.length === 0) return [line];
  const out: Uint8Array[] = [];
  let start = 0;
  outer: for (let i = 0; i + delim.length <= line.length; i++) {
    for (let k = 0; k < delim.length; k++) if (line[i + k] !== delim[k]) continue outer;
    out.push(line.subarray(start, i));
    i += delim.length - 1;
    start = i + 1;
  }
  out.push(line.subarray(start));
  return out;
}

function convert(token: Uint8Array, dtype: DType, lineNo: number): Stored {
  const text = utf8Decode(token);
  const bad = (what: string) => new InvalidArgumentError(`Field ${text} in line ${lineNo} is not a valid ${what}.`);
  switch (dtype) {
    case 'string': return token.slice();
    case 'int64': {
      if (!/^[+-]?\d+$/.test(text.trim())) throw bad('int64');
      const v = BigInt(text.trim());
      if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) throw bad('int64');
      return v;
    }
    case 'int32': {
      if (!/^[+-]?\d+$/.test(text.trim())) throw bad('int32');
      const v = Number(text.trim());
      if (v > 2147483647 || v < -2147483648) throw bad('int32');
      return v;
    }
    case 'float32':
    case 'float64': {
      const t = text.trim();
      const v = Number(t);
      if (t === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(t))) throw bad(dtype === 'float32' ? 'float' : 'double');
      return dtype === 'float32' ? Math.fround(v) : v;
    }
    default:
      throw new InvalidArgumentError(`InitializeTableFromTextFile: dtype ${dtype} is not supported for table keys or values`);
  }
}

/** The map key of a stored key (as `tables.ts` keys its maps: strings as latin1 text). */
function mapKey(v: Stored): string | number | bigint {
  if (v instanceof Uint8Array) {
    let s = '';
    for (const b of v) s += String.fromCharCode(b);
    return s;
  }
  return v;
}

function checkIndex(index: number, dtype: DType, which: 'Key' | 'Value'): void {
  if (index === LINE_NUMBER && dtype !== 'int64') {
    throw new InvalidArgumentError(`${which} index for line number requires table ${which.toLowerCase()} dtype of int64, got ${DTYPES[dtype].cppName}`);
  }
  if (index === WHOLE_LINE && dtype !== 'string' && dtype !== 'int64' && dtype !== 'int32' && dtype !== 'float32' && dtype !== 'float64') {
    throw new InvalidArgumentError(`${which} index for whole line requires string, int32, int64, float or double table ${which.toLowerCase()} dtype, got ${DTYPES[dtype].cppName}`);
  }
  if (index < WHOLE_LINE) throw new InvalidArgumentError(`Invalid ${which.toLowerCase()} index ${index}.`);
}

function insert(t: HashTable, key: Stored, value: Stored): void {
  const k = mapKey(key);
  const prev = t.map.get(k);
  if (prev !== undefined && !t.mutable) {
    const same = prev instanceof Uint8Array && value instanceof Uint8Array
      ? prev.length === value.length && prev.every((b, i) => b === value[i])
      : prev === value;
    if (!same) {
      const show = (v: Stored) => (v instanceof Uint8Array ? utf8Decode(v) : String(v));
      throw new FailedPreconditionError(`HashTable has different value for same key. Key ${show(key)} has ${show(prev)} and trying to add value ${show(value)}`);
    }
    return;
  }
  t.map.set(k, value);
}

async function initFromTextFile(ctx: KernelContext): Promise<RuntimeTensor[]> {
  const h = ctx.input(0);
  if (h.kind !== 'resource') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input 0 must be a table handle`);
  const table = ctx.resources.table(h.handle);
  const filename = singleString(ctx, 1, 'filename');
  const keyIndex = ctx.attrs.int('key_index');
  const valueIndex = ctx.attrs.int('value_index');
  const vocabSize = ctx.attrs.int('vocab_size', -1);
  const delimiter = ctx.attrs.string('delimiter', '\t');
  const offset = ctx.attrs.int('offset', 0);
  if (filename === '') throw new InvalidArgumentError('filename cannot be empty.');
  if (vocabSize < -1 || vocabSize === 0) throw new InvalidArgumentError(`Invalid vocab_size ${vocabSize}.`);
  checkIndex(keyIndex, table.keyDtype, 'Key');
  checkIndex(valueIndex, table.valueDtype, 'Value');
  if (!table.mutable && table.initialized) return [];
  const bytes = await readWhole(kernelFileStore(ctx), filename);
  const lines = splitLines(bytes);
  if (utf8Encode(delimiter).length !== 1) throw new InvalidArgumentError('delimiter should be only 1 char');
  const delim = utf8Encode(delimiter);
  const needSplit = keyIndex >= 0 || valueIndex >= 0;
  const want = Math.max(keyIndex, valueIndex) + 1;
  const n = vocabSize > 0 ? Math.min(vocabSize, lines.length) : lines.length;
  if (vocabSize > 0 && lines.length < vocabSize) {
    throw new InvalidArgumentError(`Invalid vocab_size in ${filename}: expected ${vocabSize} but got ${lines.length}`);
  }
  const pick = (index: number, dtype: DType, line: Uint8Array, fields: Uint8Array[], lineNo: number): Stored => {
    if (index === LINE_NUMBER) return BigInt(lineNo) + BigInt(offset);
    if (index === WHOLE_LINE) return convert(line, dtype, lineNo);
    return convert(fields[index]!, dtype, lineNo);
  };
  for (let i = 0; i < n; i++) {
    const { line, next } = lines[i]!;
    if (line.length === 0) {
      throw new InvalidArgumentError(`Invalid content in ${filename}: empty line found at position ${next}.`);
    }
    const fields = needSplit ? splitFields(line, delim) : [];
    if (needSplit && fields.length < want) {
      throw new InvalidArgumentError(
        `Invalid number of columns in ${filename} line ${i} (${utf8Decode(line)}) : expected at least ${want} got ${fields.length}`,
      );
    }
    insert(table, pick(keyIndex, table.keyDtype, line, fields, i), pick(valueIndex, table.valueDtype, line, fields, i));
  }
  table.initialized = true;
  return [];
}

/** Table initializer kernels. */
export const tableInitKernels: KernelTable = {
  InitializeTableFromTextFileV2: initFromTextFile,
};
