/**
 * GraphDef bytes and text: `readGraphDef` (binary first, then text, like TensorFlow's readers),
 * deterministic binary encoding (map entries sorted by key, as `tf.io.write_graph`), text format.
 * Writing to files (temp + rename) belongs to `io/node`; these are the pure encoders.
 */
import { GraphDefSchema, decodeProto, encodeProto, parseTextProto, printTextProto, type GraphDef } from '../proto/index.js';
import { InvalidArgumentError, isTFError } from '../errors.js';
import { utf8Decode } from '../util/bytes.js';

/** Decodes a binary GraphDef (`DataLossError` naming `source` when malformed). */
export function decodeGraphDef(bytes: Uint8Array, options: { source?: string } = {}): GraphDef {
  return decodeProto(GraphDefSchema, bytes, { source: options.source, what: 'GraphDef' });
}

/** Parses a text-format GraphDef (`.pbtxt`). */
export function parseGraphDefText(text: string, options: { source?: string } = {}): GraphDef {
  return parseTextProto(GraphDefSchema, text, { source: options.source });
}

/**
 * Reads a GraphDef from bytes or text: a string is parsed as text; bytes are tried as binary first,
 * then as UTF-8 text (what `meta_graph._read_file` / `read_graph` do). When both fail the error
 * names both attempts.
 */
export function readGraphDef(data: Uint8Array | string, options: { source?: string } = {}): GraphDef {
  if (typeof data === 'string') return parseGraphDefText(data, options);
  let binaryError: unknown;
  try {
    return decodeGraphDef(data, options);
  } catch (e) {
    if (!isTFError(e)) throw e;
    binaryError = e;
  }
  try {
    return parseGraphDefText(utf8Decode(data), options);
  } catch (e) {
    const b = binaryError instanceof Error ? binaryError.message : String(binaryError);
    const t = e instanceof Error ? e.message : String(e);
    throw new InvalidArgumentError(`Cannot parse GraphDef${options.source ? ` in ${options.source}` : ''} as binary (${b}) nor as text (${t})`, { file: options.source });
  }
}

/** Deterministic binary GraphDef, byte-identical to TF Python's `SerializeToString(deterministic=True)`. */
export function encodeGraphDef(graphDef: GraphDef): Uint8Array {
  return encodeProto(GraphDefSchema, graphDef);
}

/** Text-format GraphDef, as `tf.io.write_graph(..., as_text=True)` writes it (the codec's `python` style). */
export function graphDefToText(graphDef: GraphDef): string {
  return printTextProto(GraphDefSchema, graphDef, { style: 'python' });
}
