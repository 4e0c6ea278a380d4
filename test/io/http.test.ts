import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTFError, type CodeName } from '../../src/errors.js';
import { HttpFileStore, openUrl } from '../../src/io/http.js';
import { readRange } from '../../src/io/read-range.js';
import { startTestServer, type TestServer } from '../helpers/sources.js';

const data = new Uint8Array(3000).map((_, i) => (i * 13) & 0xff);

async function withServer(
  opts: Parameters<typeof startTestServer>[1],
  fn: (s: TestServer) => Promise<void>,
  files: Record<string, Uint8Array> = { 'a.bin': data, 'dir/with space.bin': data.subarray(0, 10), 'empty.bin': new Uint8Array(0) },
): Promise<void> {
  const s = await startTestServer(files, opts);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function is(code: CodeName, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(isTFError(e, code), `expected ${code}, got ${String(e)}`);
    if (re) assert.match((e as Error).message, re);
    return true;
  };
}

test('openUrl: length from a 0-0 range GET, one Range GET per slice', async () => {
  await withServer({}, async (s) => {
    const src = await openUrl(s.url('a.bin'));
    assert.equal(src.byteLength, 3000);
    assert.equal(src.name, s.url('a.bin'));
    assert.deepEqual(await readRange(src, 100, 2000), data.subarray(100, 2000));
    assert.deepEqual(await readRange(src, 2999, 3000), data.subarray(2999));
    assert.deepEqual(
      s.requests.map((r) => r.range),
      ['bytes=0-0', 'bytes=100-1999', 'bytes=2999-2999'],
    );
    const empty = await openUrl(s.url('empty.bin'));
    assert.equal(empty.byteLength, 0);
  });
});

test('openUrl: missing resource -> NotFoundError naming the URL; status codes map to TF codes', async () => {
  await withServer({}, async (s) => {
    await assert.rejects(openUrl(s.url('nope.bin')), is('NOT_FOUND', /nope\.bin.*404/));
  });
  for (const [status, code] of [
    [401, 'UNAUTHENTICATED'],
    [403, 'PERMISSION_DENIED'],
    [500, 'UNAVAILABLE'],
    [503, 'UNAVAILABLE'],
    [418, 'UNKNOWN'],
  ] as const) {
    await withServer({ status }, async (s) => {
      await assert.rejects(openUrl(s.url('a.bin')), is(code, new RegExp(`a\\.bin.*${status}`)));
    });
  }
});

test('server ignoring Range: small bodies are read (bounded) and served from memory', async () => {
  await withServer({ ignoreRange: true }, async (s) => {
    const src = await openUrl(s.url('a.bin'));
    assert.equal(src.byteLength, 3000);
    assert.deepEqual(await readRange(src, 5, 50), data.subarray(5, 50));
    assert.equal(s.requests.length, 1);
  });
});

test('server ignoring Range: a body above maxFullBodyBytes is not downloaded -> FailedPreconditionError', async () => {
  const big = new Uint8Array(4 * 1024 * 1024);
  await withServer(
    { ignoreRange: true },
    async (s) => {
      await assert.rejects(openUrl(s.url('big.bin'), { maxFullBodyBytes: 1024 }), is('FAILED_PRECONDITION', /ignores Range.*big\.bin|big\.bin.*ignores Range/));
    },
    { 'big.bin': big },
  );
  await withServer({ ignoreRange: true, noContentLength: true }, async (s) => {
    await assert.rejects(openUrl(s.url('a.bin')), is('FAILED_PRECONDITION', /unknown length/));
  });
});

test('lying servers: wrong Content-Range, short body, changed length, changed ETag -> DataLossError', async () => {
  await withServer({}, async (s) => {
    const src = await openUrl(s.url('a.bin'));
    s.options = { wrongContentRange: true };
    await assert.rejects(readRange(src, 10, 20), is('DATA_LOSS', /Content-Range 11-19 for requested 10-19/));
    s.options = { shortBody: true };
    await assert.rejects(readRange(src, 10, 20), is('DATA_LOSS', /a\.bin/));
    s.options = { fakeTotal: 4000 };
    await assert.rejects(readRange(src, 10, 20), is('DATA_LOSS', /changed: length 4000/));
    s.options = { changingEtag: true };
    await assert.rejects(readRange(src, 10, 20), is('DATA_LOSS', /ETag/));
    s.options = { ignoreRange: true };
    await assert.rejects(readRange(src, 10, 20), is('DATA_LOSS', /stopped honouring Range/));
    s.options = {};
    assert.deepEqual(await readRange(src, 10, 20), data.subarray(10, 20));
  });
  await withServer({ wrongContentRange: true }, async (s) => {
    await assert.rejects(openUrl(s.url('a.bin')), is('DATA_LOSS'));
  });
});

test('timeouts -> DeadlineExceededError; caller abort -> CancelledError; refused connection -> Unavailable', async () => {
  await withServer({ delayMs: 3000 }, async (s) => {
    const t0 = Date.now();
    await assert.rejects(openUrl(s.url('a.bin'), { timeoutMs: 100 }), is('DEADLINE_EXCEEDED', /a\.bin.*100 ms/));
    assert.ok(Date.now() - t0 < 1900, "the timeout fired before the server answered");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(openUrl(s.url('a.bin'), { signal: ac.signal }), is('CANCELLED', /a\.bin/));
  });
  const closed = await startTestServer({});
  const url = closed.url('x');
  await closed.close();
  await assert.rejects(openUrl(url, { timeoutMs: 2000 }), is('UNAVAILABLE', /127\.0\.0\.1/));
});

test('headers option is sent; a custom fetch can be injected', async () => {
  let seen: Headers | undefined;
  const fake: typeof fetch = async (_input, init) => {
    seen = new Headers(init?.headers);
    return new Response(new Uint8Array([7]), { status: 206, headers: { 'content-range': 'bytes 0-0/1' } });
  };
  const src = await openUrl('http://example.invalid/x', { fetch: fake, headers: { authorization: 'Bearer t' } });
  assert.equal(src.byteLength, 1);
  assert.equal(seen?.get('authorization'), 'Bearer t');
  assert.equal(seen?.get('range'), 'bytes=0-0');
});

test('HttpFileStore: open, exists, readFile, mtime, percent-encoded paths', async () => {
  await withServer({}, async (s) => {
    const store = new HttpFileStore(s.baseUrl.slice(0, -1)); // base without trailing slash
    assert.equal(store.url('dir/with space.bin'), s.baseUrl + 'dir/with%20space.bin');
    assert.equal(await store.exists('a.bin'), true);
    assert.equal(await store.exists('nope'), false);
    assert.deepEqual(await store.readFile('dir/with space.bin'), data.subarray(0, 10));
    assert.equal(await store.mtime('a.bin'), 1_700_000_000);
    const src = await store.open('/a.bin');
    assert.deepEqual(await readRange(src, 1, 3), data.subarray(1, 3));
    await assert.rejects(store.open('missing'), is('NOT_FOUND', /missing/));
    assert.throws(() => store.url('../etc/passwd'), is('INVALID_ARGUMENT'));
    await assert.rejects(new HttpFileStore(s.baseUrl, { maxReadFileBytes: 100 }).readFile('a.bin'), is('FAILED_PRECONDITION'));
  });
  await withServer({ noHead: true }, async (s) => {
    const store = new HttpFileStore(s.baseUrl);
    assert.equal(await store.exists('a.bin'), true);
    assert.equal(await store.exists('zzz'), false);
  });
});

test('206 without a readable Content-Range (CORS): DataLoss with a hint, or HEAD length with allowMissingContentRange', async () => {
  await withServer({ hideContentRange: true }, async (s) => {
    await assert.rejects(openUrl(s.url('a.bin')), is('DATA_LOSS', /Access-Control-Expose-Headers/));
    const src = await openUrl(s.url('a.bin'), { allowMissingContentRange: true });
    assert.equal(src.byteLength, 3000);
    assert.deepEqual(await readRange(src, 7, 1007), data.subarray(7, 1007));
    s.options = { hideContentRange: true, shortBody: true };
    await assert.rejects(readRange(src, 7, 1007), is('DATA_LOSS'));
  });
});
