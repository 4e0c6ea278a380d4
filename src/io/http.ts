/**
 * HTTP(S) byte sources over `fetch` with Range requests (browsers and Node >= 18).
 *
 * `openUrl()` learns the length with a `Range: bytes=0-0` GET (which also proves the server honours
 * ranges: `206` + `Content-Range: bytes 0-0/<total>`); every `slice()` is then one Range GET whose
 * `206` status, `Content-Range` (start, end and total) and body length are checked.
 *
 * Servers that ignore `Range` (answer `200` with the whole body): the body is read only when its
 * length is known and at most `maxFullBodyBytes` (default 8 MiB); it is then kept in memory and
 * serves every slice. Otherwise the response body is cancelled unread and `openUrl()` throws
 * `FailedPreconditionError` ("server ignores Range requests"): a multi-gigabyte checkpoint is never
 * downloaded silently. Bodies are always read against a byte limit, so a lying server cannot make us
 * buffer more than asked.
 *
 * Cross-origin use in browsers: the server must allow the `Range` request header (CORS preflight) and
 * expose `Content-Range` (`Access-Control-Expose-Headers: Content-Range, ETag`), or pass
 * `allowMissingContentRange: true`.
 *
 * Errors name the URL: 404 -> NotFoundError, 401 -> UnauthenticatedError, 403 -> PermissionDeniedError,
 * 416 -> OutOfRangeError, 5xx / network failures -> UnavailableError, per-request timeout
 * (`timeoutMs`, default 30 s) -> DeadlineExceededError, the caller's `signal` -> CancelledError,
 * a resource that changes between requests (length or ETag) or a wrong Content-Range -> DataLossError.
 */
import {
  CancelledError,
  DataLossError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
  PermissionDeniedError,
  TFError,
  UnauthenticatedError,
  UnavailableError,
  UnknownError,
  isTFError,
} from '../errors.js';
import { readRange } from './read-range.js';
import type { ByteSource, FileStore } from './types.js';

/** Options of {@link openUrl} and {@link HttpFileStore}. */
export interface HttpOptions {
  /** The fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Extra request headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** Aborts every request of this source; an abort surfaces as `CancelledError`. */
  signal?: AbortSignal;
  /** Per-request timeout in milliseconds, headers and body included (default 30 000; 0 = none). */
  timeoutMs?: number;
  /**
   * When the server ignores Range requests, the largest whole body we accept to download and keep in
   * memory (default 8 MiB; 0 = never, always throw `FailedPreconditionError`).
   */
  maxFullBodyBytes?: number;
  /** Largest file `HttpFileStore.readFile()` downloads (default 256 MiB). */
  maxReadFileBytes?: number;
  /** `credentials` mode passed to fetch (browsers). */
  credentials?: RequestCredentials;
  /**
   * Accept `206` answers without a readable `Content-Range` (default false). Browsers hide that header
   * from cross-origin responses unless the server sends `Access-Control-Expose-Headers: Content-Range`;
   * with this option the length comes from a HEAD request and each slice is checked by its status and
   * exact body length only.
   */
  allowMissingContentRange?: boolean;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxFullBodyBytes: 8 * 1024 * 1024,
  maxReadFileBytes: 256 * 1024 * 1024,
};

/** One request with its own timeout, linked to the caller's signal. */
class HttpRequest {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timedOut = false;
  private readonly onAbort = () => this.controller.abort();

  constructor(
    readonly url: string,
    private readonly opts: HttpOptions,
  ) {
    const t = opts.timeoutMs ?? DEFAULTS.timeoutMs;
    if (t > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort();
      }, t);
    }
    if (opts.signal) {
      if (opts.signal.aborted) this.controller.abort();
      else opts.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** Ends the timer and unlinks the caller's signal. */
  done(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

  /** Maps an exception thrown by fetch or by a body read. */
  mapError(e: unknown, what: string): TFError {
    if (isTFError(e)) return e;
    if (this.timedOut) {
      return new DeadlineExceededError(`${what} ${this.url}: no complete answer within ${this.opts.timeoutMs ?? DEFAULTS.timeoutMs} ms`, {
        file: this.url,
        cause: e,
      });
    }
    if (this.opts.signal?.aborted || this.controller.signal.aborted) {
      return new CancelledError(`${what} ${this.url}: aborted`, { file: this.url, cause: e });
    }
    return new UnavailableError(`${what} ${this.url} failed: ${(e as Error)?.message ?? String(e)}`, {
      file: this.url,
      cause: e,
    });
  }

  async fetch(init: RequestInit, what: string): Promise<Response> {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...this.opts.headers };
    for (const [k, v] of Object.entries((init.headers as Record<string, string> | undefined) ?? {})) headers[k] = v;
    const f = this.opts.fetch ?? globalThis.fetch;
    try {
      return await f(this.url, {
        ...init,
        headers,
        signal: this.controller.signal,
        redirect: 'follow',
        ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
      });
    } catch (e) {
      this.done();
      throw this.mapError(e, what);
    }
  }
}

/** Cancels a response body without reading it. */
async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    /* already closed */
  }
}

/**
 * Reads a body, failing as soon as it exceeds `limit` bytes (the whole body is never buffered past it).
 * Returns the bytes; `exact` also requires the body to have exactly `limit` bytes.
 */
async function readBody(res: Response, req: HttpRequest, limit: number, exact: boolean, what: string): Promise<Uint8Array> {
  try {
    const body = res.body;
    if (!body) {
      const b = new Uint8Array(await res.arrayBuffer());
      if (b.length > limit || (exact && b.length !== limit)) {
        throw new DataLossError(`${what} ${req.url}: body has ${b.length} bytes, expected ${exact ? '' : 'at most '}${limit}`, {
          file: req.url,
        });
      }
      return b;
    }
    const reader = body.getReader();
    const out = new Uint8Array(limit);
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > limit) {
        await reader.cancel().catch(() => undefined);
        throw new DataLossError(`${what} ${req.url}: body is longer than the ${limit} bytes expected`, {
          file: req.url,
          offset: n,
        });
      }
      out.set(value, n);
      n += value.length;
    }
    if (exact && n !== limit) {
      throw new DataLossError(`${what} ${req.url}: body ended after ${n} of ${limit} bytes`, { file: req.url, offset: n });
    }
    return out.subarray(0, n);
  } catch (e) {
    throw req.mapError(e, what);
  } finally {
    req.done();
  }
}

/** Throws the typed error for a non-success status (after discarding the body). */
async function statusError(res: Response, url: string, what: string): Promise<never> {
  await discard(res);
  const msg = `${what} ${url}: HTTP ${res.status} ${res.statusText}`.trim();
  const ctx = { file: url };
  switch (res.status) {
    case 404:
    case 410:
      throw new NotFoundError(msg, ctx);
    case 401:
      throw new UnauthenticatedError(msg, ctx);
    case 403:
      throw new PermissionDeniedError(msg, ctx);
    case 416:
      throw new OutOfRangeError(msg, ctx);
    case 408:
    case 429:
      throw new UnavailableError(msg, ctx);
    default:
      if (res.status >= 500) throw new UnavailableError(msg, ctx);
      throw new UnknownError(msg, ctx);
  }
}

/** Parses `bytes <a>-<b>/<total|*>` (or `bytes *\/<total>`). */
function parseContentRange(h: string | null): { start?: number; end?: number; total?: number } | undefined {
  if (!h) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*\/\s*(\d+|\*)\s*$/i.exec(h);
  if (!m) return undefined;
  const r: { start?: number; end?: number; total?: number } = {};
  if (m[1] !== undefined) {
    r.start = Number(m[1]);
    r.end = Number(m[2]);
  }
  if (m[3] !== '*') r.total = Number(m[3]);
  return r;
}

function contentLength(res: Response): number | undefined {
  const h = res.headers.get('content-length');
  if (h === null || !/^\d+$/.test(h.trim())) return undefined;
  return Number(h);
}

/**
 * Opens a URL as a {@link ByteSource} (see the module comment for the protocol and the errors).
 * `close()` aborts nothing in flight; it only drops an in-memory body, if one was kept.
 */
export async function openUrl(url: string | URL, options: HttpOptions = {}): Promise<ByteSource> {
  const href = typeof url === 'string' ? url : url.href;
  const maxFull = options.maxFullBodyBytes ?? DEFAULTS.maxFullBodyBytes;
  const req = new HttpRequest(href, options);
  const res = await req.fetch({ method: 'GET', headers: { range: 'bytes=0-0' } }, 'GET');
  const etag = res.headers.get('etag');

  if (res.status === 206) {
    const rawRange = res.headers.get('content-range');
    if (rawRange === null && options.allowMissingContentRange) {
      await readBody(res, req, 1, true, 'GET');
      const head = new HttpRequest(href, options);
      const h = await head.fetch({ method: 'HEAD' }, 'HEAD');
      await discard(h);
      head.done();
      if (!h.ok) return statusError(h, href, 'HEAD');
      const len = contentLength(h);
      if (len === undefined) {
        throw new FailedPreconditionError(`HEAD ${href}: no Content-Length and no readable Content-Range; length unknown`, {
          file: href,
        });
      }
      return new HttpRangeSource(href, len, etag, options);
    }
    const cr = parseContentRange(rawRange);
    if (!cr || cr.start !== 0 || cr.end !== 0 || cr.total === undefined) {
      await discard(res);
      req.done();
      throw new DataLossError(
        `GET ${href}: 206 with Content-Range ${JSON.stringify(rawRange)}, expected "bytes 0-0/<total>"` +
          (rawRange === null ? ' (cross-origin servers must send Access-Control-Expose-Headers: Content-Range)' : ''),
        { file: href },
      );
    }
    await readBody(res, req, 1, true, 'GET');
    return new HttpRangeSource(href, cr.total, etag, options);
  }
  if (res.status === 416) {
    // Unsatisfiable 0-0: the resource is empty (RFC 9110: Content-Range: bytes */0).
    const cr = parseContentRange(res.headers.get('content-range'));
    await discard(res);
    req.done();
    if (cr?.total === 0) return new HttpRangeSource(href, 0, etag, options);
    throw new OutOfRangeError(`GET ${href}: HTTP 416 for bytes=0-0 without "Content-Range: bytes */0"`, { file: href });
  }
  if (res.status === 200) {
    // The server ignored Range and is sending the whole body.
    const len = contentLength(res);
    if (len !== undefined && len === 0) {
      await readBody(res, req, 0, true, 'GET');
      return new HttpMemorySource(href, new Uint8Array(0));
    }
    if (len === undefined || len > maxFull) {
      await discard(res);
      req.done();
      throw new FailedPreconditionError(
        `GET ${href}: the server ignores Range requests (HTTP 200 for bytes=0-0) and the body is ` +
          `${len === undefined ? 'of unknown length' : `${len} bytes`}, above maxFullBodyBytes=${maxFull}; not downloading it`,
        { file: href },
      );
    }
    const body = await readBody(res, req, len, true, 'GET');
    return new HttpMemorySource(href, body);
  }
  req.done();
  return statusError(res, href, 'GET');
}

/** A resource read with one Range GET per slice. */
class HttpRangeSource implements ByteSource {
  constructor(
    readonly name: string,
    readonly byteLength: number,
    private readonly etag: string | null,
    private readonly options: HttpOptions,
  ) {}

  async slice(start: number, end: number): Promise<Uint8Array> {
    const s = Math.max(0, Math.min(start, this.byteLength));
    const e = Math.max(s, Math.min(end, this.byteLength));
    if (s === e) return new Uint8Array(0);
    const url = this.name;
    const req = new HttpRequest(url, this.options);
    const what = `GET bytes=${s}-${e - 1} of`;
    const res = await req.fetch({ method: 'GET', headers: { range: `bytes=${s}-${e - 1}` } }, what);
    if (res.status !== 206) {
      if (res.status === 200) {
        await discard(res);
        req.done();
        throw new DataLossError(`${what} ${url}: HTTP 200 (the server stopped honouring Range requests)`, {
          file: url,
          offset: s,
        });
      }
      req.done();
      return statusError(res, url, what);
    }
    const rawRange = res.headers.get('content-range');
    const cr = parseContentRange(rawRange);
    const etag = res.headers.get('etag');
    let problem: string | undefined;
    if (rawRange === null && this.options.allowMissingContentRange) {
      problem = undefined; // status 206 + exact body length are still checked
    } else if (!cr || cr.start === undefined) problem = `bad Content-Range ${JSON.stringify(res.headers.get('content-range'))}`;
    else if (cr.start !== s || cr.end !== e - 1) problem = `Content-Range ${cr.start}-${cr.end} for requested ${s}-${e - 1}`;
    else if (cr.total !== undefined && cr.total !== this.byteLength) {
      problem = `the resource changed: length ${cr.total}, was ${this.byteLength}`;
    } else if (this.etag !== null && etag !== null && etag !== this.etag) {
      problem = `the resource changed: ETag ${etag}, was ${this.etag}`;
    }
    if (problem !== undefined) {
      await discard(res);
      req.done();
      throw new DataLossError(`${what} ${url}: ${problem}`, { file: url, offset: s });
    }
    return readBody(res, req, e - s, true, what);
  }

  async close(): Promise<void> {}
}

/** A resource whose server ignored Range: the (bounded) whole body, kept in memory. */
class HttpMemorySource implements ByteSource {
  readonly byteLength: number;
  constructor(
    readonly name: string,
    private body: Uint8Array,
  ) {
    this.byteLength = body.length;
  }
  slice(start: number, end: number): Uint8Array {
    const s = Math.max(0, Math.min(start, this.body.length));
    return this.body.subarray(s, Math.max(s, Math.min(end, this.body.length)));
  }
  async close(): Promise<void> {
    this.body = new Uint8Array(0);
  }
}

/**
 * A read-only {@link FileStore} under a base URL: `open('model.ckpt.index')` opens
 * `<base>/model.ckpt.index`. Path segments are percent-encoded; a leading `/` is relative to the base
 * too. `list()` is not available over plain HTTP.
 */
export class HttpFileStore implements FileStore {
  /** The base URL, always ending with `/`. */
  readonly baseUrl: string;

  constructor(
    baseUrl: string | URL,
    private readonly options: HttpOptions = {},
  ) {
    const href = typeof baseUrl === 'string' ? new URL(baseUrl).href : baseUrl.href;
    this.baseUrl = href.endsWith('/') ? href : href + '/';
  }

  /** The URL of `path` under the base. */
  url(path: string): string {
    const segs = path.split('/').filter((s) => s !== '' && s !== '.');
    if (segs.includes('..')) throw new InvalidArgumentError(`path ${JSON.stringify(path)} may not contain '..'`);
    return new URL(segs.map(encodeURIComponent).join('/'), this.baseUrl).href;
  }

  /** Opens `path` with {@link openUrl}. */
  async open(path: string): Promise<ByteSource> {
    return openUrl(this.url(path), this.options);
  }

  private async head(path: string): Promise<Response | undefined> {
    const url = this.url(path);
    const req = new HttpRequest(url, this.options);
    const res = await req.fetch({ method: 'HEAD' }, 'HEAD');
    await discard(res);
    req.done();
    if (res.status === 404 || res.status === 410) return undefined;
    if (res.status === 405 || res.status === 501) return res; // HEAD not allowed: caller falls back
    if (!res.ok) return statusError(res, url, 'HEAD');
    return res;
  }

  /** True when a HEAD (or, when HEAD is refused, a 0-0 range GET) succeeds; false on 404 / 410. */
  async exists(path: string): Promise<boolean> {
    const res = await this.head(path);
    if (res === undefined) return false;
    if (res.ok) return true;
    try {
      const src = await this.open(path);
      await src.close?.();
      return true;
    } catch (e) {
      if (isTFError(e, 'NOT_FOUND')) return false;
      throw e;
    }
  }

  /** Downloads a whole file (at most `maxReadFileBytes`). */
  async readFile(path: string): Promise<Uint8Array> {
    const src = await this.open(path);
    const limit = this.options.maxReadFileBytes ?? DEFAULTS.maxReadFileBytes;
    if (src.byteLength > limit) {
      throw new FailedPreconditionError(`${src.name}: ${src.byteLength} bytes is above maxReadFileBytes=${limit}`, {
        file: src.name,
      });
    }
    return readRange(src, 0, src.byteLength);
  }

  /** `Last-Modified` in seconds since the epoch, when the server sends it. */
  async mtime(path: string): Promise<number | undefined> {
    const res = await this.head(path);
    if (res === undefined) throw new NotFoundError(`HEAD ${this.url(path)}: HTTP 404`, { file: this.url(path) });
    const lm = res.headers.get('last-modified');
    if (!lm) return undefined;
    const t = Date.parse(lm);
    return Number.isNaN(t) ? undefined : t / 1000;
  }
}
