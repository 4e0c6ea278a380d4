/**
 * Test helpers: run a check over every kind of byte source / file store (memory, ArrayBuffer, Blob,
 * local file, HTTP Range server on 127.0.0.1, and each of those behind the block cache), plus
 * temporary directories and a configurable HTTP test server.
 *
 * @example
 * await forEachSourceKind('index', bytes, async (src, kind) => { ... readRange(src, 0, 10) ... });
 * await forEachStoreKind('ckpt', {'model.index': a, 'model.data-00000-of-00001': b}, async (store) => {
 *   const r = await BundleReader.open(store, 'model');
 * });
 * // One node:test test per kind (separate pass/fail lines):
 * for (const kind of SOURCE_KINDS) test(`reads [${kind}]`, () => forEachSourceKind('x', bytes, check, [kind]));
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { NotFoundError } from '../../src/errors.js';
import { fromBlob } from '../../src/io/blob.js';
import { withBlockCache } from '../../src/io/cache.js';
import { HttpFileStore, openUrl } from '../../src/io/http.js';
import { fromBytes, MemoryFileStore } from '../../src/io/memory.js';
import { openFile } from '../../src/io/node/file-source.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import type { ByteSource, FileStore } from '../../src/io/types.js';

/** The source kinds {@link forEachSourceKind} runs over. */
export const SOURCE_KINDS = [
  'memory',
  'arraybuffer',
  'blob',
  'file',
  'http',
  'memory+cache',
  'blob+cache',
  'file+cache',
  'http+cache',
] as const;
/** One of {@link SOURCE_KINDS}. */
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** The store kinds {@link forEachStoreKind} runs over. */
export const STORE_KINDS = ['memory', 'blob', 'node', 'http', 'memory+cache', 'node+cache', 'http+cache'] as const;
/** One of {@link STORE_KINDS}. */
export type StoreKind = (typeof STORE_KINDS)[number];

/** Block-cache settings used by the `+cache` kinds: small blocks, so reads span several of them. */
export const TEST_CACHE = { blockSize: 64, maxBytes: 64 * 1024 } as const;

/** Runs `fn` with a fresh temporary directory, removed afterwards (even on failure). */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpersist-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Behaviours of the test HTTP server (all off by default = a well-behaved Range server). */
export interface TestServerOptions {
  /** Answer 200 with the whole body to Range requests. */
  ignoreRange?: boolean;
  /** Omit Content-Length on 200 answers (chunked). */
  noContentLength?: boolean;
  /** Shift the Content-Range start by one (a lying server). */
  wrongContentRange?: boolean;
  /** Send one byte less than the range asks for (body only; headers claim the full range). */
  shortBody?: boolean;
  /** Report this total length in Content-Range instead of the real one. */
  fakeTotal?: number;
  /** Refuse HEAD with 405. */
  noHead?: boolean;
  /** Delay every answer by this many ms. */
  delayMs?: number;
  /** Answer every request with this status (no body). */
  status?: number;
  /** A different ETag on every response. */
  changingEtag?: boolean;
  /** Omit Content-Range on 206 answers (what a browser shows for an unexposed cross-origin header). */
  hideContentRange?: boolean;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>/` */
  baseUrl: string;
  /** The URL of a served path. */
  url(path: string): string;
  /** Requests seen: method, path and Range header. */
  requests: { method: string; path: string; range: string | undefined }[];
  /** Replaces the options at run time. */
  options: TestServerOptions;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

/** Starts a Range-capable HTTP server on 127.0.0.1 serving `files` (path without leading `/`). */
export async function startTestServer(
  files: Record<string, Uint8Array> | Map<string, Uint8Array>,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const requests: TestServer['requests'] = [];
  let etagCounter = 0;
  const state: { options: TestServerOptions } = { options };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const o = state.options;
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const range = req.headers.range;
    requests.push({ method: req.method ?? '', path, range });
    const answer = () => {
      if (o.status !== undefined) {
        res.writeHead(o.status).end();
        return;
      }
      const body = map.get(path);
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const etag = o.changingEtag ? `"e${etagCounter++}"` : `"fixed-${body.length}"`;
      const common = { etag, 'last-modified': new Date(1_700_000_000_000).toUTCString(), 'accept-ranges': 'bytes' };
      if (req.method === 'HEAD') {
        if (o.noHead) {
          res.writeHead(405).end();
          return;
        }
        res.writeHead(200, { ...common, 'content-length': String(body.length) }).end();
        return;
      }
      const m = range === undefined || o.ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!m) {
        const headers: Record<string, string> = { ...common };
        if (!o.noContentLength) headers['content-length'] = String(body.length);
        res.writeHead(200, headers);
        res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
        return;
      }
      const start = Number(m[1]);
      const end = m[2] === '' ? body.length - 1 : Math.min(Number(m[2]), body.length - 1);
      if (start >= body.length || start > end) {
        res.writeHead(416, { ...common, 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      let part = body.subarray(start, end + 1);
      const shown = o.wrongContentRange ? start + 1 : start;
      const total = o.fakeTotal ?? body.length;
      if (o.shortBody) part = part.subarray(0, part.length - 1);
      res.writeHead(206, {
        ...common,
        ...(o.hideContentRange ? {} : { 'content-range': `bytes ${shown}-${end}/${total}` }),
        ...(o.shortBody ? {} : { 'content-length': String(part.length) }),
      });
      res.end(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
    };
    if (o.delayMs) setTimeout(answer, o.delayMs).unref();
    else answer();
  };
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}/`;
  return {
    baseUrl,
    url: (p: string) => baseUrl + p.split('/').map(encodeURIComponent).join('/'),
    requests,
    get options() {
      return state.options;
    },
    set options(v: TestServerOptions) {
      state.options = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function annotate(e: unknown, label: string): unknown {
  if (e instanceof Error) {
    e.message = `[${label}] ${e.message}`;
    return e;
  }
  return new Error(`[${label}] ${String(e)}`);
}

/**
 * Runs `fn` over the same `bytes` exposed as every source kind (see {@link SOURCE_KINDS}), one after
 * the other; a failure is rethrown with the kind prefixed to its message. Each source is closed after
 * its run. `name` becomes the file name / URL path (messages will name it). Pass `kinds` to restrict.
 */
export async function forEachSourceKind(
  name: string,
  bytes: Uint8Array,
  fn: (source: ByteSource, kind: SourceKind) => Promise<void> | void,
  kinds: readonly SourceKind[] = SOURCE_KINDS,
): Promise<void> {
  const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_') || 'bytes';
  await withTempDir(async (dir) => {
    const filePath = join(dir, safeName);
    await writeFile(filePath, bytes);
    const server = kinds.some((k) => k.startsWith('http')) ? await startTestServer({ [safeName]: bytes }) : undefined;
    try {
      for (const kind of kinds) {
        const [base, cached] = kind.split('+') as [string, string | undefined];
        let src: ByteSource;
        switch (base) {
          case 'memory':
            src = fromBytes(new Uint8Array(bytes), name);
            break;
          case 'arraybuffer': {
            const copy = new Uint8Array(bytes);
            src = fromBytes(copy.buffer, name);
            break;
          }
          case 'blob':
            src = fromBlob(new Blob([new Uint8Array(bytes)]), name);
            break;
          case 'file':
            src = await openFile(filePath);
            break;
          case 'http':
            src = await openUrl(server!.url(safeName));
            break;
          default:
            throw new Error(`unknown source kind ${kind}`);
        }
        if (cached) src = withBlockCache(src, TEST_CACHE);
        try {
          await fn(src, kind);
        } catch (e) {
          throw annotate(e, kind);
        } finally {
          await src.close?.();
        }
      }
    } finally {
      await server?.close();
    }
  });
}

/** A read-only store of Blobs (what a browser has after a file picker / drag and drop). */
export class BlobFileStore implements FileStore {
  constructor(private readonly blobs: Map<string, Blob>) {}
  async open(path: string): Promise<ByteSource> {
    const b = this.blobs.get(path);
    if (!b) throw new NotFoundError(`file not found: ${path}`, { file: path });
    return fromBlob(b, path);
  }
  async exists(path: string): Promise<boolean> {
    return this.blobs.has(path);
  }
  async readFile(path: string): Promise<Uint8Array> {
    const src = await this.open(path);
    return new Uint8Array(await (src.slice(0, src.byteLength) as Promise<Uint8Array>));
  }
}

/** Wraps a store so every opened source goes through the block cache. */
function cachedStore<S extends FileStore>(store: S): S {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'open') {
        return async (path: string) => withBlockCache(await target.open(path), TEST_CACHE);
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * Runs `fn` over the same files (relative `/`-separated paths -> bytes) as every store kind: memory,
 * Blob, a temp directory through NodeFileStore, an HTTP server through HttpFileStore, and the cached
 * variants. Paths passed to the store are relative (e.g. `'ckpt/model-7'`); the Node store resolves
 * them against the temp dir. Read-only use only (HTTP and Blob stores cannot write).
 */
export async function forEachStoreKind(
  name: string,
  files: Record<string, Uint8Array>,
  fn: (store: FileStore, kind: StoreKind) => Promise<void> | void,
  kinds: readonly StoreKind[] = STORE_KINDS,
): Promise<void> {
  await withTempDir(async (dir) => {
    for (const [p, b] of Object.entries(files)) {
      const full = join(dir, ...p.split('/'));
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, b);
    }
    const server = kinds.some((k) => k.startsWith('http')) ? await startTestServer(files) : undefined;
    try {
      for (const kind of kinds) {
        const [base, cached] = kind.split('+') as [string, string | undefined];
        let store: FileStore;
        switch (base) {
          case 'memory':
            store = new MemoryFileStore(files);
            break;
          case 'blob':
            store = new BlobFileStore(new Map(Object.entries(files).map(([p, b]) => [p, new Blob([new Uint8Array(b)])])));
            break;
          case 'node':
            store = new NodeFileStore({ baseDir: dir });
            break;
          case 'http':
            store = new HttpFileStore(server!.baseUrl);
            break;
          default:
            throw new Error(`unknown store kind ${kind}`);
        }
        if (cached) store = cachedStore(store);
        try {
          await fn(store, kind);
        } catch (e) {
          throw annotate(e, `${name} ${kind}`);
        }
      }
    } finally {
      await server?.close();
    }
  });
}
