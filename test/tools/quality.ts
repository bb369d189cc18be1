// The generated project's quality kit run by the real tools: Ruff (Debian's build of the
// release requirements-dev.txt and the pre-commit hook pin), pytest with pytest-django,
// each inside the Debian root of the image's Python, on the environment that
// scripts/stack/pystack.py builds from the project's own lock (requirements-dev.txt
// -c constraints.txt); and pre-commit's own check of .pre-commit-config.yaml.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from '../support/root.js';
import { describeRun, run, type Ran } from '../support/run.js';
import { INSTALL_COMMAND, TOOLS_BIN } from '../support/tools.js';

/** Debian forky's pre-commit, the one release of it this machine has. */
const PRE_COMMIT_VERSION = '4.7.0';

const PYSTACK = join(ROOT, 'scripts', 'stack', 'pystack.py');
/** The root whose python3 is the images' Python. */
const ROOTS: Record<string, string> = { '3.13': 'trixie', '3.14': 'forky' };

let scratch: string | undefined;
/** The tier's folder for environments and the roots' private /tmp and HOME (removed at exit). */
function tierScratch(): string {
  if (!scratch) {
    const folder = mkdtempSync(join(tmpdir(), 'tools-quality-'));
    chmodSync(folder, 0o755);
    process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
    scratch = folder;
  }
  return scratch;
}

/** A Python environment pystack built: its folder on the host, seen at the same path inside the root. */
export interface Env {
  python: string;
  dir: string;
  table: string;
}

/** pystack.py on the host's Debian Python (by path: the first python3 on PATH here is pyenv's). */
const pystack = (args: string[], cwd: string) =>
  run('/usr/bin/python3', [PYSTACK, ...args], {
    cwd,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' },
    timeoutMs: 600_000,
  });

const envs = new Map<string, Promise<Env>>();
/** One build at a time: builds share pystack's download cache. */
let building: Promise<unknown> = Promise.resolve();

/**
 * The environment `requirements -c constraints` gives on `python` (built once per distinct
 * pair of files and Python); fails with pystack's reason when the lock cannot give it.
 */
export function buildEnv(python: string, folder: string, requirements: string, constraints: string): Promise<Env> {
  const key = createHash('sha256')
    .update(`${python}\0${readFileSync(join(folder, requirements))}\0${readFileSync(join(folder, constraints))}`)
    .digest('hex')
    .slice(0, 16);
  let env = envs.get(key);
  if (!env) {
    const dir = join(tierScratch(), `env-${python}-${key}`);
    env = building.then(async () => {
      const args = ['build', '--python', python, '-r', requirements, '-c', constraints, '--dest', dir];
      const built = await pystack(args, folder);
      if (built.status !== 0)
        throw new Error(`The environment of ${requirements} -c ${constraints} cannot be built:\n${describeRun(built)}`);
      return { python, dir, table: built.stdout };
    });
    building = env.catch(() => undefined);
    env.catch(() => undefined);
    envs.set(key, env);
  }
  return env;
}

/** `pystack.py lock` of `requirements` (files relative to `folder`) for `python`: the closure, in pip-compile's format. */
export async function lockOf(python: string, folder: string, requirements: string[]): Promise<Ran> {
  return pystack(['lock', '--python', python, ...requirements.flatMap(file => ['-r', file])], folder);
}

let runs = 0;

/**
 * Runs `command` inside the root of `env`'s Python, in `cwd`, as a container would: its
 * own /tmp and HOME, the environment's bin first on PATH and its site on PYTHONPATH, and
 * `variables` (the only others: LANG, HOME). `binds`: more host folders it sees.
 */
export async function inRoot(
  env: Env,
  cwd: string,
  command: string[],
  variables: Record<string, string> = {},
  binds: string[] = [],
): Promise<Ran> {
  const root = ROOTS[env.python];
  if (!root) throw new Error(`No Debian root here has Python ${env.python} (roots: ${JSON.stringify(ROOTS)})`);
  const inside = {
    PATH: `${env.dir}/bin:/usr/local/bin:/usr/bin:/bin`,
    PYTHONPATH: `${env.dir}/site`,
    HOME: '/root',
    LANG: 'C.UTF-8',
    ...variables,
  };
  return inDebianRoot(root, cwd, command, inside, [env.dir, ...binds]);
}

/**
 * Runs `command` inside a Debian root (trixie, forky), in `cwd`, as a container would:
 * its own /tmp and HOME, `inside` its whole environment, `binds` more host folders it sees.
 */
export async function inDebianRoot(
  root: string,
  cwd: string,
  command: string[],
  inside: Record<string, string>,
  binds: string[] = [],
): Promise<Ran> {
  const box = join(tierScratch(), `box-${++runs}`);
  mkdirSync(join(box, 'tmp'), { recursive: true });
  mkdirSync(join(box, 'home'));
  chmodSync(join(box, 'tmp'), 0o1777);
  const mounts = binds.flatMap(dir => ['--bind', dir]);
  try {
    const ran = await run(
      join(TOOLS_BIN, 'in-root'),
      ['--tmp', join(box, 'tmp'), '--home', join(box, 'home'), ...mounts, root, cwd, ...command],
      { cwd, env: inside, timeoutMs: 300_000 },
    );
    if (/in-root: no Debian root/.test(ran.stderr))
      throw new Error(`${ran.stderr.trim()}\nBuild the roots with \`${INSTALL_COMMAND}\` (as root).`);
    return ran;
  } finally {
    rmSync(box, { recursive: true, force: true });
  }
}

/** A requirements file of `lines` in a folder of its own (for a tool the project does not install); its folder. */
function requirementsFolder(name: string, lines: string[]): string {
  const folder = join(tierScratch(), name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'requirements.txt'), `${lines.join('\n')}\n`);
  return folder;
}

/** The Python files under `folder` (no hidden folder), relative to it, sorted. */
export function pythonFiles(folder: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap(name => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return name.startsWith('.') ? [] : walk(path);
        return name.endsWith('.py') ? [relative(folder, path)] : [];
      });
  return walk(folder);
}

/** The test methods of the project's tests files: pytest must collect every one. */
export function testMethods(folder: string): number {
  return pythonFiles(folder)
    .filter(file => /(^|\/)tests\.py$|(^|\/)test_[^/]*\.py$/.test(file))
    .reduce(
      (count, file) => count + (readFileSync(join(folder, file), 'utf8').match(/^\s+def test_\w+/gm) ?? []).length,
      0,
    );
}

let preCommit: Promise<Env> | undefined;

/** pre-commit (Debian forky's, the one here) in an environment of its own, locked and built by pystack. */
export function preCommitEnv(): Promise<Env> {
  preCommit ??= (async () => {
    const folder = requirementsFolder('pre-commit', [`pre-commit==${PRE_COMMIT_VERSION}`]);
    const locked = await lockOf('3.14', folder, ['requirements.txt']);
    if (locked.status !== 0) throw new Error(`pre-commit cannot be locked:\n${describeRun(locked)}`);
    writeFileSync(join(folder, 'constraints.txt'), locked.stdout);
    return buildEnv('3.14', folder, 'requirements.txt', 'constraints.txt');
  })();
  return preCommit;
}
