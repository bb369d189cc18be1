// The e2e tier runs the built package as its users do: the real `yo`, and the package's
// own entry point (`create-django-celery`), with standard input closed as in a script.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { readEnvFile } from '../../src/generators/lib/values/env-file.js';
import { ROOT } from '../support/root.js';
import { describeRun, run, runSync, type Ran } from '../support/run.js';

const YO = join(ROOT, 'node_modules', 'yo', 'lib', 'cli.js');
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
export function yoCommand(
  args: string[],
  { home, modules }: YoPlace,
): { command: string[]; env: Record<string, string> } {
  return {
    command: [process.execPath, YO, ...args, '--no-insight'],
    env: { HOME: home, NODE_PATH: modules, NO_UPDATE_NOTIFIER: '1' },
  };
}

/** `yo ARGS` in `cwd`, with `home` as HOME and generators found in `modules`. */
export function yo(args: string[], place: YoPlace, env: Variables = { FORCE_COLOR: '0' }): Ran {
  const { command, env: yoEnv } = yoCommand(args, place);
  const run = runSync(command[0], command.slice(1), {
    cwd: place.cwd,
    env: environment({ ...yoEnv, ...env }),
    timeoutMs: 60_000,
  });
  recordOutput(run.command, `${run.stdout}\n${run.stderr}`, place.cwd, args);
  return run;
}

/** `create-django-celery ARGS` in `cwd` (a new folder when not given). */
export function runEntryPoint(
  args: string[],
  cwd = mkdtempSync(join(tmpdir(), 'cli-')),
  env: Variables = { FORCE_COLOR: '0' },
): CommandRun {
  const run = runSync(process.execPath, [ENTRY_POINT, ...args], { cwd, env: environment(env), timeoutMs: 60_000 });
  recordOutput(run.command, `${run.stdout}\n${run.stderr}`, cwd, args);
  return { ...run, cwd };
}

/** The module that lets a test watch or pin a moment of a run's write (see its header). */
export const INTERCEPT = join(ROOT, 'test', 'e2e', 'intercept.mjs');

/** A run of the entry point held just before a moment of its write, until released. */
export interface HeldRun {
  /** The run's process, once it waits at the moment. */
  pid: Promise<number>;
  /** Lets it go on. */
  release: () => Promise<void>;
  ended: Promise<Ran>;
}

/** Starts `create-django-celery ARGS` in `cwd`, to be held just before `moment` (see intercept.mjs). */
export function heldEntryPoint(args: string[], cwd: string, moment: 'takeover' | 'journal' | 'answers'): HeldRun {
  const folder = mkdtempSync(join(tmpdir(), 'held-'));
  const env = environment({ FORCE_COLOR: '0', INTERCEPT_HOLD: moment, INTERCEPT_DIR: folder });
  let done: Ran | undefined;
  const ended = run(process.execPath, ['--import', INTERCEPT, ENTRY_POINT, ...args], { cwd, env }).then(ran => {
    recordOutput(ran.command, `${ran.stdout}\n${ran.stderr}`, cwd, args);
    done = ran;
    return ran;
  });
  const pid = (async () => {
    for (;;) {
      const held = readdirSync(folder).find(name => name.endsWith('.held'));
      if (held) return Number(held.slice(0, -'.held'.length));
      if (done) throw new Error(`It ended before the ${moment}: ${describeRun(done)}`);
      await sleep(50);
    }
  })();
  return { pid, ended, release: async () => mkdirSync(join(folder, `${await pid}.go`)) };
}

/**
 * A refusal is the project's own sentence alone, on standard error: no frame of Yeoman's
 * ("✖ An error occured while running django-celery:app#readCommandLine") or yo's
 * ("Error django-celery --defualts"), no stack.
 */
export function expectRefusal(run: { stdout: string; stderr: string; command: string }, message: RegExp): void {
  expect(run.stdout, run.command).to.equal('');
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.command).to.have.length(1);
  expect(lines[0], run.command).to.match(message);
  expect(run.stderr, run.command).not.to.match(/✖|error occured|^Error |#[a-zA-Z]+\b|at .*\.js:\d+/m);
}

/** Variables to set, or to remove (undefined), in the test's environment. */
export type Variables = Record<string, string | undefined>;

/** The test's environment with `changes` made. */
function environment(changes: Variables): NodeJS.ProcessEnv {
  const env = { ...process.env, ...changes };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return env;
}

/** Everything the e2e runs printed, and every secret they used: no output may hold any part of any secret. */
const printed: { command: string; output: string }[] = [];
const secrets = new Set<string>();

/** The secrets of the env files in `folder` and in the projects in it (generated, or set by a test). */
function secretsIn(folder: string): string[] {
  const found: string[] = [];
  let folders: string[];
  try {
    folders = [folder, ...readdirSync(folder).map(name => join(folder, name))];
  } catch {
    return found;
  }
  for (const project of folders) {
    for (const file of ['.prod', '.prod.db', '.dev-sample']) {
      const path = join(project, '.env', file);
      if (!existsSync(path) || !statSync(path).isFile() || statSync(path).size > 1_000_000) continue;
      for (const [key, entry] of readEnvFile(readFileSync(path, 'utf8'))) {
        if (/(SECRET_KEY|PASSWORD)$/.test(key) && 'value' in entry) found.push(entry.value);
      }
    }
  }
  return found;
}

/** Notes what a run printed, and the secrets it used: those in the env files it left and a password it was given. */
export function recordOutput(command: string, output: string, cwd: string, args: readonly string[] = []): void {
  printed.push({ command, output });
  const given = args.flatMap((arg, index) =>
    arg === '--postgres-password'
      ? [args[index + 1] ?? '']
      : arg.startsWith('--postgres-password=')
        ? [arg.slice(20)]
        : [],
  );
  // The default development password is public (the README and --help give it): not a secret.
  for (const secret of [...secretsIn(cwd), ...given])
    if (secret.length >= 8 && secret !== 'hello_django') secrets.add(secret);
}

/** The part of a long secret that counts as printing it. */
const PART = 12;

/** The secrets of which some output holds a part (a long one) or the whole (a short one), with the command that printed it. */
function printedSecrets(): string[] {
  const windows = new Map<string, string>();
  for (const { command, output } of printed)
    for (let i = 0; i + PART <= output.length; i += 1) windows.set(output.slice(i, i + PART), command);
  const leaks: string[] = [];
  for (const secret of secrets) {
    if (secret.length < 2 * PART) {
      const by = printed.find(({ output }) => output.includes(secret));
      if (by) leaks.push(`${secret.slice(0, 2)}… (${secret.length} characters) printed by \`${by.command}\``);
      continue;
    }
    for (let i = 0; i + PART <= secret.length; i += 1) {
      const by = windows.get(secret.slice(i, i + PART));
      if (by) {
        leaks.push(`a part of a ${secret.length}-character secret printed by \`${by}\``);
        break;
      }
    }
  }
  return leaks;
}

/** Counts of what the check covered, for its title. */
const secretLedger = () => ({ runs: printed.length, secrets: secrets.size });

// After every e2e file: the check spans every run of the tier.
after('no output of any e2e run holds a secret those runs used', function () {
  this.timeout(60_000);
  // A run of a few tests may make no secret: nothing to look for then.
  if (secretLedger().secrets === 0) return;
  const leaks = printedSecrets();
  if (leaks.length > 0) throw new Error(`Secrets printed:\n${leaks.join('\n')}`);
});
