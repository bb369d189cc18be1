// Shared by the specs: run the compiled generators, read what they wrote, compare
// with reviewed snapshots, and run the real `yo` as a user would.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import helpers, { type RunResult } from 'yeoman-test';
import { expect } from 'chai';

// The specs describe runs without a terminal (scripts, CI) unless they pass
// `interactive`; make that hold when a developer runs them from a terminal too.
process.stdin.isTTY = false;

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const generatorPath = (name: string) => join(ROOT, 'generators', name, 'index.js');
export const APP = generatorPath('app');
export const PROD = generatorPath('prod');

/** Deterministic secrets for snapshots: `test_<NAME>_` padded to 64 characters. */
export const fixedSecrets = (name: string) => `test_${name}_`.padEnd(64, 'x');

export interface Run {
  result: RunResult;
  /** The folder the generator ran in. */
  cwd: string;
  /** The generated project's folder. */
  project: string;
}

/**
 * Runs `yo django-celery` in a new temporary folder with the given options (and answers
 * for prompts), secrets made deterministic.
 */
export async function runApp(
  options: Record<string, unknown>,
  answers: Record<string, unknown> = {},
  prepare?: (folder: string) => void,
): Promise<Run> {
  const result = await helpers
    .run(APP)
    .withOptions({ secretSource: fixedSecrets, ...options })
    .withAnswers(answers)
    .inDir(mkdtempSync(join(tmpdir(), 'django-celery-')), folder => prepare?.(folder));
  const name = String((options['project-name'] ?? answers.projectName ?? 'django_celery_example'));
  const cwd = result.cwd;
  const project = existsSync(join(cwd, '.yo-rc.json')) ? cwd : join(cwd, name);
  return { result, cwd, project };
}

/** Every file under `folder`: relative path to content, sorted by path. */
export function readTree(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(folder, path), readFileSync(path, 'utf8'));
    }
  };
  walk(folder);
  return files;
}

/** A tree as one reviewable text: each file under a header with its path and mode. */
export function treeText(folder: string): string {
  return [...readTree(folder)]
    .map(([path, content]) => {
      const mode = statSync(join(folder, path)).mode & 0o111 ? 'executable' : 'file';
      return `=== ${path} (${mode}) ===\n${content}${content.endsWith('\n') ? '' : '\n<no newline at end>\n'}`;
    })
    .join('\n');
}

const SNAPSHOTS = join(ROOT, 'test', '__snapshots__');

/**
 * Compares `actual` with the reviewed snapshot `name`. `npm run test:update` rewrites
 * snapshots; a missing snapshot fails under CI instead of being written.
 */
export function matchSnapshot(name: string, actual: string): void {
  const file = join(SNAPSHOTS, `${name}.snap`);
  if (process.env.UPDATE_SNAPSHOTS === '1' || (!existsSync(file) && !process.env.CI)) {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `No snapshot ${relative(ROOT, file)}: run \`npm run test:update\` and review it.`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${relative(ROOT, file)} differs: review the diff, then \`npm run test:update\` if the change is intended.`);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The folder it ran in. */
  cwd: string;
}

/**
 * Runs the real `yo` (a devDependency) with stdin closed, in a new folder, finding this
 * package through NODE_PATH as it would find an installed one. yo drops root's rights, so
 * the folder and HOME are writable by anyone.
 */
export function runYo(args: string[], prepare?: (folder: string) => void): CliResult {
  const home = mkdtempSync(join(tmpdir(), 'yo-home-'));
  const modules = join(home, 'node_modules');
  mkdirSync(modules);
  symlinkSync(ROOT, join(modules, 'generator-django-celery'));
  const cwd = join(home, 'work');
  mkdirSync(cwd);
  prepare?.(cwd);
  spawnSync('chmod', ['-R', 'a+rwX', home]);
  chmodSync(home, 0o777);
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'yo', 'lib', 'cli.js'), ...args, '--no-insight'], {
    cwd,
    env: { ...process.env, HOME: home, NODE_PATH: modules, NO_UPDATE_NOTIFIER: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, cwd };
}

export function removeTree(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

/** Awaits a run that must fail, and checks its message. */
export async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error, 'the run should have failed').to.be.instanceOf(Error);
  expect((error as Error).message).to.match(message);
}

