/** Shared helpers for the bundle tests: fixture discovery, golden comparison, fixture stores. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryFileStore } from '../../src/io/memory.js';
import { DTYPES } from '../../src/tensor/dtype.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { fixture } from '../helpers/paths.js';

/** One golden tensor. */
export interface GoldenTensor {
  dtype: string;
  shape: number[];
  value: unknown;
  hex?: string;
}

/** A checkpoint fixture: its folder, the prefix (relative) and the goldens. */
export interface CheckpointCase {
  name: string;
  dir: string;
  prefix: string;
  tensors: Record<string, GoldenTensor>;
  /** True for a V2 bundle (an `.index` exists), false for V1. */
  v2: boolean;
}

/** Every checkpoint case (each golden*.json is one case: golden.json and golden-<prefix>.json). */
export function checkpointCases(): CheckpointCase[] {
  const root = fixture('checkpoints');
  if (!existsSync(root)) return [];
  const out: CheckpointCase[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) {
      if (!/^golden(-.*)?\.json$/.test(f)) continue;
      const g = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { prefix: string; tensors: Record<string, GoldenTensor> };
      out.push({ name: `${name}/${f}`, dir, prefix: g.prefix, tensors: g.tensors, v2: existsSync(join(dir, `${g.prefix}.index`)) });
    }
  }
  return out;
}

/** All files of a case folder as a MemoryFileStore-ready record. */
export function caseFiles(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isFile()) files[f] = new Uint8Array(readFileSync(p));
  }
  return files;
}

/** A memory store over a case folder. */
export function caseStore(dir: string): MemoryFileStore {
  return new MemoryFileStore(caseFiles(dir));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Raw little-endian bytes of a POD value (host is little-endian in CI). */
export function rawBytes(v: TensorValue): Uint8Array {
  const d = v.data as TypedArray;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function flatten(x: unknown, depth: number): unknown[] {
  if (depth === 0) return [x];
  if (!Array.isArray(x)) throw new Error(`expected an array at depth ${depth}`);
  return x.flatMap((y) => flatten(y, depth - 1));
}

/** Asserts `v` equals the golden tensor `g` (dtype, shape, raw bytes or exact element bytes). */
export function assertMatchesGolden(key: string, v: TensorValue, g: GoldenTensor): void {
  assert.equal(v.dtype, g.dtype, `${key}: dtype`);
  assert.deepEqual(v.shape, g.shape, `${key}: shape`);
  if (DTYPES[v.dtype].isPod) {
    assert.ok(g.hex !== undefined, `${key}: golden has no hex`);
    assert.equal(hex(rawBytes(v)), g.hex, `${key}: bytes`);
    return;
  }
  if (v.dtype === 'string') {
    const want = flatten(g.value, g.shape.length).map((e) =>
      typeof e === 'string' ? new Uint8Array(Buffer.from(e, 'utf8')) : new Uint8Array(Buffer.from((e as { b64: string }).b64, 'base64')),
    );
    const got = v.data as Uint8Array[];
    assert.equal(got.length, want.length, `${key}: element count`);
    for (let i = 0; i < want.length; i++) assert.equal(hex(got[i]!), hex(want[i]!), `${key}[${i}]`);
    return;
  }
  throw new Error(`${key}: no golden comparison for dtype ${v.dtype}`);
}
