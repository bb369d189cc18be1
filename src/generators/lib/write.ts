// How a run's files reach the disk: one pipeline, run once for the whole run by the
// generator the user started. It tells files the user edited from those the generator
// wrote and nobody touched since (by the digests of what it wrote, recorded in
// .yo-rc.json), lets Yeoman's conflicter ask about the edited ones only, writes the
// files, and writes .yo-rc.json last, with the digests of what was written.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createConflicterTransform, createYoResolveTransform } from '@yeoman/conflicter';
import type { MemFsEditorFile } from 'mem-fs-editor';
import { isFilePending, setModifiedFileState } from 'mem-fs-editor/state';
import { createCommitTransform } from 'mem-fs-editor/transform';
import type Generator from 'yeoman-generator';
import { AnswerError } from './errors.js';

/** The key under which `.yo-rc.json` stores this package's answers. */
export const CONFIG_KEY = 'generator-django-celery';

/** The key under which `.yo-rc.json` records digests of the files the generator wrote. */
const FILES_KEY = `${CONFIG_KEY}:files`;

type File = MemFsEditorFile & { conflicter?: string };

const digest = (contents: Buffer) => createHash('sha256').update(contents).digest('hex').slice(0, 16);

export interface WriteSettings {
  /** The project's folder: where .yo-rc.json is. */
  root: string;
  /** Whether someone can answer the conflicter's questions. */
  canAsk: boolean;
  /** --force: overwrite edited files without asking. */
  force: boolean;
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

/** The digests .yo-rc.json records, by path relative to the project. */
function recordedDigests(config: Record<string, unknown>): Record<string, string> {
  const record = config[FILES_KEY];
  if (typeof record !== 'object' || record === null) return {};
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Writes the pending files of `generator`'s environment, as the header says; reports what it did to each. */
export async function writeProject(generator: Generator, settings: WriteSettings): Promise<WriteReport> {
  const { env } = generator;
  const configPath = join(settings.root, '.yo-rc.json');
  const pathOf = (file: File) => relative(settings.root, file.path).split(sep).join('/');
  const inProject = (path: string) => !path.startsWith('..') && path !== '.yo-rc.json';
  let configFile: File | undefined;
  let recorded: Record<string, string> = {};
  const written: Record<string, string> = {};
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
    const config = configFile?.contents ? JSON.parse(configFile.contents.toString()) : existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {};
    recorded = recordedDigests(config);
    const edited: string[] = [];
    for (const file of held) {
      const path = pathOf(file);
      if (!file.contents || !inProject(path)) continue;
      if (!existsSync(file.path)) {
        found.set(path, 'absent');
        continue;
      }
      const disk = readFileSync(file.path);
      if (disk.equals(file.contents)) {
        found.set(path, 'equal');
        // Said as such even under --force, with which the conflicter compares nothing.
        file.conflicter = 'identical';
      } else if (recorded[path] === digest(disk)) {
        found.set(path, 'untouched');
        file.conflicter = 'force';
      } else {
        found.set(path, 'edited');
        edited.push(path);
      }
    }
    if (edited.length > 0 && !settings.canAsk && !settings.force) {
      throw new AnswerError(
        `You changed ${edited.join(', ')} since the generator wrote ${edited.length > 1 ? 'them' : 'it'}. Standard input is not a terminal, so nothing can ask whether to overwrite: pass --force to overwrite, or run in a terminal to decide file by file.`,
      );
    }
    yield* held;
  }

  /** Notes the digest of every file the conflicter lets through (or found identical); then appends .yo-rc.json with the record. */
  async function* recordDigests(files: AsyncIterable<File>): AsyncGenerator<File> {
    for await (const file of files) {
      const path = pathOf(file);
      if (file.contents && inProject(path) && (isFilePending(file) || (existsSync(file.path) && readFileSync(file.path).equals(file.contents)))) {
        written[path] = digest(file.contents);
      }
      const before = found.get(path);
      if (before) {
        const pending = isFilePending(file);
        const outcome = { absent: 'created', equal: 'unchanged', untouched: 'rewritten', edited: pending ? 'overwritten' : 'kept' } as const;
        report[outcome[before]].push(path);
      }
      yield file;
    }
    const config = configFile?.contents ? JSON.parse(configFile.contents.toString()) : existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {};
    // Rewritten whole, in path order, so the record does not depend on the order of runs.
    const record = { ...recorded, ...written };
    config[FILES_KEY] = Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
    const file: File = configFile ?? env.sharedFs.get(configPath);
    file.contents = Buffer.from(`${JSON.stringify(config, null, 2)}\n`);
    setModifiedFileState(file);
    yield file;
  }

  await env.sharedFs.pipeline(
    // .yo-rc.json always goes through, to take the record, even when no answer changed.
    { filter: (file: File) => isFilePending(file) || file.path.endsWith('.yo-resolve') || file.path === configPath },
    createYoResolveTransform(),
    guardEdits,
    // The environment's conflicter settings (--force, --bail, ...), which its type does not show.
    createConflicterTransform(env.adapter, Reflect.get(env, 'conflicterOptions')),
    recordDigests,
    createCommitTransform(),
  );
  return report;
}
