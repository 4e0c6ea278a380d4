/**
 * Input parsing for `tfpersist run`: `--inputs` (values from `.npy` / `.npz` files) and `--input_exprs`
 * (literal values), with the syntax of TensorFlow's `saved_model_cli run`
 * (`tensorflow/python/tools/saved_model_cli.py`).
 *
 * `--inputs 'KEY=FILE;KEY=FILE[NAME]'` — `;`-separated, each `KEY=FILE.npy`, `KEY=FILE.npz[NAME]` or
 * `KEY=FILE.npz` (only when the archive holds exactly one array), matched with saved_model_cli's regular
 * expressions. A `[NAME]` on a `.npy` is ignored with a warning, as there. Pickle files are never read.
 *
 * `--input_exprs 'KEY=LITERAL;KEY=LITERAL'` — each LITERAL is **parsed, never evaluated**. saved_model_cli
 * passes the text to Python's `ast.literal_eval`; we accept the same kind of literal values and nothing else:
 *
 * - numbers: `1`, `-2`, `+3`, `1.5`, `.5`, `5.`, `1e-3`, and for float inputs `nan`, `inf`, `-inf`
 *   (also JSON-ish `NaN`, `Infinity`);
 * - booleans: `true` / `false` and Python's `True` / `False` (only for bool inputs);
 * - strings: `'single'` or `"double"` quoted with Python escapes (`\n`, `\t`, `\\`, `\'`, `\"`, `\xHH`,
 *   `\uXXXX`, `\UXXXXXXXX`), stored as UTF-8; `b'...'` bytes literals (ASCII and `\xHH`) give raw bytes;
 *   only for string inputs;
 * - nested lists `[...]` (trailing comma allowed) and Python tuples `(a, b)` (same as lists; `(x)` is `x`)
 *   that must be rectangular; a bare literal is a scalar.
 *
 * Decided on purpose: `None` / `null`, names, attribute access, calls (`np.ones(3)`, `__import__('os')`),
 * operators (`1+2`), complex numbers (`1j`), dicts and sets are rejected with the position of the offending
 * text — expressions never run. The dtype comes from the fed tensor in the graph (its Placeholder's `dtype`);
 * a value that does not fit it is an error, never silently changed: integers out of the type's range,
 * non-integral numbers for integer inputs, finite numbers that overflow a float type to infinity, numbers
 * for bool inputs, strings for numeric inputs and the reverse. Splitting on `;` and on the first `=` ignores
 * `;` and `=` inside quotes and brackets (saved_model_cli splits blindly).
 *
 * Values from files keep their dtype when it equals the input's; otherwise they are converted like
 * TensorFlow converts a NumPy feed (`np.asarray(value, dtype)`), but only when no value changes class:
 * int/float/bool values to a float input (overflow to infinity is an error), integral values within range
 * to an integer input, bool to bool, bytes to string. Anything else is an error naming both dtypes.
 */
import { readFile } from 'node:fs/promises';
import {
  DTYPES,
  InvalidArgumentError,
  NotFoundError,
  UnimplementedError,
  bfloat16BitsToFloat,
  decodeNpy,
  elementToJs,
  floatToBfloat16Bits,
  floatToHalfBits,
  halfBitsToFloat,
  isMiniFloatDType,
  miniFloatToNumber,
  numberToMiniFloat,
  numElements,
  openNpz,
  tensorValueFromArray,
  type DType,
  type TensorValue,
} from '../node.js';

/** One `--inputs` item: the file and the optional array name inside an `.npz`. */
export interface InputFileSpec {
  /** The key as typed (a tensor name such as `x:0` or `x`). */
  key: string;
  file: string;
  /** The array name in `[...]`, or undefined. */
  arrayName?: string;
}

/** A parsed literal (see the module comment). Positions are 0-based offsets into the literal text. */
export type Literal =
  | { kind: 'number'; text: string; pos: number }
  | { kind: 'bool'; value: boolean; text: string; pos: number }
  | { kind: 'string'; bytes: Uint8Array; isBytes: boolean; text: string; pos: number }
  | { kind: 'list'; items: Literal[]; pos: number };

/** One `--input_exprs` item. */
export interface InputExprSpec {
  key: string;
  /** The literal's source text (trimmed). */
  text: string;
  literal: Literal;
}

/** What a fed tensor must be: its dtype (from the graph). */
export interface FeedTarget {
  /** The canonical tensor name (`x:0`). */
  name: string;
  dtype: DType;
}

const MAX_DEPTH = 64;

/** `x` -> `x:0`; `x:1` stays; `^x` and empty names are rejected. */
export function canonicalTensorName(key: string, what: string): string {
  const k = key.trim();
  if (k === '' || k.startsWith('^')) throw new InvalidArgumentError(`${what}: '${key}' is not a tensor name (write op_name:output_index, e.g. x:0)`);
  if (/:\d+$/.test(k)) return k;
  if (k.includes(':')) throw new InvalidArgumentError(`${what}: '${key}' is not a tensor name (write op_name:output_index, e.g. x:0)`);
  return `${k}:0`;
}

/**
 * Parses `--inputs` like saved_model_cli's `preprocess_inputs_arg_string`: split on `;`, empty items
 * skipped, each `KEY=FILE[NAME]` or `KEY=FILE`.
 */
export function parseInputsArg(s: string): InputFileSpec[] {
  const out: InputFileSpec[] = [];
  for (const raw of s.split(';')) {
    if (raw === '') continue;
    let m = /^([^=]+)=([^[\]]+)\[([^[\]]+)\]$/.exec(raw);
    if (m) {
      out.push({ key: (m[1] as string).trim(), file: (m[2] as string).trim(), arrayName: m[3] as string });
      continue;
    }
    m = /^([^=]+)=([^[\]]+)$/.exec(raw);
    if (m) {
      out.push({ key: (m[1] as string).trim(), file: (m[2] as string).trim() });
      continue;
    }
    throw new InvalidArgumentError(
      `--inputs "${raw}" format is incorrect. Please follow "<input_key>=<filename>", or "<input_key>=<filename>[<variable_name>]"`,
    );
  }
  return out;
}

/** Splits at every `sep` outside quotes and brackets. */
function splitTopLevel(s: string, sep: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === sep && depth === 0 && parts.length < limit) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/**
 * Parses `--input_exprs` (`KEY=LITERAL;...`): split on `;` and then on the first `=` outside quotes and
 * brackets; each literal is parsed by {@link parseLiteral}. Errors name the key and the column.
 */
export function parseInputExprsArg(s: string): InputExprSpec[] {
  const out: InputExprSpec[] = [];
  for (const raw of splitTopLevel(s, ';')) {
    if (raw.trim() === '') continue;
    const kv = splitTopLevel(raw, '=', 1);
    if (kv.length !== 2) {
      throw new InvalidArgumentError(`--input_exprs "${raw}" format is incorrect. Please follow "<input_key>=<literal>", e.g. x:0=[[1, 2]]`);
    }
    const key = (kv[0] as string).trim();
    const text = (kv[1] as string).trim();
    if (key === '') throw new InvalidArgumentError(`--input_exprs "${raw}": the input key before '=' is empty`);
    try {
      out.push({ key, text, literal: parseLiteral(text) });
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`--input_exprs ${key}=${text}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

const NUMBER_RE = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const SPECIAL_NUMBERS = new Set(['nan', 'inf', 'NaN', 'Infinity']);

/** Column (1-based) for messages. */
function col(pos: number): string {
  return `column ${pos + 1}`;
}

/**
 * Parses one literal (see the module comment) into a {@link Literal} tree. Never evaluates anything.
 * @throws InvalidArgumentError naming what is wrong and where (1-based column).
 */
export function parseLiteral(src: string): Literal {
  let i = 0;
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i] as string)) i++;
  };
  const isDelimiter = (j: number): boolean => j >= src.length || /[\s,\])]/.test(src[j] as string);

  const parseString = (start: number, isBytes: boolean): Literal => {
    const q = src[i] as string;
    i++;
    const bytes: number[] = [];
    const pushCodePoint = (cp: number): void => {
      const enc = new TextEncoder().encode(String.fromCodePoint(cp));
      for (const b of enc) bytes.push(b);
    };
    for (;;) {
      if (i >= src.length) throw new InvalidArgumentError(`unterminated string starting at ${col(start)} (missing closing ${q})`);
      const c = src[i] as string;
      if (c === q) {
        i++;
        break;
      }
      if (c === '\\') {
        const e = src[i + 1];
        if (e === undefined) throw new InvalidArgumentError(`unterminated string starting at ${col(start)} (missing closing ${q})`);
        const simple: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '\n': -1 };
        if (e in simple) {
          const v = simple[e] as number;
          if (v >= 0) bytes.push(v);
          i += 2;
          continue;
        }
        const hexLen = e === 'x' ? 2 : e === 'u' && !isBytes ? 4 : e === 'U' && !isBytes ? 8 : 0;
        if (hexLen > 0) {
          const h = src.slice(i + 2, i + 2 + hexLen);
          if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) throw new InvalidArgumentError(`bad escape \\${e}${h} at ${col(i)}: expected ${hexLen} hex digits`);
          const v = parseInt(h, 16);
          if (e === 'x' && isBytes) bytes.push(v);
          else {
            if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new InvalidArgumentError(`bad escape \\${e}${h} at ${col(i)}: not a Unicode scalar value`);
            pushCodePoint(v);
          }
          i += 2 + hexLen;
          continue;
        }
        // Unknown escapes keep the backslash, as Python does.
        bytes.push(92);
        i++;
        continue;
      }
      const cp = src.codePointAt(i) as number;
      if (isBytes && cp > 0x7f) throw new InvalidArgumentError(`bytes literal at ${col(start)} may only contain ASCII characters (use \\xHH escapes)`);
      if (c === '\n') throw new InvalidArgumentError(`unterminated string starting at ${col(start)} (newline before the closing ${q})`);
      pushCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    return { kind: 'string', bytes: Uint8Array.from(bytes), isBytes, text: src.slice(start, i), pos: start };
  };

  const value = (depth: number): Literal => {
    ws();
    if (depth > MAX_DEPTH) throw new InvalidArgumentError(`lists nested deeper than ${MAX_DEPTH} levels at ${col(i)}`);
    const start = i;
    const c = src[i];
    if (c === undefined) throw new InvalidArgumentError(src.trim() === '' ? 'empty value' : `unexpected end of input at ${col(i)} (a value is missing)`);
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const items: Literal[] = [];
      let trailingComma = false;
      for (;;) {
        ws();
        if (i >= src.length) throw new InvalidArgumentError(`unbalanced brackets: '${c}' at ${col(start)} is never closed`);
        if (src[i] === close) {
          i++;
          break;
        }
        if (src[i] === ']' || src[i] === ')') throw new InvalidArgumentError(`unbalanced brackets: '${src[i]}' at ${col(i)} does not close '${c}' at ${col(start)}`);
        items.push(value(depth + 1));
        ws();
        if (src[i] === ',') {
          i++;
          trailingComma = true;
          continue;
        }
        trailingComma = false;
        if (i >= src.length) throw new InvalidArgumentError(`unbalanced brackets: '${c}' at ${col(start)} is never closed`);
        if (src[i] !== close) {
          if (src[i] === ']' || src[i] === ')') throw new InvalidArgumentError(`unbalanced brackets: '${src[i]}' at ${col(i)} does not close '${c}' at ${col(start)}`);
          throw new InvalidArgumentError(`expected ',' or '${close}' at ${col(i)}, found '${src[i]}'`);
        }
      }
      // Python: (x) is x; (x,) and (x, y) are tuples.
      if (c === '(' && items.length === 1 && !trailingComma) return items[0] as Literal;
      return { kind: 'list', items, pos: start };
    }
    if (c === ']' || c === ')') throw new InvalidArgumentError(`unbalanced brackets: unexpected '${c}' at ${col(i)}`);
    if (c === '"' || c === "'") return parseString(start, false);
    if (c === '{') throw new InvalidArgumentError(`dicts and sets are not tensor values (at ${col(i)})`);
    // Numbers, possibly signed words (-inf).
    NUMBER_RE.lastIndex = i;
    const num = NUMBER_RE.exec(src);
    if (num !== null) {
      i += num[0].length;
      if (!isDelimiter(i)) {
        const rest = src[i] as string;
        if (rest === 'j' || rest === 'J') throw new InvalidArgumentError(`complex literals are not supported (at ${col(start)})`);
        if (/[+\-*/%&|^<>=@~]/.test(rest)) {
          throw new InvalidArgumentError(`operators are not allowed: '${rest}' at ${col(i)} (--input_exprs takes literal values only, it never evaluates expressions)`);
        }
        throw new InvalidArgumentError(`'${src.slice(start, i + 1)}' at ${col(start)} is not a number`);
      }
      return { kind: 'number', text: num[0], pos: start };
    }
    let sign = '';
    if (c === '+' || c === '-') {
      sign = c;
      i++;
    }
    NAME_RE.lastIndex = i;
    const name = NAME_RE.exec(src);
    if (name !== null) {
      const word = name[0];
      i += word.length;
      if (SPECIAL_NUMBERS.has(word) && isDelimiter(i)) return { kind: 'number', text: sign + word, pos: start };
      if (sign === '' && (word === 'b' || word === 'B') && (src[i] === "'" || src[i] === '"')) return parseString(start, true);
      if (sign === '' && (word === 'u' || word === 'U') && (src[i] === "'" || src[i] === '"')) return parseString(start, false);
      if (sign === '' && isDelimiter(i)) {
        if (word === 'true' || word === 'True') return { kind: 'bool', value: true, text: word, pos: start };
        if (word === 'false' || word === 'False') return { kind: 'bool', value: false, text: word, pos: start };
        if (word === 'None' || word === 'null') throw new InvalidArgumentError(`${word} at ${col(start)} is not a tensor value`);
      }
      throw new InvalidArgumentError(
        `unexpected name '${word}' at ${col(start)}: --input_exprs takes literal values only (numbers, true/false, quoted strings, ` +
          `nested [lists]); it never evaluates expressions or calls such as np.ones(3)`,
      );
    }
    throw new InvalidArgumentError(`unexpected '${src[i] ?? c}' at ${col(i)}: expected a number, true/false, a quoted string or a [list]`);
  };

  const v = value(0);
  ws();
  if (i < src.length) {
    const c = src[i] as string;
    if (c === ']' || c === ')') throw new InvalidArgumentError(`unbalanced brackets: unexpected '${c}' at ${col(i)}`);
    if (c === '(') throw new InvalidArgumentError(`calls are not allowed: '(' at ${col(i)} (--input_exprs takes literal values only, it never evaluates expressions)`);
    if (c === '.') throw new InvalidArgumentError(`attribute access is not allowed: '.' at ${col(i)} (--input_exprs takes literal values only)`);
    throw new InvalidArgumentError(`unexpected '${c}' at ${col(i)} after the value (separate inputs with ';', list items with ',')`);
  }
  return v;
}

/** Shape of a rectangular literal and its leaves in row-major order. */
function flattenLiteral(lit: Literal, key: string): { shape: number[]; leaves: Exclude<Literal, { kind: 'list' }>[] } {
  const shape: number[] = [];
  for (let l: Literal = lit; l.kind === 'list'; ) {
    shape.push(l.items.length);
    if (l.items.length === 0) break;
    l = l.items[0] as Literal;
  }
  const leaves: Exclude<Literal, { kind: 'list' }>[] = [];
  const walk = (l: Literal, depth: number): void => {
    if (depth === shape.length) {
      if (l.kind === 'list') throw new InvalidArgumentError(`${key}: the value is not rectangular: a list at ${col(l.pos)} where a scalar was expected (shape ${fmtShape(shape)})`);
      leaves.push(l);
      return;
    }
    if (l.kind !== 'list') throw new InvalidArgumentError(`${key}: the value is not rectangular: '${l.text}' at ${col(l.pos)} where a list of ${shape[depth]} was expected`);
    if (l.items.length !== shape[depth]) {
      throw new InvalidArgumentError(`${key}: the value is not rectangular: the list at ${col(l.pos)} has ${l.items.length} items, expected ${shape[depth]} (like the first list at that depth)`);
    }
    for (const x of l.items) walk(x, depth + 1);
  };
  walk(lit, 0);
  return { shape, leaves };
}

function fmtShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

const INT_LIMITS: Partial<Record<DType, [bigint, bigint]>> = {
  int8: [-128n, 127n],
  qint8: [-128n, 127n],
  uint8: [0n, 255n],
  quint8: [0n, 255n],
  int16: [-32768n, 32767n],
  qint16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  quint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  qint32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
  int4: [-8n, 7n],
  uint4: [0n, 15n],
  int2: [-2n, 1n],
  uint2: [0n, 3n],
};

function isFloatDType(d: DType): boolean {
  return DTYPES[d].kind === 'float';
}

function isIntDType(d: DType): boolean {
  return INT_LIMITS[d] !== undefined;
}

/** The value of x after rounding to a float dtype (to detect overflow to infinity). */
function roundedTo(d: DType, x: number): number {
  switch (d) {
    case 'float32':
      return Math.fround(x);
    case 'float16':
      return halfBitsToFloat(floatToHalfBits(x));
    case 'bfloat16':
      return bfloat16BitsToFloat(floatToBfloat16Bits(x));
    default:
      if (isMiniFloatDType(d)) return miniFloatToNumber(d, numberToMiniFloat(d, x));
      return x;
  }
}

/** Checks a finite float for overflow in `d`; returns it. */
function checkFloat(d: DType, x: number, shown: string, key: string): number {
  if (Number.isFinite(x) && !Number.isFinite(roundedTo(d, x))) {
    throw new InvalidArgumentError(`${key}: ${shown} is out of range for ${d} (it would overflow to infinity)`);
  }
  return x;
}

/** Checks an integer for the range of `d`; returns it as a bigint. */
function checkInt(d: DType, v: bigint, shown: string, key: string): bigint {
  const [lo, hi] = INT_LIMITS[d] as [bigint, bigint];
  if (v < lo || v > hi) throw new InvalidArgumentError(`${key}: ${shown} is out of range for ${d} (${lo} to ${hi})`);
  return v;
}

function intJs(d: DType, v: bigint): number | bigint {
  return d === 'int64' || d === 'uint64' ? v : Number(v);
}

/**
 * Converts a parsed literal to a value of the fed tensor's dtype (see the module comment for the rules).
 * @throws InvalidArgumentError naming the input, the offending literal, its column and the dtype.
 */
export function literalToTensorValue(lit: Literal, target: FeedTarget): TensorValue {
  const d = target.dtype;
  const key = target.name;
  const { shape, leaves } = flattenLiteral(lit, key);
  const kind = DTYPES[d].kind;
  if (kind === 'complex' || kind === 'resource' || kind === 'variant') {
    throw new UnimplementedError(`${key} is ${d}: --input_exprs cannot express ${d} values; pass them with --inputs from a .npy file`);
  }
  const expected = isFloatDType(d) ? 'a number' : isIntDType(d) ? 'an integer' : d === 'bool' ? 'true or false' : 'a quoted string';
  const flat: unknown[] = leaves.map((l) => {
    const bad = (): never => {
      throw new InvalidArgumentError(`${key}: '${l.text}' at ${col(l.pos)} is not a valid ${d} value (the input ${key} is ${d}: expected ${expected})`);
    };
    if (isFloatDType(d)) {
      if (l.kind !== 'number') return bad();
      const t = l.text.replace(/^\+/, '');
      const special: Record<string, number> = { nan: NaN, '-nan': NaN, NaN: NaN, '-NaN': NaN, inf: Infinity, Infinity: Infinity, '-inf': -Infinity, '-Infinity': -Infinity };
      if (t in special) return special[t];
      const x = Number(t);
      if (!Number.isFinite(x)) throw new InvalidArgumentError(`${key}: ${l.text} at ${col(l.pos)} is out of range for ${d} (it would overflow to infinity)`);
      return checkFloat(d, x, `${l.text} at ${col(l.pos)}`, key);
    }
    if (isIntDType(d)) {
      if (l.kind !== 'number') return bad();
      const t = l.text.replace(/^\+/, '');
      let v: bigint;
      if (/^-?\d+$/.test(t)) v = BigInt(t);
      else {
        const x = Number(t);
        if (!Number.isFinite(x) || !Number.isInteger(x)) {
          throw new InvalidArgumentError(`${key}: ${l.text} at ${col(l.pos)} is not an integer (the input ${key} is ${d}); values are never truncated`);
        }
        v = BigInt(x);
      }
      return intJs(d, checkInt(d, v, `${l.text} at ${col(l.pos)}`, key));
    }
    if (d === 'bool') {
      if (l.kind !== 'bool') return bad();
      return l.value;
    }
    if (d === 'string') {
      if (l.kind !== 'string') return bad();
      return l.bytes;
    }
    throw new UnimplementedError(`${key} is ${d}: --input_exprs does not support this dtype; pass the value with --inputs from a .npy file`);
  });
  return tensorValueFromArray(d, flat as never, shape);
}

/**
 * Converts a value read from a file to the fed tensor's dtype (see the module comment). Returns the value
 * itself when the dtypes are equal; `onConvert` is told about every conversion.
 */
export function coerceToDtype(value: TensorValue, target: FeedTarget, source: string, onConvert?: (message: string) => void): TensorValue {
  const d = target.dtype;
  const from = value.dtype;
  if (from === d) return value;
  const key = target.name;
  const n = numElements(value.shape);
  const fromKind = DTYPES[from].kind;
  const refuse = (why: string): never => {
    throw new InvalidArgumentError(`${key}: cannot feed the ${from} array from ${source} to the ${d} input ${key}: ${why}`);
  };
  const numericFrom = fromKind === 'float' || fromKind === 'int' || fromKind === 'uint' || fromKind === 'bool' || fromKind === 'quantized';
  const flat: unknown[] = new Array(n);
  if (isFloatDType(d)) {
    if (!numericFrom) refuse('only real numbers convert to a float input');
    for (let i = 0; i < n; i++) {
      const e = elementToJs(value, i);
      const x = typeof e === 'boolean' ? (e ? 1 : 0) : Number(e as number | bigint);
      flat[i] = checkFloat(d, x, `element ${i} (${String(e)})`, key);
    }
  } else if (isIntDType(d)) {
    if (!numericFrom) refuse('only integral numbers convert to an integer input');
    for (let i = 0; i < n; i++) {
      const e = elementToJs(value, i);
      let v: bigint;
      if (typeof e === 'bigint') v = e;
      else if (typeof e === 'boolean') v = e ? 1n : 0n;
      else {
        const x = e as number;
        if (!Number.isFinite(x) || !Number.isInteger(x)) refuse(`element ${i} (${x}) is not an integer; values are never truncated`);
        v = BigInt(x);
      }
      flat[i] = intJs(d, checkInt(d, v, `element ${i} (${String(e)})`, key));
    }
  } else {
    refuse(`convert the array to ${d} when writing the file`);
  }
  onConvert?.(`${key}: converting the ${from} array from ${source} to ${d}, the dtype of ${key}`);
  return tensorValueFromArray(d, flat as never, value.shape);
}

/**
 * Reads one `--inputs` file: `.npy` (a `[NAME]` is ignored with a warning, as saved_model_cli does) or
 * `.npz` (`[NAME]` picks an array; without it the archive must hold exactly one).
 */
export async function loadInputFile(spec: InputFileSpec, warn: (message: string) => void): Promise<TensorValue> {
  const f = spec.file;
  let head: Uint8Array;
  try {
    head = await readFile(f);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`--inputs ${spec.key}: input file ${f} does not exist`, { file: f });
    throw new InvalidArgumentError(`--inputs ${spec.key}: cannot read ${f}: ${(e as Error).message}`, { file: f });
  }
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  const isNpy = head[0] === 0x93 && head[1] === 0x4e && head[2] === 0x55 && head[3] === 0x4d;
  if (isNpy) {
    if (spec.arrayName !== undefined) warn(`Input file ${f} contains a single ndarray. Name key "${spec.arrayName}" ignored.`);
    return decodeNpy(head, { source: f });
  }
  if (!isZip) {
    throw new InvalidArgumentError(`--inputs ${spec.key}: ${f} is neither a .npy nor a .npz file (pickle files are never read); save the array with np.save or np.savez`, { file: f });
  }
  const npz = await openNpz(f);
  try {
    const names = npz.keys();
    if (spec.arrayName !== undefined) {
      if (!npz.has(spec.arrayName)) {
        throw new NotFoundError(`Input file ${f} does not contain variable with name "${spec.arrayName}" (it holds: ${names.join(', ') || 'nothing'})`, { file: f });
      }
      return await npz.getTensor(spec.arrayName);
    }
    if (names.length === 0) throw new InvalidArgumentError(`Input file ${f} contains no arrays`, { file: f });
    if (names.length !== 1) {
      throw new InvalidArgumentError(
        `Input file ${f} contains more than one ndarrays. Please specify the name of ndarray to use, e.g. ${spec.key}=${f}[${names[0] ?? 'name'}] (it holds: ${names.join(', ') || 'nothing'})`,
        { file: f },
      );
    }
    return await npz.getTensor(names[0] as string);
  } finally {
    await npz.close();
  }
}
