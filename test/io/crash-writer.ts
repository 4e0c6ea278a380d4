/**
 * Child process for crash-safety.test.ts: overwrites a file through NodeFileStore.create() and keeps
 * writing until killed, reporting progress over IPC. Does nothing unless started by that test (the
 * test runner also executes every .js file under dist/test/).
 */
import { NodeFileStore } from '../../src/io/node/node-file-store.js';

async function main(target: string): Promise<void> {
  const store = new NodeFileStore();
  const sink = await store.create(target);
  const chunk = new Uint8Array(64 * 1024).fill(0x4e); // 'N': new content
  for (let i = 0; ; i++) {
    await sink.write(chunk);
    process.send?.({ written: sink.bytesWritten, chunks: i + 1 });
    if (i > 100_000) break; // never reached: the parent kills us
  }
  await sink.close();
}

if (process.env['TFPERSIST_CRASH_WRITER'] === '1' && process.argv[2]) {
  main(process.argv[2]).catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
