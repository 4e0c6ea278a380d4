/**
 * Child process for the crash tests: writes a large checkpoint over `argv[2]` (a prefix) and prints
 * `progress <n>` after each tensor so the parent can SIGKILL it mid-write. Without arguments (e.g. when a
 * test runner picks this file up) it does nothing.
 */
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { writeCheckpoint } from '../../src/checkpoint/write-checkpoint.js';
import type { LazyTensor } from '../../src/checkpoint/safetensors.js';

const prefix = process.argv[2];
if (prefix !== undefined) {
  const n = Number(process.argv[3] ?? '40');
  const elems = 4 * 1024 * 1024; // 16 MB per tensor
  const tensors: LazyTensor[] = Array.from({ length: n }, (_, i) => ({
    name: `t${String(i).padStart(3, '0')}`,
    dtype: 'float32' as const,
    shape: [elems],
    value: () => ({ dtype: 'float32' as const, shape: [elems], data: new Float32Array(elems).fill(i + 0.5) }),
  }));
  await writeCheckpoint(prefix, tensors, {
    store: new NodeFileStore({ fsync: false }),
    numShards: Number(process.argv[4] ?? '1'),
    onProgress: (d) => process.stdout.write(`progress ${d}\n`),
  });
  process.stdout.write('done\n');
}
