// Replacing a project's files so that an interruption at any moment leaves either the
// old project or the new one, whole. Every file of the run is first written into a
// staging folder inside the project; a journal listing them is then written (by rename,
// so it exists whole or not at all); then each file is renamed over the one it
// replaces, .yo-rc.json last, so that no file is ever missing (.yo-rc.json least of
// all: by it the next run knows the project, and finishes the write). A failure before
// the journal removes the staging folder: nothing changed. A failure while moving (a
// file that cannot be replaced) puts back what was moved. A run killed while moving
// leaves the journal, and the next run finishes the moves before it reads anything.
// One run at a time writes a project: a lock file names it.
import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { UserFacingError } from '../run/errors.js';
import {
  isStagingName,
  JOURNAL,
  kindOf,
  LOCK,
  lstatOrNone,
  notOwn,
  readJournalText,
  readRegularFile,
  STAGING,
  WRITER,
  type Journal,
  type JournalEntry,
} from './trust.js';

export { LOCK, STAGING } from './trust.js';

/** One change of a run: a file to write (contents and mode), or one to delete. */
export interface Change {
  /** Path relative to the project, with `/`. */
  path: string;
  contents?: Buffer;
  mode?: number;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

const ADVICE: Record<string, string> = {
  EACCES: 'give your user write access to it (or run as its owner)',
  EPERM: 'make it writable (check its permissions and `lsattr` for the immutable flag)',
  ENOSPC: 'free some space',
  EDQUOT: 'free some space',
  EROFS: 'run in a folder on a writable file system',
  ENOTDIR: 'move the file that stands in the way',
  EISDIR: 'move that folder away',
};

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * A system error as one line: the path, what failed and why, and what to do. `state`
 * says what the project holds afterwards.
 */
export function systemError(error: unknown, action: string, path: string, state: string): Error {
  const code = codeOf(error);
  if (!code) return error instanceof Error ? error : new Error(String(error));
  const reason =
    REASONS[code] ??
    (error instanceof Error ? error.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') : code);
  const advice = ADVICE[code] ?? 'fix the cause';
  return new UserFacingError(
    `Could not ${action} ${path}: ${reason} (${code}). ${state} ${advice[0].toUpperCase()}${advice.slice(1)}, then run again.`,
  );
}

/** The start time of the process `pid` (in clock ticks since boot, from /proc), or undefined when it does not run. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: the fields after it are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** What a lock file names: the process holding it, and when that process started. */
interface LockOwner {
  pid: number;
  start: string;
}

const quoted = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

/**
 * The lock of `root` as read once: its text, and the running process holding it. A lock
 * names the process and its start time: a process that runs under the same pid but
 * started at another time does not hold it (the lock is stale). A lock this generator
 * did not write (not a regular file, another user's, not of its form) stops the run,
 * saying so.
 */
function readLock(root: string): { text?: string; holder?: number } {
  const file = join(root, LOCK);
  const stat = lstatOrNone(file);
  if (!stat) return {};
  const refuse = (why: string) =>
    new UserFacingError(
      `${file} is not a lock this generator wrote (${why}), so the generator cannot tell whether a run holds the project. If no run of the generator is going on in ${root}, remove it (rm ${quoted(file)}), then run again.`,
    );
  const foreign = notOwn(stat, 'file', false);
  if (foreign) throw refuse(foreign);
  let owner: Partial<LockOwner>;
  const text = readRegularFile(file, 4096) ?? '';
  // An older version wrote the process number alone: whether that process still is the run cannot be told.
  if (/^[1-9][0-9]*\n?$/.test(text)) {
    throw new UserFacingError(
      `${file} is a lock in the form an older version of this generator wrote (a process number alone), which cannot tell whether that process still is the run that took it. If no run of the generator is going on in ${root}, remove it (rm ${quoted(file)}), then run again.`,
    );
  }
  try {
    owner = JSON.parse(text);
  } catch (error) {
    throw error instanceof UserFacingError ? error : refuse('it does not hold a process and its start time');
  }
  if (
    typeof owner !== 'object' ||
    owner === null ||
    !Number.isInteger(owner.pid) ||
    (owner.pid ?? 0) <= 0 ||
    typeof owner.start !== 'string'
  ) {
    throw refuse('it does not hold a process and its start time');
  }
  const pid = owner.pid as number;
  if (pid === process.pid && owner.start === (processStart(pid) ?? '')) return { text };
  // Without /proc (not Linux), no start time is known: a running process of that pid holds it.
  const live =
    owner.start === '' && processStart(process.pid) === undefined ? alive(pid) : processStart(pid) === owner.start;
  return { text, holder: live ? pid : undefined };
}

/** Whether the process `pid` runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === 'EPERM';
  }
}

/** Refuses to go on while another run writes the project. */
export function assertUnlocked(root: string): void {
  unlockedText(root);
}

/** Like assertUnlocked; the text of the stale lock it judged, if there is one. */
function unlockedText(root: string): string | undefined {
  const { text, holder: pid } = readLock(root);
  if (pid !== undefined) {
    throw new UserFacingError(
      `Another run of the generator (process ${pid}) holds ${root}. Wait for it to end, then run again; if no such run exists, remove ${join(root, LOCK)}.`,
    );
  }
  return text;
}

/**
 * Takes the project's lock (a stale one, left by a killed run, is taken over); returns
 * its release. A run takes it once (lib/run/state: root): a second run, even in this
 * process, is refused while the first holds it.
 */
export function holdLock(root: string): () => void {
  let release: (() => void) | undefined = lock(root);
  return () => {
    release?.();
    release = undefined;
  };
}

function lock(root: string): () => void {
  const file = join(root, LOCK);
  const text = `${JSON.stringify({ pid: process.pid, start: processStart(process.pid) ?? '' })}\n`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, text);
      closeSync(fd);
      const release = () => {
        // Only a lock that is still this run's: never one another run took over meanwhile.
        if (readFileOrNone(file) === text) rmSync(file, { force: true });
      };
      process.once('exit', release);
      return () => {
        process.removeListener('exit', release);
        release();
      };
    } catch (error) {
      if (codeOf(error) !== 'EEXIST' || attempt > 2)
        throw error instanceof UserFacingError
          ? error
          : systemError(error, 'create the lock file', file, 'Nothing was changed.');
      takeOverStale(file, unlockedText(root));
    }
  }
}

function readFileOrNone(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Removes the stale lock `file`, by one run only: it is first renamed to a name of this
 * process (of two runs, one renames it, the other finds nothing), then checked to be
 * the very lock judged stale (`stale`, its text); a lock another run took meanwhile,
 * moved by mistake, is put back.
 */
export function takeOverStale(file: string, stale: string | undefined): void {
  if (stale === undefined) return;
  const mine = `${file}.${process.pid}`;
  try {
    renameSync(file, mine);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return;
    throw error;
  }
  if (readFileOrNone(mine) !== stale) {
    try {
      linkSync(mine, file);
    } catch {
      // Another run took the project meanwhile: its lock stands.
    }
  }
  rmSync(mine, { force: true });
}

/** The first part of `path` (relative to `root`) that is a symbolic link, if any. */
function symlinkOnPath(root: string, path: string): string | undefined {
  let current = root;
  for (const part of path.split('/')) {
    current = join(current, part);
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(current);
    } catch {
      return undefined;
    }
    if (stat.isSymbolicLink()) return relative(root, current).split(sep).join('/');
  }
  return undefined;
}

/**
 * Moves one journal entry into place; what it replaced is kept as `backup` (until the
 * end). A staged file is renamed over the old one, which `backup` keeps by a second
 * name (a copy where the file cannot be linked): the path is never without a file.
 */
function apply(root: string, stage: string, entry: JournalEntry, backup: string | undefined): void {
  const target = join(root, entry.path);
  const link = symlinkOnPath(root, entry.path);
  if (link)
    throw new UserFacingError(
      `${join(root, link)} is a symbolic link: the generator does not write through links. Replace it with a real file or folder, then run again.`,
    );
  if (!entry.staged) {
    if (backup && existsSync(target)) renameSync(target, backup);
    else rmSync(target, { force: true });
    return;
  }
  if (backup && existsSync(target)) {
    try {
      linkSync(target, backup);
    } catch {
      copyFileSync(target, backup);
    }
  }
  mkdirSync(dirname(target), { recursive: true });
  renameSync(join(stage, entry.staged), target);
}

/** Stops the run: the staging folder is not one this generator left for this project. Nothing in it is used or removed. */
function untrustedStage(stage: string, why: string): UserFacingError {
  return new UserFacingError(
    `${stage} was not left by a run of this generator on this project (${why}): nothing in it was used or removed. Look at what it holds; if you did not expect it, remove it (rm -r ${quoted(stage)}), then run again.`,
  );
}

/**
 * Why the project's own folder `root` cannot hold a staging folder, lock or answers the
 * generator acts on: it is a link, not the running user's, or others can write it.
 */
export function notOwnProject(root: string): string | undefined {
  const stat = lstatOrNone(root);
  return stat ? notOwn(stat, 'folder', false) : undefined;
}

/** What an interrupted run left in a staging folder, checked to be this generator's for `root`. */
interface Leftover {
  names: string[];
  journal?: Journal;
}

/** Reads and checks the staging folder `stage` of `root` (see recoverInterruptedWrite); throws when it fails a check. */
function checkStage(root: string, stage: string, stat: Stats): Leftover {
  const folder = notOwnProject(root);
  if (folder) throw untrustedStage(stage, `the project's folder ${root}: ${folder}`);
  const own = notOwn(stat, 'folder', true);
  if (own) throw untrustedStage(stage, own);
  const names = readdirSync(stage);
  for (const name of names) {
    if (!isStagingName(name)) throw untrustedStage(stage, `it holds ${name}, which this generator never stages`);
    const problem = notOwn(lstatSync(join(stage, name)), 'file', true);
    if (problem) throw untrustedStage(stage, `${name}: ${problem}`);
  }
  if (!names.includes(JOURNAL)) return { names };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readRegularFile(join(stage, JOURNAL)) ?? '');
  } catch (error) {
    throw error instanceof UserFacingError ? error : untrustedStage(stage, `${JOURNAL} is not valid JSON`);
  }
  // An older version wrote a bare list of entries, naming no project: nothing tells it was written for this one.
  if (Array.isArray(parsed)) {
    throw new UserFacingError(
      `${stage} holds a journal in the form an older version of this generator wrote (a bare list of files, naming no project), which this version does not act on: nothing in it was used or removed. Look at what it holds; if you did not expect it, remove it (rm -r ${quoted(stage)}), then run again: the run writes the project anew.`,
    );
  }
  const journal = readJournalText(parsed, root);
  if (typeof journal === 'string') throw untrustedStage(stage, journal);
  for (const entry of journal.entries) {
    const link = symlinkOnPath(root, entry.path);
    if (link) throw untrustedStage(stage, `${entry.path} leads through the symbolic link ${link}`);
    const target = lstatOrNone(join(root, entry.path));
    if (target && !target.isFile()) throw untrustedStage(stage, `${entry.path} is ${kindOf(target)}, not a file`);
    if (entry.staged && names.includes(entry.staged)) {
      for (let folder = dirname(entry.path); folder !== '.'; folder = dirname(folder)) {
        const above = lstatOrNone(join(root, folder));
        if (above && !above.isDirectory())
          throw untrustedStage(stage, `${folder} is ${kindOf(above)}, where ${entry.path} needs a folder`);
      }
    }
  }
  return { names, journal };
}

/**
 * Finishes a write that a killed run left halfway in `root` (its journal is complete:
 * every file is staged), or drops one that it left before the journal (nothing was
 * replaced); says which in one line through `say`. Only a staging folder and journal
 * that this generator wrote for `root`, owned by the running user and writable by
 * nobody else, in a folder of the user's own, are acted on; one that fails any check
 * stops the run before anything is touched. Removes only the files the staging folder
 * holds, never a folder's contents. Returns whether there was anything to recover.
 */
export function recoverInterruptedWrite(root: string, say: (line: string) => void): boolean {
  const stage = join(root, STAGING);
  const stat = lstatOrNone(stage);
  if (!stat) return false;
  const { names, journal } = checkStage(root, stage, stat);
  const release = holdLock(root);
  try {
    let moved = 0;
    for (const entry of journal?.entries ?? []) {
      const target = join(root, entry.path);
      if (entry.staged && names.includes(entry.staged)) {
        mkdirSync(dirname(target), { recursive: true });
        renameSync(join(stage, entry.staged), target);
        moved += 1;
      } else if (!entry.staged && lstatOrNone(target)?.isFile()) {
        unlinkSync(target);
        moved += 1;
      }
    }
    for (const name of names) rmSync(join(stage, name), { force: true });
    rmdirSync(stage);
    say(
      journal
        ? `Finished the write an interrupted run of the generator left in ${root} (${moved} file${moved === 1 ? '' : 's'} put in place).`
        : `Removed the staging folder an interrupted run of the generator left in ${root} before it changed anything.`,
    );
  } finally {
    release();
  }
  return true;
}

/** Whether `folder` holds nothing but what an interrupted first run of the generator left. */
export function onlyLeftovers(folder: string): boolean {
  return readdirSync(folder).every(name => name === STAGING || name === LOCK);
}

/**
 * Writes `changes` into `root` as the header says; `.yo-rc.json` goes last whatever
 * its place in `changes`. Creates `root` when missing (and removes it again when the
 * write fails before anything is in place).
 */
export function commitChanges(
  root: string,
  changes: readonly Change[],
  say: (line: string) => void,
  createdRoot = !existsSync(root),
): void {
  if (lstatOrNone(root)?.isSymbolicLink()) {
    throw new UserFacingError(
      `${root} is a symbolic link: the generator does not write through links, so nothing was written. Replace it with a real folder, then run again.`,
    );
  }
  try {
    mkdirSync(root, { recursive: true });
  } catch (error) {
    throw systemError(error, 'create the folder', root, 'Nothing was written.');
  }
  const foreign = notOwnProject(root);
  if (foreign)
    throw new UserFacingError(
      `${root} cannot hold a project of yours: ${foreign}. Nothing was written. Run the generator in a folder of your own.`,
    );
  recoverInterruptedWrite(root, say);
  const release = holdLock(root);
  const stage = join(root, STAGING);
  const ordered = [...changes].sort((a, b) => Number(a.path === '.yo-rc.json') - Number(b.path === '.yo-rc.json'));
  const dropStage = () => {
    rmSync(stage, { recursive: true, force: true });
    if (createdRoot && onlyLeftovers(root)) {
      release();
      rmSync(root, { recursive: true, force: true });
    }
  };
  try {
    for (const change of ordered) {
      const link = symlinkOnPath(root, change.path);
      if (link) {
        throw new UserFacingError(
          `${join(root, link)} is a symbolic link: the generator does not write through links, so nothing was written. Replace it with a real file or folder, then run again.`,
        );
      }
    }
    // 1. Stage every file.
    const journal: JournalEntry[] = [];
    try {
      mkdirSync(stage, { mode: 0o700 });
      ordered.forEach((change, index) => {
        if (!change.contents) {
          journal.push({ path: change.path });
          return;
        }
        const staged = String(index);
        const target = join(root, change.path);
        // A file keeps the mode it has unless the generator sets one.
        const mode = change.mode ?? (existsSync(target) ? statSync(target).mode & 0o7777 : 0o644);
        writeFileSync(join(stage, staged), change.contents, { mode, flag: 'wx' });
        journal.push({ path: change.path, staged });
      });
      const written: Journal = { writer: WRITER, root, entries: journal };
      writeFileSync(join(stage, `${JOURNAL}.new`), JSON.stringify(written), { mode: 0o600 });
      renameSync(join(stage, `${JOURNAL}.new`), join(stage, JOURNAL));
    } catch (error) {
      dropStage();
      throw error instanceof UserFacingError ? error : systemError(error, 'write into', root, 'Nothing was changed.');
    }
    // 2. Move them into place, keeping what each replaces until all are in place.
    const done: { entry: JournalEntry; backup: string; created: string[] }[] = [];
    const deferred = deferSignals();
    try {
      journal.forEach((entry, index) => {
        const backup = join(stage, `old-${index}`);
        const created = missingFolders(root, entry.path);
        try {
          apply(root, stage, entry, backup);
        } catch (error) {
          throw error instanceof UserFacingError
            ? error
            : systemError(error, 'replace', join(root, entry.path), 'Nothing was changed.');
        }
        done.push({ entry, backup, created });
      });
    } catch (error) {
      for (const { entry, backup, created } of done.reverse()) {
        const target = join(root, entry.path);
        if (existsSync(backup)) renameSync(backup, target);
        else if (entry.staged) rmSync(target, { force: true });
        for (const folder of created.reverse()) rmdirSafe(folder);
      }
      dropStage();
      throw error;
    } finally {
      deferred.restore();
    }
    rmSync(stage, { recursive: true, force: true });
  } finally {
    release();
  }
}

/** The folders that moving `path` into place would create, deepest last. */
function missingFolders(root: string, path: string): string[] {
  const folders: string[] = [];
  for (
    let folder = dirname(join(root, path));
    folder.startsWith(root) && folder !== root && !existsSync(folder);
    folder = dirname(folder)
  ) {
    folders.unshift(folder);
  }
  return folders;
}

function rmdirSafe(folder: string): void {
  try {
    rmdirSync(folder);
  } catch {
    // Not empty: something else lives there.
  }
}

/**
 * Holds SIGINT and SIGTERM while files move into place (a few milliseconds), so that
 * Ctrl-C does not cut the moves short; the signal takes effect right after.
 */
function deferSignals(): { restore: () => void } {
  const received: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals) => received.push(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, hold);
  return {
    restore: () => {
      for (const signal of signals) process.removeListener(signal, hold);
      const [first] = received;
      if (first) process.kill(process.pid, first);
    },
  };
}
