// How a run's files reach the disk: one pipeline, run once for the whole run by the
// generator the user started. It tells files the user edited from those the generator
// wrote and nobody touched since (by the digests of what it wrote, recorded in
// .yo-rc.json), lets Yeoman's conflicter ask about the edited ones only, and hands
// every file, .yo-rc.json with the digests last, to lib/files/commit, which replaces them
// all or none.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Conflicter, ConflicterOptions } from '@yeoman/conflicter';
import type { MemFsEditorFile } from 'mem-fs-editor';
import {
  clearFileState,
  isFileNew,
  isFilePending,
  isFileStateDeleted,
  setModifiedFileState,
} from 'mem-fs-editor/state';
import type Generator from 'yeoman-generator';
import { commitChanges, type Change } from './commit.js';
import { UserFacingError } from '../run/errors.js';
import { noTerminal } from '../answers/resolve.js';
import { readRegular } from './trust.js';
import { CONFIG_FILE, parseConfig, readConfig, recordedDigests, withDigests } from '../run/yo-rc.js';

type File = MemFsEditorFile & { conflicter?: string };

/** The line shown instead of a secret file's content. */
const withheld = (path: string) =>
  `${path} holds secrets: the generator does not show its content, in a diff or an editor.`;

/**
 * Yeoman's conflicter, which never shows a secret file's content: its diff (the
 * question's `d`, or --bail) and its editor (`e`) print one line instead.
 */
async function secretKeepingConflicter(
  adapter: Generator['env']['adapter'],
  options: ConflicterOptions,
  secretFiles: ReadonlySet<string>,
): Promise<Conflicter> {
  const { Conflicter } = await import('@yeoman/conflicter');
  const conflicter = new Conflicter(adapter, {
    ...options,
    customizeActions: actions =>
      actions.map(action =>
        typeof action === 'object' && 'value' in action && action.value === 'edit'
          ? {
              ...action,
              value: ({ file, relativeFilePath, adapter: shown }) => {
                if (!secretFiles.has(file.path)) return 'edit';
                shown.log.writeln(withheld(relativeFilePath));
                return 'ask';
              },
            }
          : action,
      ),
  });
  // The diff is a private method of the conflicter: wrapped, as no option reaches it.
  type Shown = { file: File & { relativePath?: string }; adapter?: typeof adapter };
  const printDiff = Reflect.get(conflicter, '_printDiff') as (what: Shown) => Promise<void>;
  Reflect.set(conflicter, '_printDiff', async (what: Shown) => {
    if (!secretFiles.has(what.file.path)) return printDiff.call(conflicter, what);
    (what.adapter ?? adapter).log.writeln(withheld(what.file.relativePath ?? what.file.path));
  });
  // A file already as it would be written gets no line of its own: the summary counts them.
  // Its log is private too: wrapped like the diff.
  const log = Reflect.get(conflicter, 'log') as (file: File, shownBy?: typeof adapter) => void;
  Reflect.set(conflicter, 'log', (file: File, shownBy?: typeof adapter) => {
    if (file.conflicter !== 'identical') log.call(conflicter, file, shownBy);
  });
  return conflicter;
}

const digest = (contents: Buffer) => createHash('sha256').update(contents).digest('hex').slice(0, 16);

export interface WriteSettings {
  /** The project's folder: where .yo-rc.json is. */
  root: string;
  /** Whether this run created it (removed again when the write fails before anything is in place). */
  createdRoot: boolean;
  /** Whether someone can answer the conflicter's questions. */
  canAsk: boolean;
  /** --force: overwrite edited files without asking. */
  force: boolean;
  /** Files that hold production secrets, by absolute path: written readable by their owner only. */
  privateFiles: ReadonlySet<string>;
  /** Files whose content is never shown (no diff, no editor). */
  secretFiles: ReadonlySet<string>;
}

/** What a run did to each file of the project, by path relative to it (`.yo-rc.json` aside). */
export interface WriteReport {
  /** Files that did not exist. */
  created: string[];
  /** Files the generator had written and nobody changed since, written anew. */
  rewritten: string[];
  /** Files the user changed, overwritten (answered yes, or --force). */
  overwritten: string[];
  /** Files the user changed, left as they were. */
  kept: string[];
  /** Files already as the generator would write them. */
  unchanged: string[];
}

/** Writes the pending files of `generator`'s environment, as the header says; reports what it did to each. */
export async function writeProject(generator: Generator, settings: WriteSettings): Promise<WriteReport> {
  const { env } = generator;
  const configPath = join(settings.root, CONFIG_FILE);
  /** .yo-rc.json as it is on disk (a run that ended meanwhile may have changed it). */
  const diskConfig = (): Record<string, unknown> => readConfig(settings.root) ?? {};
  const pathOf = (file: File) => relative(settings.root, file.path).split(sep).join('/');
  const inProject = (path: string) => !path.startsWith('..') && path !== CONFIG_FILE;
  let configFile: File | undefined;
  let recorded: Record<string, string> = {};
  const written: Record<string, string> = {};
  /** The files with secrets of this run, by path: kept out of the record. */
  const secretPaths = new Set<string>();
  const report: WriteReport = { created: [], rewritten: [], overwritten: [], kept: [], unchanged: [] };
  /** The files as the guard found them on disk: absent, equal, untouched since written, or edited. */
  const found = new Map<string, 'absent' | 'equal' | 'untouched' | 'edited'>();

  /** Holds every file until all are known; marks untouched ones to be overwritten; stops on edits nobody can be asked about. */
  async function* guardEdits(files: AsyncIterable<File>): AsyncGenerator<File> {
    const held: File[] = [];
    for await (const file of files) {
      if (file.path === configPath) configFile = file;
      else held.push(file);
    }
    // The record on disk, which a run that ended meanwhile may have changed.
    recorded = recordedDigests(diskConfig());
    const edited: string[] = [];
    for (const file of held) {
      const path = pathOf(file);
      const secret = settings.privateFiles.has(file.path);
      if (secret) file.stat = { ...file.stat, mode: 0o100600 };
      if (!file.contents || !inProject(path)) continue;
      const disk = readRegular(file.path);
      if (!disk) {
        found.set(path, 'absent');
        continue;
      }
      if (secret && !disk.equals(file.contents)) {
        // The user's own file, with only new settings added (see prod): never asked about, so never shown.
        found.set(path, 'untouched');
        file.conflicter = 'force';
      } else if (disk.equals(file.contents)) {
        found.set(path, 'equal');
        // Same text, another mode (a secret file written readable by all): only the mode changes.
        const mode = file.stat?.mode;
        if (mode !== undefined && mode !== null && (statSync(file.path).mode & 0o777) !== (mode & 0o777))
          file.conflicter = 'force';
        // Else said as such even under --force, with which the conflicter compares nothing.
        else file.conflicter = 'identical';
      } else if (recorded[path] === digest(disk)) {
        found.set(path, 'untouched');
        file.conflicter = 'force';
      } else {
        found.set(path, 'edited');
        edited.push(path);
      }
    }
    if (edited.length > 0 && !settings.canAsk && !settings.force) {
      throw new UserFacingError(
        `You changed ${edited.join(', ')} since the generator wrote ${edited.length > 1 ? 'them' : 'it'}. ${noTerminal()}, so nothing can ask whether to overwrite: pass --force to overwrite, or run in a terminal to decide file by file.`,
      );
    }
    yield* held;
  }

  /** Notes the digest of every file the conflicter lets through (or found identical); then appends .yo-rc.json with the record. */
  async function* recordDigests(files: AsyncIterable<File>): AsyncGenerator<File> {
    for await (const file of files) {
      const path = pathOf(file);
      if (settings.privateFiles.has(file.path)) secretPaths.add(path);
      else if (
        file.contents &&
        inProject(path) &&
        (isFilePending(file) || readRegular(file.path)?.equals(file.contents))
      ) {
        written[path] = digest(file.contents);
      }
      const before = found.get(path);
      if (before) {
        const pending = isFilePending(file);
        const outcome = {
          absent: 'created',
          equal: 'unchanged',
          untouched: 'rewritten',
          edited: pending ? 'overwritten' : 'kept',
        } as const;
        report[outcome[before]].push(path);
      }
      yield file;
    }
    const base = configFile?.contents ? parseConfig(configFile.contents.toString(), configPath) : diskConfig();
    // No digest of a file with secrets: anyone with the repository could test guesses against it.
    const record = Object.fromEntries(
      Object.entries({ ...recorded, ...written }).filter(([path]) => !secretPaths.has(path)),
    );
    const config = withDigests(base, record);
    const file: File = configFile ?? env.sharedFs.get(configPath);
    file.contents = Buffer.from(`${JSON.stringify(config, null, 2)}\n`);
    setModifiedFileState(file);
    yield file;
  }

  const changes: Change[] = [];
  const files: File[] = [];
  /** Collects what the run changes, for lib/files/commit, and passes every file on. */
  async function* collect(source: AsyncIterable<File>): AsyncGenerator<File> {
    for await (const file of source) {
      files.push(file);
      const path = relative(settings.root, file.path).split(sep).join('/');
      if (path.startsWith('..'))
        throw new UserFacingError(
          `The generator tried to write ${file.path}, outside the project ${settings.root}: nothing was written.`,
        );
      if (isFilePending(file) && file.contents && !isFileStateDeleted(file)) {
        const mode = file.stat?.mode !== undefined && file.stat.mode !== null ? file.stat.mode & 0o7777 : undefined;
        changes.push({ path, contents: file.contents, mode });
      } else if (isFileStateDeleted(file) && !isFileNew(file)) {
        changes.push({ path });
      }
      // The store keeps only the files that come out of the pipeline.
      yield file;
    }
  }

  // The environment's conflicter settings (--force, --bail, ...), which its type does not show.
  const conflicterOptions: ConflicterOptions = Reflect.get(env, 'conflicterOptions') ?? {};
  /**
   * In a folder this run created nothing can collide and no .yo-resolve can exist: each file
   * is new, and said so as the conflicter would say it, without loading the conflicter.
   */
  async function* allNew(source: AsyncIterable<File>): AsyncGenerator<File> {
    const cwd = conflicterOptions.cwd ?? process.cwd();
    for await (const file of source) {
      env.adapter.log.create(relative(cwd, file.path));
      yield file;
    }
  }
  const resolution = async () => {
    if (settings.createdRoot && !conflicterOptions.dryRun) return [guardEdits, allNew];
    const { createYoResolveTransform } = await import('@yeoman/conflicter');
    const conflicter = await secretKeepingConflicter(env.adapter, conflicterOptions, settings.secretFiles);
    return [createYoResolveTransform(), guardEdits, conflicter.createTransform()];
  };

  await env.sharedFs.pipeline(
    // .yo-rc.json always goes through, to take the record, even when no answer changed.
    { filter: (file: File) => isFilePending(file) || file.path.endsWith('.yo-resolve') || file.path === configPath },
    ...(await resolution()),
    recordDigests,
    collect,
  );
  commitChanges(settings.root, changes, line => generator.log(line), settings.createdRoot);
  for (const file of files) clearFileState(file);
  return report;
}
