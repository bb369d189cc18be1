// The e2e tier runs the built package as its users do: the real `yo`, and the package's
// own entry point (`create-django-celery`), with standard input closed as in a script.
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/root.js';
import { runSync, type Ran } from '../support/run.js';

export const YO = join(ROOT, 'node_modules', 'yo', 'lib', 'cli.js');
export const ENTRY_POINT = join(ROOT, 'generators', 'cli.js');

export interface CommandRun extends Ran {
  /** The folder it ran in. */
  cwd: string;
}

/** A folder that anyone may write: yo drops root's rights before it writes. */
export function sharedFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(folder, 0o777);
  return folder;
}

/** Lets anyone read and write everything under `folder`, as the user yo runs as must. */
export function shareTree(folder: string): void {
  runSync('chmod', ['-R', 'a+rwX', folder]);
}

/**
 * Runs the real `yo` (a devDependency) in a new folder, finding this package through
 * NODE_PATH as it would find an installed one. yo drops root's rights, so the folder
 * and HOME are writable by anyone.
 */
export function runYo(args: string[], prepare?: (folder: string) => void, env?: Variables): CommandRun {
  const place = yoPlace(prepare);
  return { ...yo(args, place, env), cwd: place.cwd };
}

/** Where `yo` runs: a HOME finding this package in its `node_modules`, and a working folder in it. */
export interface YoPlace {
  cwd: string;
  home: string;
  modules: string;
}

/** A new place for `yo`, readable and writable by anyone (`prepare` fills its working folder first). */
export function yoPlace(prepare?: (folder: string) => void): YoPlace {
  const home = sharedFolder('yo-home-');
  const modules = join(home, 'node_modules');
  mkdirSync(modules);
  symlinkSync(ROOT, join(modules, 'generator-django-celery'));
  const cwd = join(home, 'work');
  mkdirSync(cwd);
  prepare?.(cwd);
  shareTree(home);
  return { cwd, home, modules };
}

/** The command and environment that run `yo ARGS` in `place`. */
export function yoCommand(args: string[], { home, modules }: YoPlace): { command: string[]; env: Record<string, string> } {
  return { command: [process.execPath, YO, ...args, '--no-insight'], env: { HOME: home, NODE_PATH: modules, NO_UPDATE_NOTIFIER: '1' } };
}

/** `yo ARGS` in `cwd`, with `home` as HOME and generators found in `modules`. */
export function yo(args: string[], place: YoPlace, env: Variables = { FORCE_COLOR: '0' }): Ran {
  const { command, env: yoEnv } = yoCommand(args, place);
  return runSync(command[0], command.slice(1), {
    cwd: place.cwd,
    env: environment({ ...yoEnv, ...env }),
    timeoutMs: 60_000,
  });
}

/** `create-django-celery ARGS` in `cwd` (a new folder when not given). */
export function runEntryPoint(args: string[], cwd = mkdtempSync(join(tmpdir(), 'cli-')), env: Variables = { FORCE_COLOR: '0' }): CommandRun {
  const run = runSync(process.execPath, [ENTRY_POINT, ...args], { cwd, env: environment(env), timeoutMs: 60_000 });
  return { ...run, cwd };
}

/** Variables to set, or to remove (undefined), in the test's environment. */
export type Variables = Record<string, string | undefined>;

/** The test's environment with `changes` made. */
export function environment(changes: Variables): NodeJS.ProcessEnv {
  const env = { ...process.env, ...changes };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return env;
}
