/** Node-only parts of the io layer: local files. */
export { openFile, type FileSource } from './file-source.js';
export { NodeFileStore, tempPathFor, type NodeFileStoreOptions } from './node-file-store.js';
export { fsError } from './fs-errors.js';
