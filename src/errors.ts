/**
 * Errors, one class per TensorFlow status code (`tensorflow/core/protobuf/error_codes.proto`).
 *
 * Every error thrown by tfpersist for a TensorFlow-level condition is a {@link TFError}. Use
 * {@link isTFError} to test for one: it checks the `code` / `name` fields, not `instanceof`, so it
 * still works when two copies of the package are loaded.
 *
 * Messages name what is involved: the file (or source name), the byte offset, and both the expected
 * and the actual values where there are two.
 */

/** TensorFlow's canonical status codes, with TF's numeric values. */
export const Code = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The name of a status code, e.g. `'NOT_FOUND'`. */
export type CodeName = keyof typeof Code;

/** Extra, machine-readable context attached to an error. */
export interface ErrorContext {
  /** The file, URL or source name the error is about. */
  file?: string;
  /** Byte offset in that file, when it applies. */
  offset?: number;
  /** The underlying error, if this one wraps another. */
  cause?: unknown;
}

/** Base class of every TensorFlow-status error raised by tfpersist. */
export class TFError extends Error {
  /** TensorFlow's status code name, e.g. `'DATA_LOSS'`. */
  readonly code: CodeName;
  /** The file, URL or source name involved, if any. */
  readonly file: string | undefined;
  /** The byte offset involved, if any. */
  readonly offset: number | undefined;

  constructor(code: CodeName, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.file = context.file;
    this.offset = context.offset;
    this.name = ERROR_NAMES[code];
  }

  /** TensorFlow's numeric status code (e.g. 15 for DATA_LOSS). */
  get codeNumber(): number {
    return Code[this.code];
  }
}

const ERROR_NAMES: Record<CodeName, string> = {
  CANCELLED: 'CancelledError',
  UNKNOWN: 'UnknownError',
  INVALID_ARGUMENT: 'InvalidArgumentError',
  DEADLINE_EXCEEDED: 'DeadlineExceededError',
  NOT_FOUND: 'NotFoundError',
  ALREADY_EXISTS: 'AlreadyExistsError',
  PERMISSION_DENIED: 'PermissionDeniedError',
  RESOURCE_EXHAUSTED: 'ResourceExhaustedError',
  FAILED_PRECONDITION: 'FailedPreconditionError',
  ABORTED: 'AbortedError',
  OUT_OF_RANGE: 'OutOfRangeError',
  UNIMPLEMENTED: 'UnimplementedError',
  INTERNAL: 'InternalError',
  UNAVAILABLE: 'UnavailableError',
  DATA_LOSS: 'DataLossError',
  UNAUTHENTICATED: 'UnauthenticatedError',
};

/** The operation was cancelled. */
export class CancelledError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('CANCELLED', message, context); }
}
/** An error with no better category. */
export class UnknownError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('UNKNOWN', message, context); }
}
/** The caller passed something invalid (a bad shape, dtype, name, option...). */
export class InvalidArgumentError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('INVALID_ARGUMENT', message, context); }
}
/** A deadline passed before the operation finished. */
export class DeadlineExceededError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('DEADLINE_EXCEEDED', message, context); }
}
/** A file, tensor, key or node was not found. */
export class NotFoundError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('NOT_FOUND', message, context); }
}
/** Something that should be new already exists. */
export class AlreadyExistsError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('ALREADY_EXISTS', message, context); }
}
/** The caller may not do this. */
export class PermissionDeniedError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('PERMISSION_DENIED', message, context); }
}
/** A limit (memory, size, count) would be exceeded. */
export class ResourceExhaustedError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('RESOURCE_EXHAUSTED', message, context); }
}
/** The system is not in a state where this can run (e.g. an uninitialized variable). */
export class FailedPreconditionError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('FAILED_PRECONDITION', message, context); }
}
/** The operation was aborted. */
export class AbortedError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('ABORTED', message, context); }
}
/** A read or index went past the end of a valid range. */
export class OutOfRangeError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('OUT_OF_RANGE', message, context); }
}
/** Not implemented (by tfpersist, or for this dtype / option). */
export class UnimplementedError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('UNIMPLEMENTED', message, context); }
}
/** An invariant of tfpersist itself was broken: a bug, please report it. */
export class InternalError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('INTERNAL', message, context); }
}
/** A service (e.g. an HTTP server) is unavailable; retrying may help. */
export class UnavailableError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('UNAVAILABLE', message, context); }
}
/** Stored data is truncated or corrupt (bad checksum, bad magic, lying size...). */
export class DataLossError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('DATA_LOSS', message, context); }
}
/** The caller is not authenticated. */
export class UnauthenticatedError extends TFError {
  constructor(message: string, context?: ErrorContext) { super('UNAUTHENTICATED', message, context); }
}

const CODE_NAMES = new Set<string>(Object.keys(Code));

/**
 * True when `e` is a tfpersist error (optionally: with the given status code).
 *
 * Checks the `code` and `name` fields rather than `instanceof`, so errors thrown by another copy of
 * the package are recognised too.
 *
 * @example
 * try { await reader.getTensor('w') } catch (e) { if (isTFError(e, 'NOT_FOUND')) ... }
 */
export function isTFError(e: unknown, code?: CodeName): e is TFError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  const n = (e as { name?: unknown }).name;
  if (typeof c !== 'string' || !CODE_NAMES.has(c)) return false;
  if (n !== ERROR_NAMES[c as CodeName]) return false;
  return code === undefined || c === code;
}

/** Formats a source name for messages: `'in <name>'` or the empty string. */
export function where(file: string | undefined, offset?: number): string {
  if (file === undefined) return offset === undefined ? '' : ` at offset ${offset}`;
  return offset === undefined ? ` in ${file}` : ` in ${file} at offset ${offset}`;
}
