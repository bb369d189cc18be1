// Loaded into a run of the generator (`node --import`) by the e2e tests that watch or pin
// a moment of its write. It wraps node:fs's functions, as the generator imports them:
// - INTERCEPT_LOG=FILE: one JSON line per file created in a staging folder, with the mode
//   and owner it has as the creating call returns (before any later chmod could change
//   them), and one per staged file moved into place.
// - INTERCEPT_HOLD=takeover|journal|answers with INTERCEPT_DIR=FOLDER: just before renaming
//   a stale lock to take it over (takeover), the journal into place (journal), or the
//   staged .yo-rc.json into place (answers, the last move of a write), the run writes
//   FOLDER/PID.held and waits until FOLDER/PID.go exists (a file or a folder).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename, dirname } from 'node:path';

const { openSync, writeFileSync, renameSync, appendFileSync, existsSync, statSync } = fs;
const log = process.env.INTERCEPT_LOG;
const hold = process.env.INTERCEPT_HOLD;
const folder = process.env.INTERCEPT_DIR;

const staged = path => typeof path === 'string' && basename(dirname(path)) === '.django-celery-staging';
const note = entry => log && appendFileSync(log, `${JSON.stringify(entry)}\n`);

/** Notes the mode and owner of `path` if the call just made created it in a staging folder. */
function created(path, existed) {
  if (!staged(path) || existed) return;
  const stat = statSync(path);
  note({ event: 'create', path, mode: stat.mode & 0o7777, uid: stat.uid });
}

/** Waits, as the header says, when the rename from `from` to `to` is the one to hold. */
function holdAt(from, to) {
  const lock = from.endsWith('/.django-celery.lock') && to.startsWith(`${from}.`);
  const answers = staged(from) && to.endsWith('/.yo-rc.json');
  const moment =
    (hold === 'takeover' && lock) ||
    (hold === 'journal' && from.endsWith('/journal.json.new')) ||
    (hold === 'answers' && answers);
  if (!folder || !moment) return;
  writeFileSync(`${folder}/${process.pid}.held`, '');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; !existsSync(`${folder}/${process.pid}.go`) && waited < 120_000; waited += 20)
    Atomics.wait(pause, 0, 0, 20);
}

fs.openSync = (path, ...rest) => {
  const existed = staged(path) && existsSync(path);
  const fd = openSync(path, ...rest);
  created(path, existed);
  return fd;
};
fs.writeFileSync = (path, ...rest) => {
  const existed = staged(path) && existsSync(path);
  writeFileSync(path, ...rest);
  created(path, existed);
};
fs.renameSync = (from, to) => {
  holdAt(String(from), String(to));
  renameSync(from, to);
  if (staged(from)) note({ event: 'move', from, to });
};
syncBuiltinESMExports();
