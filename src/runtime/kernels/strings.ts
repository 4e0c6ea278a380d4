/** String and assertion kernels (host-side, bytes exact): StringJoin, StringLength, Assert, Print. */
import { InvalidArgumentError } from '../../errors.js';
import type { TensorValue } from '../../tensor/tensor-value.js';
import { tensorValueToArray } from '../../tensor/tensor-value.js';
import { utf8Decode, utf8Encode } from '../../util/bytes.js';
import { broadcastIndex } from '../host/host-ops.js';
import type { KernelContext } from '../kernel-registry.js';
import { formatShape, sizeOf, type RuntimeTensor } from '../runtime-tensor.js';
import { hostOut, type KernelTable } from './util.js';

function strings(ctx: KernelContext, i: number): Uint8Array[] {
  const v = ctx.host(i);
  if (v.dtype !== 'string') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input ${i} must be a string tensor, got ${v.dtype}`);
  return v.data as Uint8Array[];
}

function stringJoin(ctx: KernelContext): RuntimeTensor {
  const sep = ctx.attrs.bytes('separator');
  let shape: number[] = [];
  for (let i = 0; i < ctx.numInputs; i++) {
    const s = ctx.shape(i);
    if (s.length === 0) continue;
    if (shape.length === 0) shape = s;
    else if (formatShape(s) !== formatShape(shape)) {
      throw new InvalidArgumentError(`Input shapes do not match: ${formatShape(shape)} vs. ${formatShape(s)}`);
    }
  }
  const n = sizeOf(shape);
  const ins = Array.from({ length: ctx.numInputs }, (_, i) => ({ data: strings(ctx, i), idx: broadcastIndex(ctx.shape(i), shape) }));
  const out: Uint8Array[] = [];
  for (let e = 0; e < n; e++) {
    const parts: Uint8Array[] = [];
    ins.forEach((inp, k) => {
      if (k > 0) parts.push(sep);
      parts.push(inp.data[inp.idx === null ? e : inp.idx[e]!]!);
    });
    const len = parts.reduce((s, p) => s + p.length, 0);
    const b = new Uint8Array(len);
    let at = 0;
    for (const p of parts) { b.set(p, at); at += p.length; }
    out.push(b);
  }
  return hostOut({ dtype: 'string', shape, data: out });
}

function stringLength(ctx: KernelContext): RuntimeTensor {
  const unit = ctx.attrs.string('unit', 'BYTE');
  const d = strings(ctx, 0);
  const out = Int32Array.from(d, (b) => {
    if (unit === 'BYTE') return b.length;
    let n = 0;
    for (const x of b) if ((x & 0xc0) !== 0x80) n++;
    return n;
  });
  return hostOut({ dtype: 'int32', shape: ctx.shape(0), data: out });
}

function summarize(v: TensorValue, max: number): string {
  const flat = (tensorValueToArray({ ...v, shape: [sizeOf(v.shape)] }) as unknown[]).slice(0, max);
  const fmt = (x: unknown): string => (x instanceof Uint8Array ? utf8Decode(x) : typeof x === 'string' ? x : String(x));
  const body = flat.map(fmt).join(' ');
  if (v.shape.length === 0) return body;
  return `[${body}${sizeOf(v.shape) > max ? '...' : ''}]`;
}

function assertKernel(ctx: KernelContext): RuntimeTensor[] {
  const cond = ctx.host(0);
  if ((cond.data as Uint8Array)[0] !== 0) return [];
  const max = ctx.attrs.int('summarize', 3);
  const parts: string[] = [];
  for (let i = 1; i < ctx.numInputs; i++) parts.push(summarize(ctx.host(i), max));
  throw new InvalidArgumentError(`assertion failed: ${parts.map((p) => `[${p.replace(/^\[|\]$/g, '')}]`).join(' ')}`);
}

/** String kernels. */
export const stringKernels: KernelTable = {
  StringJoin: stringJoin,
  StringLength: stringLength,
  Assert: assertKernel,
  Print: (ctx) => ctx.input(0),
  PrintV2: () => [],
  StaticRegexFullMatch: (ctx) => {
    const re = new RegExp(`^(?:${ctx.attrs.string('pattern')})$`, 'u');
    const d = strings(ctx, 0);
    return hostOut({ dtype: 'bool', shape: ctx.shape(0), data: Uint8Array.from(d, (b) => (re.test(utf8Decode(b)) ? 1 : 0)) });
  },
  StringFormat: (ctx) => {
    const template = ctx.attrs.string('template', '%s');
    const ph = ctx.attrs.string('placeholder', '%s');
    const max = ctx.attrs.int('summarize', 3);
    let i = 0;
    const s = template.split(ph).reduce((acc, piece, k) => (k === 0 ? piece : `${acc}${i < ctx.numInputs ? summarize(ctx.host(i++), max) : ''}${piece}`), '');
    return hostOut({ dtype: 'string', shape: [], data: [utf8Encode(s)] });
  },
};
