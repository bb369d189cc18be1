// What the generator trusts on disk before it acts on it: its own journal, staging
// folder, lock and project folder, each only when the user running it owns it and
// nobody else can write it; and files it reads only when they are regular files of a
// bounded size (a pipe, a device or a huge file would hang or exhaust it).
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { dirname, posix } from 'node:path';
import { UserFacingError } from '../run/errors.js';

/** The staging folder inside the project, and the journal in it. */
export const STAGING = '.django-celery-staging';
export const JOURNAL = 'journal.json';

/** The lock file of a run writing the project. */
export const LOCK = '.django-celery.lock';

/** Who writes journals and locks: this package. */
export const WRITER = 'generator-django-celery';

/** One entry of the journal: a project file, and the staged file that replaces it (absent: the file is deleted). */
export interface JournalEntry {
  path: string;
  staged?: string;
}

/** What a run writes into its staging folder before it moves anything. */
export interface Journal {
  writer: typeof WRITER;
  /** The project's folder, absolute: a journal is only ever recovered there. */
  root: string;
  entries: JournalEntry[];
}

/** The names a staging folder may hold: the journal (and its draft), staged files, and what each move replaced. */
const STAGED_NAME = /^(0|[1-9][0-9]{0,5})$/;
const STAGING_NAME = /^(journal\.json(\.new)?|(old-)?(0|[1-9][0-9]{0,5}))$/;

/** Whether `name` is one a staging folder of this generator may hold. */
export function isStagingName(name: string): boolean {
  return STAGING_NAME.test(name);
}

/**
 * Why `path` is not a path the generator writes inside a project, or undefined when it
 * is one: a normalised relative path with `/`, no `.` or `..` part, no NUL, outside the
 * staging folder and not the lock.
 */
export function badEntryPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'a path is missing';
  if (path.length > 4096) return 'a path is too long';
  if (path.includes('\0')) return 'a path holds a NUL character';
  if (path.startsWith('/')) return `"${path}" is an absolute path`;
  if (path.includes('\\')) return `"${path}" holds a backslash`;
  const parts = path.split('/');
  if (parts.some(part => part === '..')) return `"${path}" leads out of the project (..)`;
  if (parts.some(part => part === '' || part === '.') || posix.normalize(path) !== path)
    return `"${path}" is not a normalised path`;
  if (parts[0] === STAGING) return `"${path}" is inside the staging folder`;
  if (path === LOCK) return `"${path}" is the lock`;
  return undefined;
}

/** The journal `parsed` (JSON.parse of the file) as written for `root`, or why it is not one. */
export function readJournalText(parsed: unknown, root: string): Journal | string {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'the journal is not an object this generator writes';
  const journal = parsed as Record<string, unknown>;
  if (journal.writer !== WRITER) return 'the journal was not written by this generator';
  if (journal.root !== root)
    return `the journal was written for another folder (${typeof journal.root === 'string' ? journal.root : 'none'})`;
  if (!Array.isArray(journal.entries) || journal.entries.length > 100_000) return 'the journal lists no entries';
  const paths = new Set<string>();
  const staged = new Set<string>();
  const entries: JournalEntry[] = [];
  for (const entry of journal.entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'an entry is not an object';
    const keys = Object.keys(entry);
    if (keys.some(key => key !== 'path' && key !== 'staged')) return 'an entry holds an unknown field';
    const { path, staged: name } = entry as Record<string, unknown>;
    const bad = badEntryPath(path);
    if (bad) return bad;
    if (paths.has(path as string)) return `"${String(path)}" is listed twice`;
    paths.add(path as string);
    if (name !== undefined) {
      if (typeof name !== 'string' || !STAGED_NAME.test(name))
        return `the staged name of "${String(path)}" is not one this generator gives`;
      if (staged.has(name)) return `the staged file ${name} is listed twice`;
      staged.add(name);
      entries.push({ path: path as string, staged: name });
    } else {
      entries.push({ path: path as string });
    }
  }
  return { writer: WRITER, root, entries };
}

/** The user running the generator. */
const currentUser = (): number | undefined => process.getuid?.();

/**
 * Why the file or folder `stat` describes is not the running user's own, or undefined:
 * a link, the wrong kind, another owner, or writable by others (`group` too when set).
 */
export function notOwn(stat: Stats, kind: 'file' | 'folder', group: boolean): string | undefined {
  if (stat.isSymbolicLink()) return 'it is a symbolic link';
  if (kind === 'folder' && !stat.isDirectory()) return 'it is not a folder';
  if (kind === 'file' && !stat.isFile()) return 'it is not a regular file';
  const user = currentUser();
  if (user !== undefined && stat.uid !== user)
    return `it belongs to user ${stat.uid}, not to the user running the generator (${user})`;
  if (stat.mode & 0o002) return 'others can write it';
  if (group && stat.mode & 0o020) return 'its group can write it';
  return undefined;
}

/** lstat, or undefined when nothing is there. */
export function lstatOrNone(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw error;
  }
}

/** What a non-regular file is, for a message. */
export function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The largest file the generator reads. */
const READ_LIMIT = 1024 * 1024;

/**
 * The text of the regular file `path`, or undefined when it is absent. Anything else (a
 * folder, a pipe, a device, a link, a file over `limit` bytes) stops the run with one
 * line naming it, what it is and what to do.
 */
export function readRegularFile(path: string, limit = READ_LIMIT): string | undefined {
  return readRegular(path, limit)?.toString('utf8');
}

/** Like readRegularFile, as bytes. */
export function readRegular(path: string, limit = READ_LIMIT): Buffer | undefined {
  const refuse = (what: string) =>
    new UserFacingError(
      `${path} is ${what}, where the generator reads and writes a file: move it away, then run again.`,
    );
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      let file = dirname(path);
      // The nearest part that exists is the file in the way.
      while (!lstatOrNone(file) && dirname(file) !== file) file = dirname(file);
      throw new UserFacingError(
        `${file} is a file, where the generator needs a folder (for ${path}): move it away, then run again.`,
      );
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stat.isFile()) throw refuse(kindOf(stat));
  if (stat.size > limit) throw refuse(`larger than ${limit / 1024} KiB`);
  // O_NONBLOCK: a pipe put there since the check cannot block the open.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw refuse(kindOf(opened));
    if (opened.size > limit) throw refuse(`larger than ${limit / 1024} KiB`);
    const buffer = Buffer.alloc(opened.size);
    let read = 0;
    while (read < buffer.length) {
      const count = readSync(fd, buffer, read, buffer.length - read, read);
      if (count === 0) break;
      read += count;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
