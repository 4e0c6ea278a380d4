/**
 * Maps Node `fs` errors to TensorFlow status errors (as TF's `IOError()` does for POSIX errno).
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  TFError,
  UnknownError,
  isTFError,
} from '../../errors.js';

/**
 * Converts an exception from `node:fs` into a {@link TFError} naming `op` and `path`:
 * ENOENT -> NotFound, EACCES/EPERM/EROFS -> PermissionDenied, EEXIST -> AlreadyExists,
 * ENOSPC/EDQUOT/EMFILE/ENFILE -> ResourceExhausted, EISDIR/ENOTDIR/ENOTEMPTY/EBUSY -> FailedPrecondition,
 * anything else -> Unknown. A TFError is returned unchanged.
 */
export function fsError(e: unknown, op: string, path: string): TFError {
  if (isTFError(e)) return e;
  const code = (e as { code?: unknown })?.code;
  const msg = `${op} ${path}: ${(e as Error)?.message ?? String(e)}`;
  const ctx = { file: path, cause: e };
  switch (code) {
    case 'ENOENT':
      return new NotFoundError(msg, ctx);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new PermissionDeniedError(msg, ctx);
    case 'EEXIST':
      return new AlreadyExistsError(msg, ctx);
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EMFILE':
    case 'ENFILE':
      return new ResourceExhaustedError(msg, ctx);
    case 'EISDIR':
    case 'ENOTDIR':
    case 'ENOTEMPTY':
    case 'EBUSY':
      return new FailedPreconditionError(msg, ctx);
    default:
      return new UnknownError(msg, ctx);
  }
}
