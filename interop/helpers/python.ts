/**
 * Interop harness: find a Python that can `import tensorflow`, run snippets in it, and register test suites
 * that are skipped (with a clear message) when no real TensorFlow is available.
 *
 * Lookup order (first that can `import tensorflow` wins; the answer is cached per process):
 *   1. `$TFPERSIST_PYTHON`  2. `~/.venv-tf/bin/python` (`Scripts\python.exe` on Windows)  3. `python3`
 * Set `TFPERSIST_REQUIRE_TF=1` to make a missing TensorFlow fail the suite instead of skipping it (CI).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { repoRoot } from '../../test/helpers/paths.js';

export const TF_MISSING_MESSAGE =
  'real TensorFlow not found; install it with: python3 -m venv ~/.venv-tf && ' +
  '~/.venv-tf/bin/pip install tensorflow-cpu (or set TFPERSIST_PYTHON)';

/** Environment for every Python child: quiet TF logging, no .pyc files, CPU only. */
function childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CPP_MIN_LOG_LEVEL: process.env['TF_CPP_MIN_LOG_LEVEL'] ?? '2',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    CUDA_VISIBLE_DEVICES: '',
    ...extra,
  };
}

function candidates(): string[] {
  const out: string[] = [];
  const fromEnv = process.env['TFPERSIST_PYTHON'];
  if (fromEnv) out.push(fromEnv);
  const venv =
    process.platform === 'win32'
      ? join(homedir(), '.venv-tf', 'Scripts', 'python.exe')
      : join(homedir(), '.venv-tf', 'bin', 'python');
  if (existsSync(venv)) out.push(venv);
  out.push(process.platform === 'win32' ? 'python' : 'python3');
  return [...new Set(out)];
}

/**
 * Python prelude giving snippets the fixture generator's helpers: `fx.tensor_json(value, dtype_name)` (the lossless
 * JSON of test/fixtures/README.md, with `hex`), `fx.lossless`, `fx.enc_bytes`, `fx.write_json`, ... Use as
 * `runPythonJson(PY_FX_PRELUDE + code)`; it imports TensorFlow as `tf` and numpy as `np`.
 */
export const PY_FX_PRELUDE =
  `import sys, json\nsys.path.insert(0, ${JSON.stringify(join(repoRoot, 'tools', 'fixtures'))})\n` +
  'import numpy as np\nimport tensorflow as tf\nimport fxcommon as fx\n';

let cached: { python: string | null } | undefined;

/**
 * The path (or command name) of a Python interpreter for which `import tensorflow` works, or null.
 * Probes synchronously (importing TensorFlow takes a few seconds) and caches the answer.
 */
export function findTensorFlowPython(): string | null {
  if (cached) return cached.python;
  let found: string | null = null;
  for (const python of candidates()) {
    const r = spawnSync(python, ['-c', 'import tensorflow'], {
      env: childEnv(),
      stdio: ['ignore', 'ignore', 'ignore'],
      timeout: 180_000,
      windowsHide: true,
    });
    if (!r.error && r.status === 0) {
      found = python;
      break;
    }
  }
  cached = { python: found };
  return found;
}

/** Forget the cached lookup (for tests of this module). */
export function resetTensorFlowPythonCache(): void {
  cached = undefined;
}

export interface RunPythonOptions {
  /** Kill the child after this many ms (default 180 000). */
  timeoutMs?: number;
  /** Working directory of the child (default: the current one). */
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  stdin?: string | Uint8Array;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

export interface PythonResult {
  stdout: string;
  stderr: string;
}

/** Thrown when the Python child exits non-zero, is killed, or cannot start. */
export class PythonError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'PythonError';
  }
}

function tail(s: string, n = 4000): string {
  return s.length > n ? '…' + s.slice(s.length - n) : s;
}

/**
 * Run `python -c <code> [args...]` (spawned directly, no shell) with the TensorFlow Python. `sys.argv[1:]` are
 * `args`. Resolves with the captured output; rejects with a `PythonError` (stderr tail in the message) on a
 * non-zero exit, a timeout, or when no TensorFlow Python exists.
 */
export function runPython(code: string, args: string[] = [], options: RunPythonOptions = {}): Promise<PythonResult> {
  const python = findTensorFlowPython();
  if (python === null) return Promise.reject(new PythonError(TF_MISSING_MESSAGE, '', '', null));
  const timeoutMs = options.timeoutMs ?? 180_000;
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', code, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new PythonError(`cannot run ${python}: ${e.message}`, '', '', null));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new PythonError(`python timed out after ${timeoutMs} ms\n${tail(stderr)}`, stdout, stderr, code));
      } else if (code !== 0) {
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        reject(new PythonError(`python ${why}\n${tail(stderr)}`, stdout, stderr, code));
      } else {
        resolve({ stdout, stderr });
      }
    });
    child.stdin.on('error', () => {
      /* the child may exit before reading stdin */
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/**
 * `runPython`, then parse the JSON document the snippet printed: the whole stdout, or else its last non-empty
 * line (so stray prints before it are tolerated). Print with `json.dumps(...)`; for lossless values use
 * the conventions of test/fixtures/README.md.
 */
export async function runPythonJson<T = unknown>(
  code: string,
  args: string[] = [],
  options: RunPythonOptions = {},
): Promise<T> {
  const { stdout, stderr } = await runPython(code, args, options);
  const text = stdout.trim();
  try {
    return JSON.parse(text) as T;
  } catch {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const last = lines[lines.length - 1];
    if (last !== undefined) {
      try {
        return JSON.parse(last) as T;
      } catch {
        /* fall through */
      }
    }
    throw new PythonError(`python did not print JSON; stdout:\n${tail(text)}\nstderr:\n${tail(stderr)}`, stdout, stderr, 0);
  }
}

/**
 * `describe(name, fn)` when real TensorFlow is available; otherwise a suite holding one skipped test whose
 * message says how to install TensorFlow (or, with TFPERSIST_REQUIRE_TF=1, one failing test).
 */
export function describeWithTF(name: string, fn: () => void | Promise<void>): void {
  if (findTensorFlowPython() !== null) {
    describe(name, fn);
    return;
  }
  const required = process.env['TFPERSIST_REQUIRE_TF'] === '1';
  describe(name, () => {
    if (required) {
      it('real TensorFlow is required (TFPERSIST_REQUIRE_TF=1)', () => {
        throw new Error(TF_MISSING_MESSAGE);
      });
    } else {
      it('needs real TensorFlow', { skip: TF_MISSING_MESSAGE }, () => {});
    }
  });
}
