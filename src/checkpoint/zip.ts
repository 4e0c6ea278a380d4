/**
 * A minimal ZIP container (PKWARE APPNOTE 6.3) for `.npz` files: a lazy reader over a {@link ByteSource}
 * (reads the central directory only; each member costs one ranged read) and a streaming writer to a
 * {@link ByteSink}. Supports stored and deflated members and ZIP64 (numpy's `savez` writes ZIP64 extra
 * fields). Every header field is bounds-checked before it is used; member CRC-32s are verified.
 * Deflate is done by `fflate`.
 */
import { inflateSync, deflateSync } from 'fflate';
import { DataLossError, InvalidArgumentError, UnimplementedError } from '../errors.js';
import { readRange } from '../io/read-range.js';
import type { ByteSink, ByteSource } from '../io/types.js';
import { isValidUtf8, utf8Decode, utf8Encode } from '../util/bytes.js';

// ---------------------------------------------------------------------------------------------------
// CRC-32 (ISO-HDLC, as zlib), slicing-by-8.

const CRC_TABLES: Uint32Array[] = (() => {
  const t: Uint32Array[] = [];
  for (let k = 0; k < 8; k++) t.push(new Uint32Array(256));
  const t0 = t[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t0[c & 0xff] as number) ^ (c >>> 8);
      (t[k] as Uint32Array)[n] = c >>> 0;
    }
  }
  return t;
})();

/** CRC-32 (zlib/ZIP polynomial) of `data`, extending `crc` (0 = fresh). */
export function crc32(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [
    Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array,
  ];
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const a = (c ^ ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24))) >>> 0;
    c =
      (t7[a & 0xff] as number) ^ (t6[(a >>> 8) & 0xff] as number) ^ (t5[(a >>> 16) & 0xff] as number) ^ (t4[a >>> 24] as number) ^
      (t3[data[i + 4] as number] as number) ^ (t2[data[i + 5] as number] as number) ^ (t1[data[i + 6] as number] as number) ^
      (t0[data[i + 7] as number] as number);
    i += 8;
  }
  while (i < n) c = (t0[(c ^ (data[i++] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** One member of a ZIP archive, from the central directory. */
export interface ZipEntry {
  /** The member name (UTF-8, or Latin-1 when not valid UTF-8). */
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  /** CRC-32 of the uncompressed bytes. */
  crc32: number;
  /** Compressed size. */
  compressedSize: number;
  /** Uncompressed size. */
  size: number;
  /** Offset of the local file header. */
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
/** Deflate cannot expand data by more than about 1032:1; a larger claimed ratio is a lie. */
const MAX_DEFLATE_RATIO = 1100;

function u64(dv: DataView, off: number, what: string, source: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DataLossError(`${source}: ZIP ${what} ${v} is too large`, { file: source });
  return Number(v);
}

function decodeName(b: Uint8Array): string {
  if (isValidUtf8(b)) return utf8Decode(b);
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

/** A lazily read ZIP archive. */
export class ZipReader {
  /** Members in central-directory order. */
  readonly entries: ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;

  private constructor(readonly source: ByteSource, readonly sourceName: string, entries: ZipEntry[]) {
    this.entries = entries;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Reads the end-of-central-directory record(s) and the central directory. */
  static async open(source: ByteSource, options: { name?: string } = {}): Promise<ZipReader> {
    const name = options.name ?? source.name ?? '<zip>';
    const len = source.byteLength;
    if (len < 22) throw new DataLossError(`${name}: not a ZIP/npz file (only ${len} bytes; an archive has at least 22)`, { file: name });
    const tailLen = Math.min(len, 22 + 65535 + 20);
    const tailStart = len - tailLen;
    const tail = await readRange(source, tailStart, len);
    const tdv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tdv.getUint32(i, true) === SIG_EOCD && i + 22 + tdv.getUint16(i + 20, true) === tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw new DataLossError(`${name}: not a ZIP/npz file (no end-of-central-directory record found)`, { file: name });
    }
    let count = tdv.getUint16(eocd + 10, true);
    let cdSize = tdv.getUint32(eocd + 12, true);
    let cdOffset = tdv.getUint32(eocd + 16, true);
    const diskNo = tdv.getUint16(eocd + 4, true);
    if (diskNo !== 0 && diskNo !== 0xffff) throw new UnimplementedError(`${name}: multi-disk ZIP archives are not supported`, { file: name });
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tdv.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) {
        throw new DataLossError(`${name}: ZIP64 end-of-central-directory locator missing`, { file: name });
      }
      const z64Off = u64(tdv, loc + 8, 'zip64 EOCD offset', name);
      if (z64Off + 56 > len) throw new DataLossError(`${name}: ZIP64 EOCD offset ${z64Off} is beyond the file size ${len}`, { file: name });
      const z = await readRange(source, z64Off, z64Off + 56);
      const zdv = new DataView(z.buffer, z.byteOffset, z.byteLength);
      if (zdv.getUint32(0, true) !== SIG_ZIP64_EOCD) throw new DataLossError(`${name}: bad ZIP64 EOCD signature at offset ${z64Off}`, { file: name, offset: z64Off });
      count = u64(zdv, 32, 'entry count', name);
      cdSize = u64(zdv, 40, 'central directory size', name);
      cdOffset = u64(zdv, 48, 'central directory offset', name);
    }
    if (cdOffset + cdSize > len) {
      throw new DataLossError(`${name}: central directory [${cdOffset}, ${cdOffset + cdSize}) is beyond the file size ${len}`, { file: name });
    }
    if (count * 46 > cdSize) {
      throw new DataLossError(`${name}: ${count} entries cannot fit in a ${cdSize}-byte central directory`, { file: name });
    }
    const cd = await readRange(source, cdOffset, cdOffset + cdSize);
    const dv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || dv.getUint32(p, true) !== SIG_CENTRAL) {
        throw new DataLossError(`${name}: bad central directory entry ${k} at offset ${cdOffset + p}`, { file: name, offset: cdOffset + p });
      }
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      const crc = dv.getUint32(p + 16, true);
      let csize = dv.getUint32(p + 20, true);
      let usize = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let off = dv.getUint32(p + 42, true);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cd.length) throw new DataLossError(`${name}: central directory entry ${k} overruns the directory`, { file: name });
      const entryName = decodeName(cd.subarray(p + 46, p + 46 + nameLen));
      if (flags & 1) throw new UnimplementedError(`${name}: member '${entryName}' is encrypted`, { file: name });
      // ZIP64 extended information: present fields only for the 0xffffffff placeholders, in order.
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = dv.getUint16(e, true);
        const sz = dv.getUint16(e + 2, true);
        if (e + 4 + sz > eEnd) throw new DataLossError(`${name}: bad extra field in entry '${entryName}'`, { file: name });
        if (id === 0x0001) {
          let q = e + 4;
          const take = (what: string): number => {
            if (q + 8 > e + 4 + sz) throw new DataLossError(`${name}: ZIP64 extra field of '${entryName}' lacks the ${what}`, { file: name });
            const v = u64(dv, q, what, name);
            q += 8;
            return v;
          };
          if (usize === 0xffffffff) usize = take('uncompressed size');
          if (csize === 0xffffffff) csize = take('compressed size');
          if (off === 0xffffffff) off = take('local header offset');
        }
        e += 4 + sz;
      }
      if (off + 30 + csize > len) {
        throw new DataLossError(`${name}: member '${entryName}' ([${off}, ${off + 30 + csize})) is beyond the file size ${len}`, { file: name });
      }
      entries.push({ name: entryName, method, crc32: crc, compressedSize: csize, size: usize, localHeaderOffset: off });
      p = end;
    }
    return new ZipReader(source, name, entries);
  }

  /** The entry called `name`, if any. */
  entry(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** The byte range of a member's (compressed) data: reads its local header. */
  async dataRange(entry: ZipEntry): Promise<[number, number]> {
    const h = await readRange(this.source, entry.localHeaderOffset, entry.localHeaderOffset + 30);
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    if (dv.getUint32(0, true) !== SIG_LOCAL) {
      throw new DataLossError(`${this.sourceName}: bad local header signature for '${entry.name}' at offset ${entry.localHeaderOffset}`, {
        file: this.sourceName, offset: entry.localHeaderOffset,
      });
    }
    const start = entry.localHeaderOffset + 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
    const end = start + entry.compressedSize;
    if (end > this.source.byteLength) {
      throw new DataLossError(`${this.sourceName}: data of '${entry.name}' [${start}, ${end}) is beyond the file size ${this.source.byteLength}`, {
        file: this.sourceName,
      });
    }
    return [start, end];
  }

  /** The uncompressed bytes of a member, CRC-checked. */
  async read(entry: ZipEntry, options: { verifyChecksum?: boolean } = {}): Promise<Uint8Array> {
    const [start, end] = await this.dataRange(entry);
    const raw = await readRange(this.source, start, end);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) {
        throw new DataLossError(`${this.sourceName}: stored member '${entry.name}' has sizes ${entry.compressedSize} != ${entry.size}`, { file: this.sourceName });
      }
      out = raw;
    } else if (entry.method === 8) {
      if (entry.size > Math.max(1024, entry.compressedSize * MAX_DEFLATE_RATIO)) {
        throw new DataLossError(
          `${this.sourceName}: member '${entry.name}' claims ${entry.size} bytes from ${entry.compressedSize} deflated bytes (impossible ratio)`,
          { file: this.sourceName },
        );
      }
      try {
        out = inflateSync(raw, { out: new Uint8Array(entry.size) });
      } catch (e) {
        throw new DataLossError(`${this.sourceName}: member '${entry.name}': corrupt deflate data (${(e as Error).message})`, { file: this.sourceName, cause: e });
      }
      if (out.length !== entry.size) {
        throw new DataLossError(`${this.sourceName}: member '${entry.name}' inflated to ${out.length} bytes, expected ${entry.size}`, { file: this.sourceName });
      }
    } else {
      throw new UnimplementedError(`${this.sourceName}: member '${entry.name}' uses compression method ${entry.method} (only stored and deflate are supported)`, {
        file: this.sourceName,
      });
    }
    if (options.verifyChecksum !== false) {
      const c = crc32(out);
      if (c !== entry.crc32) {
        throw new DataLossError(
          `${this.sourceName}: CRC-32 mismatch for '${entry.name}': stored 0x${entry.crc32.toString(16)}, computed 0x${c.toString(16)}`,
          { file: this.sourceName },
        );
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Writing

interface WrittenEntry {
  nameBytes: Uint8Array;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const U32_MAX = 0xffffffff;

/**
 * Writes a ZIP archive sequentially to a sink: each member's local header (sizes and CRC known up front,
 * no data descriptors), then the central directory, with ZIP64 records when sizes/offsets/counts need
 * them. Timestamps are fixed (1980-01-01) so output is deterministic.
 */
export class ZipWriter {
  private readonly written: WrittenEntry[] = [];
  private offset = 0;

  constructor(private readonly sink: ByteSink) {}

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  private async put(b: Uint8Array): Promise<void> {
    await this.sink.write(b);
    this.offset += b.length;
  }

  /** Adds a member whose content is the concatenation of `parts`. */
  async add(name: string, parts: Uint8Array[], options: { compress?: boolean } = {}): Promise<void> {
    const nameBytes = utf8Encode(name);
    if (nameBytes.length > 0xffff) throw new InvalidArgumentError(`ZIP member name is too long (${nameBytes.length} bytes): ${name.slice(0, 80)}...`);
    let crc = 0;
    let usize = 0;
    for (const p of parts) {
      crc = crc32(p, crc);
      usize += p.length;
    }
    let data = parts;
    let method = 0;
    if (options.compress === true) {
      const whole = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, usize);
      data = [deflateSync(whole)];
      method = 8;
    }
    const csize = data.reduce((s, p) => s + p.length, 0);
    const zip64 = usize >= U32_MAX || csize >= U32_MAX;
    const extra = zip64 ? new Uint8Array(20) : new Uint8Array(0);
    if (zip64) {
      const edv = new DataView(extra.buffer);
      edv.setUint16(0, 1, true);
      edv.setUint16(2, 16, true);
      edv.setBigUint64(4, BigInt(usize), true);
      edv.setBigUint64(12, BigInt(csize), true);
    }
    const h = new Uint8Array(30);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, SIG_LOCAL, true);
    dv.setUint16(4, zip64 ? 45 : 20, true);
    dv.setUint16(6, 0x0800, true); // UTF-8 names
    dv.setUint16(8, method, true);
    dv.setUint16(10, 0, true);
    dv.setUint16(12, DOS_DATE_1980, true);
    dv.setUint32(14, crc, true);
    dv.setUint32(18, zip64 ? U32_MAX : csize, true);
    dv.setUint32(22, zip64 ? U32_MAX : usize, true);
    dv.setUint16(26, nameBytes.length, true);
    dv.setUint16(28, extra.length, true);
    const offset = this.offset;
    await this.put(h);
    await this.put(nameBytes);
    if (extra.length > 0) await this.put(extra);
    for (const p of data) if (p.length > 0) await this.put(p);
    this.written.push({ nameBytes, method, crc, csize, usize, offset });
  }

  /** Writes the central directory and end records. Does not close the sink. */
  async finish(): Promise<void> {
    const cdStart = this.offset;
    for (const w of this.written) {
      const needUsize = w.usize >= U32_MAX;
      const needCsize = w.csize >= U32_MAX;
      const needOff = w.offset >= U32_MAX;
      const n64 = (needUsize ? 1 : 0) + (needCsize ? 1 : 0) + (needOff ? 1 : 0);
      const extra = new Uint8Array(n64 > 0 ? 4 + 8 * n64 : 0);
      if (n64 > 0) {
        const edv = new DataView(extra.buffer);
        edv.setUint16(0, 1, true);
        edv.setUint16(2, 8 * n64, true);
        let q = 4;
        if (needUsize) { edv.setBigUint64(q, BigInt(w.usize), true); q += 8; }
        if (needCsize) { edv.setBigUint64(q, BigInt(w.csize), true); q += 8; }
        if (needOff) { edv.setBigUint64(q, BigInt(w.offset), true); q += 8; }
      }
      const h = new Uint8Array(46);
      const dv = new DataView(h.buffer);
      dv.setUint32(0, SIG_CENTRAL, true);
      dv.setUint16(4, (3 << 8) | (n64 > 0 ? 45 : 20), true); // made by Unix
      dv.setUint16(6, n64 > 0 ? 45 : 20, true);
      dv.setUint16(8, 0x0800, true);
      dv.setUint16(10, w.method, true);
      dv.setUint16(12, 0, true);
      dv.setUint16(14, DOS_DATE_1980, true);
      dv.setUint32(16, w.crc, true);
      dv.setUint32(20, needCsize ? U32_MAX : w.csize, true);
      dv.setUint32(24, needUsize ? U32_MAX : w.usize, true);
      dv.setUint16(28, w.nameBytes.length, true);
      dv.setUint16(30, extra.length, true);
      dv.setUint32(38, (0o100644 << 16) >>> 0, true);
      dv.setUint32(42, needOff ? U32_MAX : w.offset, true);
      await this.put(h);
      await this.put(w.nameBytes);
      if (extra.length > 0) await this.put(extra);
    }
    const cdSize = this.offset - cdStart;
    const count = this.written.length;
    const need64 = count >= 0xffff || cdSize >= U32_MAX || cdStart >= U32_MAX;
    if (need64) {
      const z64Start = this.offset;
      const z = new Uint8Array(56 + 20);
      const dv = new DataView(z.buffer);
      dv.setUint32(0, SIG_ZIP64_EOCD, true);
      dv.setBigUint64(4, 44n, true);
      dv.setUint16(12, (3 << 8) | 45, true);
      dv.setUint16(14, 45, true);
      dv.setBigUint64(24, BigInt(count), true);
      dv.setBigUint64(32, BigInt(count), true);
      dv.setBigUint64(40, BigInt(cdSize), true);
      dv.setBigUint64(48, BigInt(cdStart), true);
      dv.setUint32(56, SIG_ZIP64_LOCATOR, true);
      dv.setBigUint64(64, BigInt(z64Start), true);
      dv.setUint32(72, 1, true);
      await this.put(z);
    }
    const e = new Uint8Array(22);
    const dv = new DataView(e.buffer);
    dv.setUint32(0, SIG_EOCD, true);
    dv.setUint16(8, need64 ? 0xffff : count, true);
    dv.setUint16(10, need64 ? 0xffff : count, true);
    dv.setUint32(12, need64 ? U32_MAX : cdSize, true);
    dv.setUint32(16, need64 ? U32_MAX : cdStart, true);
    await this.put(e);
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
