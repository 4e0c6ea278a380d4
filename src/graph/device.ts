/**
 * Device strings as Python's `DeviceSpec` parses, merges and prints them:
 * `'/cpu:0'` -> `'/device:CPU:0'`, `'/job:ps/task:1'`, and merging of nested `graph.device()` scopes.
 */
import { InvalidArgumentError } from '../errors.js';

/** The parsed fields of a device string (`undefined` = unspecified). */
export interface DeviceSpec {
  job?: string;
  replica?: number;
  task?: number;
  deviceType?: string;
  deviceIndex?: number;
}

const SHORT_TYPES = new Set(['CPU', 'GPU', 'TPU', 'CUSTOM', 'EPU']);

/** `DeviceSpec.from_string`. Throws `InvalidArgumentError` with Python's text for unknown parts. */
export function parseDevice(spec: string): DeviceSpec {
  const out: DeviceSpec = {};
  for (const part of spec.split('/')) {
    const y = part.split(':');
    const ly = y.length;
    const y0 = y[0] ?? '';
    if (ly === 2 && y0 === 'job') out.job = y[1];
    else if (ly === 2 && y0 === 'replica') out.replica = Number(y[1]);
    else if (ly === 2 && y0 === 'task') out.task = Number(y[1]);
    else if ((ly === 1 || ly === 2) && SHORT_TYPES.has(y0.toUpperCase())) {
      if (out.deviceType !== undefined) throw new InvalidArgumentError(`Multiple device types are not allowed while parsing the device spec: '${spec}'.`);
      out.deviceType = y0.toUpperCase();
      if (ly === 2 && y[1] !== '*') out.deviceIndex = Number(y[1]);
    } else if (ly === 3 && y0 === 'device') {
      if (out.deviceType !== undefined) throw new InvalidArgumentError(`Multiple device types are not allowed while parsing the device spec: '${spec}'.`);
      out.deviceType = y[1];
      if (y[2] !== '*') out.deviceIndex = Number(y[2]);
    } else if (ly > 0 && y0 !== '') {
      throw new InvalidArgumentError(`Unknown attribute '${y0}' is encountered while parsing the device spec: '${spec}'.`);
    }
  }
  return out;
}

/** `DeviceSpec.to_string`: `/job:x/replica:0/task:0/device:CPU:0`. */
export function deviceToString(d: DeviceSpec): string {
  let s = '';
  if (d.job !== undefined) s += `/job:${d.job}`;
  if (d.replica !== undefined) s += `/replica:${d.replica}`;
  if (d.task !== undefined) s += `/task:${d.task}`;
  if (d.deviceType !== undefined) s += `/device:${d.deviceType}:${d.deviceIndex === undefined ? '*' : d.deviceIndex}`;
  return s;
}

/** `outer.make_merged_spec(inner)`: fields of `inner` win. */
export function mergeDevices(outer: DeviceSpec, inner: DeviceSpec): DeviceSpec {
  const out: DeviceSpec = { ...outer };
  if (inner.job !== undefined) out.job = inner.job;
  if (inner.replica !== undefined) out.replica = inner.replica;
  if (inner.task !== undefined) out.task = inner.task;
  if (inner.deviceType !== undefined) {
    out.deviceType = inner.deviceType;
    out.deviceIndex = inner.deviceIndex;
  } else if (inner.deviceIndex !== undefined) out.deviceIndex = inner.deviceIndex;
  return out;
}

/** Canonical form of a device string (`'/cpu:0'` -> `'/device:CPU:0'`; `''` stays `''`). */
export function canonicalDevice(spec: string): string {
  return spec === '' ? '' : deviceToString(parseDevice(spec));
}
