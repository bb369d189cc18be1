// Replacing a project's files so that an interruption at any moment leaves either the
// old project or the new one, whole. Every file of the run is first written into a
// staging folder inside the project; a journal listing them is then written (by rename,
// so it exists whole or not at all); then each file is moved into place, .yo-rc.json
// last. A failure before the journal removes the staging folder: nothing changed. A
// failure while moving (a file that cannot be replaced) puts back what was moved. A
// run killed while moving leaves the journal, and the next run finishes the moves
// before it reads anything. One run at a time writes a project: a lock file names it.
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { AnswerError } from './errors.js';

/** The staging folder inside the project, and the journal in it. */
export const STAGING = '.django-celery-staging';
const JOURNAL = 'journal.json';

/** The lock file of a run writing the project. */
export const LOCK = '.django-celery.lock';

/** One change of a run: a file to write (contents and mode), or one to delete. */
export interface Change {
  /** Path relative to the project, with `/`. */
  path: string;
  contents?: Buffer;
  mode?: number;
}

interface JournalEntry {
  path: string;
  /** Name of the staged file in the staging folder; absent for a deletion. */
  staged?: string;
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
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * A system error as one line: the path, what failed and why, and what to do. `state`
 * says what the project holds afterwards.
 */
export function systemError(error: unknown, action: string, path: string, state: string): Error {
  const code = codeOf(error);
  if (!code) return error instanceof Error ? error : new Error(String(error));
  const reason = REASONS[code] ?? (error instanceof Error ? error.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') : code);
  const advice = ADVICE[code] ?? 'fix the cause';
  return new AnswerError(`Could not ${action} ${path}: ${reason} (${code}). ${state} ${advice[0].toUpperCase()}${advice.slice(1)}, then run again.`);
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

/** The pid holding the project's lock, when a running process holds it. */
export function lockHolder(root: string): number | undefined {
  const file = join(root, LOCK);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

/** Refuses to go on while another run writes the project. */
export function assertUnlocked(root: string): void {
  const pid = lockHolder(root);
  if (pid !== undefined) {
    throw new AnswerError(
      `Another run of the generator (process ${pid}) is writing ${root}. Wait for it to end, then run again; if no such run exists, remove ${join(root, LOCK)}.`,
    );
  }
}

/** The locks this process holds, by project folder. */
const held = new Map<string, () => void>();

/**
 * Takes the project's lock for this process (a stale one, left by a killed run, is
 * taken over), unless it holds it already; returns the release of what it took.
 */
export function holdLock(root: string): () => void {
  if (held.has(root)) return () => undefined;
  const release = lock(root);
  const once = () => {
    if (held.get(root) === once) held.delete(root);
    release();
  };
  held.set(root, once);
  return once;
}

function lock(root: string): () => void {
  const file = join(root, LOCK);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      const release = () => rmSync(file, { force: true });
      process.once('exit', release);
      return () => {
        process.removeListener('exit', release);
        release();
      };
    } catch (error) {
      if (codeOf(error) !== 'EEXIST' || attempt > 0) throw systemError(error, 'create the lock file', file, 'Nothing was changed.');
      assertUnlocked(root);
      rmSync(file, { force: true });
    }
  }
}

/** The first part of `path` (relative to `root`) that is a symbolic link, if any. */
function symlinkOnPath(root: string, path: string): string | undefined {
  let current = root;
  for (const part of path.split('/')) {
    current = join(current, part);
    let stat;
    try {
      stat = lstatSync(current);
    } catch {
      return undefined;
    }
    if (stat.isSymbolicLink()) return relative(root, current).split(sep).join('/');
  }
  return undefined;
}

/** Moves one journal entry into place; what it replaced goes to `backup` (kept until the end). */
function apply(root: string, stage: string, entry: JournalEntry, backup: string | undefined): void {
  const target = join(root, entry.path);
  const link = symlinkOnPath(root, entry.path);
  if (link) throw new AnswerError(`${join(root, link)} is a symbolic link: the generator does not write through links. Replace it with a real file or folder, then run again.`);
  if (backup && existsSync(target)) renameSync(target, backup);
  else if (!entry.staged) rmSync(target, { recursive: true, force: true });
  if (entry.staged) {
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(stage, entry.staged), target);
  }
}

function readJournal(stage: string): JournalEntry[] | undefined {
  const file = join(stage, JOURNAL);
  if (!existsSync(file)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return Array.isArray(parsed) ? parsed.filter((entry): entry is JournalEntry => typeof entry?.path === 'string') : undefined;
}

/**
 * Finishes a write that a killed run left halfway (its journal is complete: every file
 * is staged), or drops one that it left before the journal (nothing was replaced).
 * Returns whether there was anything to recover.
 */
export function recoverInterruptedWrite(root: string): boolean {
  const stage = join(root, STAGING);
  if (!existsSync(stage)) return false;
  assertUnlocked(root);
  const journal = readJournal(stage);
  if (journal) {
    for (const entry of journal) {
      if (entry.staged ? existsSync(join(stage, entry.staged)) : existsSync(join(root, entry.path))) {
        apply(root, stage, entry, undefined);
      }
    }
  }
  rmSync(stage, { recursive: true, force: true });
  rmSync(join(root, LOCK), { force: true });
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
export function commitChanges(root: string, changes: readonly Change[], createdRoot = !existsSync(root)): void {
  try {
    mkdirSync(root, { recursive: true });
  } catch (error) {
    throw systemError(error, 'create the folder', root, 'Nothing was written.');
  }
  recoverInterruptedWrite(root);
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
        throw new AnswerError(
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
      writeFileSync(join(stage, `${JOURNAL}.new`), JSON.stringify(journal));
      renameSync(join(stage, `${JOURNAL}.new`), join(stage, JOURNAL));
    } catch (error) {
      dropStage();
      throw error instanceof AnswerError ? error : systemError(error, 'write into', root, 'Nothing was changed.');
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
          throw error instanceof AnswerError ? error : systemError(error, 'replace', join(root, entry.path), 'Nothing was changed.');
        }
        done.push({ entry, backup, created });
      });
    } catch (error) {
      for (const { entry, backup, created } of done.reverse()) {
        const target = join(root, entry.path);
        if (entry.staged) rmSync(target, { force: true });
        if (existsSync(backup)) renameSync(backup, target);
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
  for (let folder = dirname(join(root, path)); folder.startsWith(root) && folder !== root && !existsSync(folder); folder = dirname(folder)) {
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
