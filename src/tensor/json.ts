/**
 * Lossless JSON form of a {@link TensorValue}, as used by the fixture goldens
 * (`docs/internal-apis.md`, "test/fixtures layout") and the CLI:
 *
 * - nested arrays following the shape; a scalar is the bare element;
 * - float32/float64: numbers; NaN / infinities as `"NaN"` / `"Infinity"` / `"-Infinity"`;
 * - float16/bfloat16 and the float8/float4 dtypes: the exact value of the bits as a number (same
 *   special strings);
 * - int64/uint64: decimal strings; other integer dtypes (incl. quantized, int4/uint4/int2/uint2): numbers;
 * - bool: true/false; complex: `[re, im]`;
 * - string: the UTF-8 text when the bytes are valid UTF-8, else `{"b64": "<base64>"}`;
 * - variant: `{"b64": "<serialized VariantTensorDataProto>"}`;
 * - resource: the handle's canonical proto3 JSON (`toJson(ResourceHandleProtoSchema, ...)`).
 *
 * Lossless except for NaN payloads/signs (every NaN becomes `"NaN"`, decoded to the dtype's default
 * quiet NaN) and `-0`, which `JSON.stringify` prints as `0`: use {@link stringifyTensorJson} to keep it.
 */
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '../errors.js';
import { ResourceHandleProtoSchema, type ResourceHandleProto } from '../proto/index.js';
import { isValidUtf8, utf8Decode, utf8Encode } from '../util/bytes.js';
import { type DType, dtypeInfo } from './dtype.js';
import { elementToJs, nest, numElements, tensorValueFromArray, type TensorValue, formatShape } from './tensor-value.js';

/** A JSON value (what `JSON.parse` returns). */
export type TensorJson = null | boolean | number | string | TensorJson[] | { [key: string]: TensorJson };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 (with padding) of bytes. */
export function base64Encode(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + B64[v & 63]!;
  }
  if (i < b.length) {
    const v = (b[i]! << 16) | ((i + 1 < b.length ? b[i + 1]! : 0) << 8);
    s += B64[v >> 18]! + B64[(v >> 12) & 63]!;
    s += i + 1 < b.length ? B64[(v >> 6) & 63]! + '=' : '==';
  }
  return s;
}

/** Decodes standard base64 (padding optional). @throws InvalidArgumentError on bad input. */
export function base64Decode(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new InvalidArgumentError(`invalid base64 length ${s.length}`);
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) throw new InvalidArgumentError(`invalid base64 character ${JSON.stringify(clean[i])} at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function floatJson(x: number): TensorJson {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

function floatFromJson(v: unknown, dtype: DType): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new InvalidArgumentError(`expected a number, "NaN", "Infinity" or "-Infinity" for a ${dtype} element, got ${JSON.stringify(v)}`);
}

function elementJson(value: TensorValue, i: number): TensorJson {
  const d = value.dtype;
  const info = dtypeInfo(d);
  const x = elementToJs(value, i);
  switch (info.kind) {
    case 'float':
      return floatJson(x as number);
    case 'complex': {
      const [re, im] = x as [number, number];
      return [floatJson(re), floatJson(im)];
    }
    case 'string': {
      const b = x as Uint8Array;
      return isValidUtf8(b) ? utf8Decode(b) : { b64: base64Encode(b) };
    }
    case 'variant':
      return { b64: base64Encode(x as Uint8Array) };
    case 'resource':
      return toJson(ResourceHandleProtoSchema, x as ResourceHandleProto) as TensorJson;
    case 'bool':
      return x as boolean;
    default:
      return typeof x === 'bigint' ? x.toString() : (x as number);
  }
}

/** The lossless JSON form of a tensor value (see the module doc). */
export function tensorValueToJson(value: TensorValue): TensorJson {
  const n = numElements(value.shape);
  const flat: TensorJson[] = new Array<TensorJson>(n);
  for (let i = 0; i < n; i++) flat[i] = elementJson(value, i);
  return nest(flat, value.shape) as TensorJson;
}

function flattenJson(json: unknown, shape: readonly number[], depth: number, out: unknown[], dtype: DType): void {
  if (depth === shape.length) {
    out.push(json);
    return;
  }
  if (!Array.isArray(json) || json.length !== shape[depth]) {
    throw new InvalidArgumentError(
      `JSON value does not match shape ${formatShape(shape)} at depth ${depth} (${dtype})`,
    );
  }
  for (const item of json) flattenJson(item, shape, depth + 1, out, dtype);
}

function isB64(v: unknown): v is { b64: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { b64?: unknown }).b64 === 'string';
}

/**
 * Rebuilds a tensor value from its lossless JSON form, for a known dtype and shape.
 *
 * @throws InvalidArgumentError when the JSON does not match the shape or the dtype.
 */
export function tensorValueFromJson<D extends DType>(dtype: D, shape: readonly number[], json: unknown): TensorValue<D> {
  const info = dtypeInfo(dtype);
  const n = numElements(shape);
  const flat: unknown[] = [];
  flattenJson(json, shape, 0, flat, dtype);
  if (flat.length !== n) throw new InvalidArgumentError(`JSON holds ${flat.length} elements, shape needs ${n}`);
  const elems = flat.map((v): unknown => {
    switch (info.kind) {
      case 'float':
        return floatFromJson(v, dtype);
      case 'complex':
        if (!Array.isArray(v) || v.length !== 2) throw new InvalidArgumentError(`a ${dtype} element must be [re, im], got ${JSON.stringify(v)}`);
        return [floatFromJson(v[0], dtype), floatFromJson(v[1], dtype)];
      case 'string':
        if (typeof v === 'string') return utf8Encode(v);
        if (isB64(v)) return base64Decode(v.b64);
        throw new InvalidArgumentError(`a string element must be text or {"b64": ...}, got ${JSON.stringify(v)}`);
      case 'variant':
        if (isB64(v)) return base64Decode(v.b64);
        throw new InvalidArgumentError(`a variant element must be {"b64": ...}`);
      case 'resource':
        try {
          return fromJson(ResourceHandleProtoSchema, v as JsonValue);
        } catch (e) {
          throw new InvalidArgumentError(`a resource element must be ResourceHandleProto JSON: ${(e as Error).message}`, { cause: e });
        }
      case 'bool':
        if (typeof v !== 'boolean') throw new InvalidArgumentError(`a bool element must be true/false, got ${JSON.stringify(v)}`);
        return v;
      default:
        if (dtype === 'int64' || dtype === 'uint64') {
          if (typeof v !== 'string' || !/^-?\d+$/.test(v)) {
            throw new InvalidArgumentError(`a ${dtype} element must be a decimal string, got ${JSON.stringify(v)}`);
          }
          return BigInt(v);
        }
        if (typeof v !== 'number') throw new InvalidArgumentError(`a ${dtype} element must be a number, got ${JSON.stringify(v)}`);
        return v;
    }
  });
  // tensorValueFromArray rounds numbers to the dtype: exact for values that came from it.
  return tensorValueFromArray(dtype, elems.length === 0 ? [] : elems, [...shape], { storageRange: true }) as TensorValue<D>;
}

/**
 * `JSON.stringify` for tensor JSON that keeps `-0` (printed as `-0.0`, as Python's `json` does).
 */
export function stringifyTensorJson(json: TensorJson): string {
  if (typeof json === 'number') return Object.is(json, -0) ? '-0.0' : JSON.stringify(json);
  if (Array.isArray(json)) return `[${json.map((x) => stringifyTensorJson(x)).join(', ')}]`;
  if (json !== null && typeof json === 'object') {
    return `{${Object.entries(json).map(([k, v]) => `${JSON.stringify(k)}: ${stringifyTensorJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(json);
}
