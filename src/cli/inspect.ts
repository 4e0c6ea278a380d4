/**
 * `tfpersist inspect PATH`: TensorFlow's `inspect_checkpoint` (`tensorflow/python/tools/inspect_checkpoint.py`)
 * with the same output, plus `--json`.
 *
 * - default: one line per tensor, sorted, `name (DT_FLOAT) [2,3]` (the C++ reader's `DebugString`), a blank
 *   line, then `# Total number of params: N`;
 * - `--all_tensor_names`: `tensor: name (float32) [2, 3]` per tensor;
 * - `--all_tensors`: the same plus NumPy's `str()` of each value;
 * - `--tensor_name NAME`: one tensor with its value;
 * - `--printoptions k=v` (repeatable): NumPy print options threshold / edgeitems / linewidth / precision /
 *   suppress;
 * - `--count_exclude_pattern REGEX`: as TF;
 * - `--json`: `{"tensors": {name: {"dtype", "shape"}}}`, with a lossless `"value"` for `--tensor_name` /
 *   `--all_tensors`.
 *
 * Differences from TF, on purpose: a path naming the checkpoint's `.index` / `.data-*` / `.meta` file or its
 * directory is resolved (with a warning on stderr) instead of failing; errors go to stderr with exit status 1.
 */
import {
  DTYPES,
  InvalidArgumentError,
  NotFoundError,
  openCheckpoint,
  stringifyTensorJson,
  tensorValueToJson,
  type CheckpointReader,
  type DType,
  type TensorJson,
} from '../formats-node.js';
import { DEFAULT_PRINT_OPTIONS, formatNumpy, type PrintOptions } from './numpy-format.js';

/** Options of {@link runInspect} (the command's flags). */
export interface InspectOptions {
  tensorName?: string;
  allTensors?: boolean;
  allTensorNames?: boolean;
  printoptions?: string[];
  countExcludePattern?: string;
  json?: boolean;
  verifyChecksums?: boolean;
}

/** Where the command writes. */
export interface Output {
  out(text: string): void;
  warn(text: string): void;
}

/** Parses `--printoptions k=v` like `inspect_checkpoint.parse_numpy_printoption`. */
export function parsePrintOptions(items: string[] = []): PrintOptions {
  const o: PrintOptions = { ...DEFAULT_PRINT_OPTIONS };
  for (const kv of items) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InvalidArgumentError(`'${kv}' is not in the form k=v.`);
    const k = kv.slice(0, i);
    const v = kv.slice(i + 1);
    switch (k) {
      case 'threshold':
      case 'edgeitems':
      case 'linewidth':
      case 'precision': {
        if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`invalid literal for int() with base 10: '${v}' (printoption ${k})`);
        const n = Number(v);
        if (k !== 'threshold' && n < 0) throw new InvalidArgumentError(`printoption ${k} must be non-negative, got ${v}`);
        o[k] = k === 'threshold' && n < 0 ? Infinity : n;
        break;
      }
      case 'suppress':
        if (!/^(true|false|1|0|t|f)$/i.test(v)) throw new InvalidArgumentError(`printoption suppress must be true or false, got '${v}'`);
        o.suppress = /^(true|1|t)$/i.test(v);
        break;
      case 'floatmode':
      case 'sign':
      case 'nanstr':
      case 'infstr':
      case 'legacy':
      case 'formatter':
      case 'override_repr':
        throw new InvalidArgumentError(`printoption '${k}' is not supported by tfpersist (supported: threshold, edgeitems, linewidth, precision, suppress)`);
      default:
        throw new InvalidArgumentError(`'${k}' is not a valid printoption.`);
    }
  }
  return o;
}

/** Python's `str(list_of_ints)`: `[2, 3]`. */
function pyList(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

function numParams(shape: number[]): bigint {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  return n;
}

/** `_count_total_params`: returns the lines to print (exclusion note + total). */
function totalLines(r: CheckpointReader, pattern: string | undefined): string[] {
  const lines: string[] = [];
  let total = 0n;
  if (pattern !== undefined && pattern !== '') {
    let re: RegExp;
    try {
      re = new RegExp(pattern, 'u');
    } catch (e) {
      throw new InvalidArgumentError(`bad --count_exclude_pattern '${pattern}': ${(e as Error).message}`);
    }
    let nT = 0;
    let nP = 0n;
    for (const e of r.entries()) {
      if (re.test(e.name)) {
        nT++;
        nP += numParams(e.shape);
      } else total += numParams(e.shape);
    }
    lines.push(`# Excluding ${nT} tensors (${nP} params) that match ${pattern} when counting.`);
  } else {
    for (const e of r.entries()) total += numParams(e.shape);
  }
  lines.push(`# Total number of params: ${total}`);
  return lines;
}

function header(name: string, dtype: DType, shape: number[]): string {
  return `tensor: ${name} (${dtype}) ${pyList(shape)}`;
}

/** Runs `inspect`; returns the process exit code. */
export async function runInspect(path: string, opts: InspectOptions, io: Output): Promise<number> {
  const printOptions = parsePrintOptions(opts.printoptions);
  const r = await openCheckpoint(path, {
    onWarning: (w) => io.warn(w),
    ...(opts.verifyChecksums === false ? { verifyChecksums: false } : {}),
  });
  try {
    if (opts.tensorName !== undefined && !r.hasTensor(opts.tensorName)) {
      throw new NotFoundError(`Tensor ${opts.tensorName} not found in checkpoint`, { file: r.prefix });
    }
    if (opts.json === true) {
      await inspectJson(r, opts, io);
      return 0;
    }
    if (opts.allTensors === true || opts.allTensorNames === true) {
      for (const e of r.entries()) {
        io.out(header(e.name, e.dtype, e.shape) + '\n');
        if (opts.allTensors === true) io.out(formatNumpy(await r.getTensor(e.name), printOptions) + '\n');
      }
    } else if (opts.tensorName === undefined) {
      let s = '';
      for (const e of r.entries()) s += `${e.name} (${DTYPES[e.dtype].enumName}) [${e.shape.join(',')}]\n`;
      io.out(s + '\n');
    } else {
      const { dtype, shape } = r.dtypeAndShape(opts.tensorName);
      io.out(header(opts.tensorName, dtype, shape) + '\n');
      io.out(formatNumpy(await r.getTensor(opts.tensorName), printOptions) + '\n');
    }
    io.out(totalLines(r, opts.countExcludePattern).join('\n') + '\n');
    return 0;
  } finally {
    await r.close();
  }
}

async function inspectJson(r: CheckpointReader, opts: InspectOptions, io: Output): Promise<void> {
  const withValues = opts.allTensors === true || opts.tensorName !== undefined;
  const entries = opts.tensorName !== undefined ? [{ name: opts.tensorName, ...r.dtypeAndShape(opts.tensorName) }] : r.entries();
  io.out('{"tensors": {');
  let first = true;
  for (const e of entries) {
    const obj: { [k: string]: TensorJson } = { dtype: e.dtype, shape: e.shape };
    if (withValues) obj['value'] = tensorValueToJson(await r.getTensor(e.name));
    io.out(`${first ? '' : ', '}${JSON.stringify(e.name)}: ${stringifyTensorJson(obj)}`);
    first = false;
  }
  io.out('}}\n');
}
