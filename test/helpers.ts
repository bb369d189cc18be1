// Shared by the specs: run the generators from their TypeScript sources, read what they
// wrote, and compare it with reviewed snapshots.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import helpers, { type RunResult } from 'yeoman-test';
import { expect } from 'chai';
import { jestExpect } from 'mocha-expect-snapshot';
import type { GetGeneratorConstructor } from '@yeoman/types';
import type { default as Generator, BaseOptions } from 'yeoman-generator';
import AppGenerator from '../src/generators/app/index.js';
import ProdGenerator from '../src/generators/prod/index.js';
import KubernetesGenerator from '../src/generators/kubernetes/index.js';
import UsersGenerator from '../src/generators/users/index.js';
import RepoGenerator from '../src/generators/repo/index.js';
import ProjectAlias from '../src/generators/project/index.js';
import { ROOT } from './support/root.js';

// The specs describe runs without a terminal (scripts, CI) unless they pass
// `interactive`; make that hold when a developer runs them from a terminal too.
process.stdin.isTTY = false;

/**
 * The generators under test, loaded from their sources: yeoman-environment cannot load a
 * `.ts` path itself, so the class is given with the path it was loaded from (the
 * generators it composes are then loaded from their sources too). The specs pass options
 * as a user passes them on the command line, by their names, so they are typed as such.
 */
type CommandLineGenerator = Generator<Record<string, unknown>, BaseOptions & Record<string, unknown>>;
const GENERATORS = {
  app: AppGenerator,
  prod: ProdGenerator,
  kubernetes: KubernetesGenerator,
  users: UsersGenerator,
  repo: RepoGenerator,
  project: ProjectAlias,
} as unknown as Record<
  'app' | 'prod' | 'kubernetes' | 'users' | 'repo' | 'project',
  GetGeneratorConstructor<CommandLineGenerator>
>;

/** `helpers.run` of `yo django-celery` (`app`), `yo django-celery:prod` or `:users`, from the sources. */
export function runGenerator(name: keyof typeof GENERATORS, environmentOptions?: Parameters<typeof helpers.run>[2]) {
  return helpers.run(
    GENERATORS[name],
    { resolved: join(ROOT, 'src', 'generators', name, 'index.ts'), namespace: `django-celery:${name}` },
    environmentOptions,
  );
}

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
  const result = await runGenerator('app')
    .withOptions({ secretSource: fixedSecrets, ...options })
    .withAnswers(answers)
    .inDir(mkdtempSync(join(tmpdir(), 'django-celery-')), folder => prepare?.(folder));
  const name = String(options['project-name'] ?? answers.projectName ?? 'django_celery_example');
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

/** A file of a generated project, as its reader sees it. */
export const read = (folder: string, path: string) => readFileSync(join(folder, path), 'utf8');
/** The answers .yo-rc.json of `project` stores. */
export const stored = (project: string) => JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'];

/** The files under `folder` that can run, sorted by path. */
function executableFiles(folder: string): string[] {
  return [...readTree(folder).keys()].filter(path => statSync(join(folder, path)).mode & 0o111);
}

/** The files that hold secrets, which .yo-rc.json records no digest of. */
const PRIVATE_FILES: readonly string[] = [...ProdGenerator.privateFiles, ...KubernetesGenerator.privateFiles];

/** Where .yo-rc.json records a digest of each file written: it changes with every file, so no snapshot holds it. */
const DIGESTS = 'generator-django-celery:files';

/**
 * Compares each file of `folder` with its own reviewed snapshot (`.yo-rc.json` without
 * its digests), and the list of executable files with one more; fails with the diff of
 * every file that differs. `npm run test:update` rewrites the snapshots.
 */
export function expectFilesToMatchSnapshots(folder: string): void {
  const failures: string[] = [];
  const check = (actual: string, name: string) => {
    try {
      jestExpect(actual).toMatchSnapshot(name);
    } catch (error) {
      failures.push((error as Error).message);
    }
  };
  const tree = readTree(folder);
  for (const [path, content] of tree) {
    if (path !== '.yo-rc.json') {
      check(content, path);
      continue;
    }
    const { [DIGESTS]: digests, ...stored } = JSON.parse(content) as Record<string, Record<string, string>>;
    check(`${JSON.stringify(stored, null, 2)}\n`, path);
    // The digests themselves are checked by the tests of re-runs; here, that each file has one, but the files with secrets.
    const digested = [...tree.keys()].filter(file => file !== path && !PRIVATE_FILES.includes(file));
    expect(Object.keys(digests ?? {}).sort(), `the files ${DIGESTS} records`).to.deep.equal(digested.sort());
  }
  check(executableFiles(folder).join('\n'), 'executable files');
  if (failures.length > 0) throw new Error(failures.join('\n\n'));
}

/** What a run of `yo django-celery` left: its folder, and its project or the error it failed with. */
export interface Attempt {
  cwd: string;
  project?: string;
  error?: unknown;
}

/** Runs `yo django-celery` as runApp does, but answers with the error instead of throwing it. */
export async function attemptApp(options: Record<string, unknown>): Promise<Attempt> {
  let cwd = '';
  try {
    const { project } = await runApp(options, {}, folder => {
      cwd = folder;
    });
    return { cwd, project };
  } catch (error) {
    return { cwd, error };
  }
}

/** Runs `yo django-celery` with `options`, which must fail with `message` before writing anything. */
export async function expectRefusal(options: Record<string, unknown>, message: RegExp): Promise<void> {
  const { cwd, error } = await attemptApp(options);
  expect(error, 'the run should have failed').to.be.instanceOf(Error);
  expect((error as Error).message).to.match(message);
  expect(readdirSync(cwd), 'nothing written').to.deep.equal([]);
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

/** Expects the run to fail with `message` and leave every file of `project` as it was. */
export async function expectRefusedUnchanged(project: string, run: Promise<unknown>, message: RegExp): Promise<void> {
  const before = readTree(project);
  await expectRejection(run, message);
  expect(readTree(project)).to.deep.equal(before);
}

/**
 * What each prompt's validator answers for the given values (as inquirer calls it before
 * re-asking), in an interactive run of `name` in `cwd` (a new folder when not given).
 */
export async function promptVerdicts(
  name: keyof typeof GENERATORS,
  values: Record<string, string>,
  {
    answers = {},
    options = {},
    cwd,
  }: { answers?: Record<string, unknown>; options?: Record<string, unknown>; cwd?: string } = {},
): Promise<Record<string, unknown>> {
  const verdicts: Record<string, unknown> = {};
  const run = runGenerator(name)
    .withOptions({ interactive: true, secretSource: fixedSecrets, ...options })
    .withAnswers(answers, {
      callback(answer: unknown, { question }: { question: { name?: string; validate?: (input: unknown) => unknown } }) {
        if (question.name && question.name in values && question.validate) {
          verdicts[question.name] = question.validate(values[question.name]);
        }
        return answer;
      },
    });
  await (cwd ? run.cd(cwd) : run);
  return verdicts;
}

/**
 * Runs `yo django-celery:prod` inside `project`, secrets deterministic. `force` lets
 * it overwrite README.md, which it changes in a project made without production.
 */
/** `yo django-celery:kubernetes` in `project`, secrets made deterministic. */
export function runKubernetes(project: string, options: Record<string, unknown> = {}): Promise<RunResult> {
  return runGenerator('kubernetes')
    .withOptions({ secretSource: fixedSecrets, ...options })
    .cd(project);
}

export function runProd(
  project: string,
  options: Record<string, unknown> = {},
  answers: Record<string, unknown> = {},
): Promise<RunResult> {
  return runGenerator('prod')
    .withOptions({ secretSource: fixedSecrets, force: true, ...options })
    .withAnswers(answers)
    .cd(project);
}
