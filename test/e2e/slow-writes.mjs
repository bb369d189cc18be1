// Loaded (`node --import`) into a run under test: every file write waits a little, and
// the first one says "[writing]" on standard error, so a test can interrupt the run
// while it writes.
import fs from 'node:fs/promises';

const write = fs.writeFile;
let first = true;
fs.writeFile = async (...args) => {
  if (first) {
    first = false;
    process.stderr.write('[writing]\n');
  }
  await new Promise(resolve => setTimeout(resolve, 100));
  return write(...args);
};
