// The Debian roots the runtime tier runs a project's stack in (the images' Pythons, with
// the standard library only), the "containers" it starts in them (a private /tmp and
// HOME each), and the Python environments it builds there from a project's lock alone.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../support/root.js';
import { describeRun, type Ran, runSync } from '../support/run.js';
import { INSTALL_COMMAND, TOOLS_BIN, TOOLS_DIR } from '../support/tools.js';
import { tempDir, trackDir } from './support.js';

export const ROOTS_DIR = join(TOOLS_DIR, 'roots');
const IN_ROOT = join(TOOLS_BIN, 'in-root');
const PYSTACK = join(ROOT, 'scripts', 'stack', 'pystack.py');
/** The Python every root runs, and the host's Python that builds environments: named by path, never the first `python3` on PATH. */
export const ROOT_PYTHON = '/usr/bin/python3';
export const HOST_PYTHON = '/usr/bin/python3';

export type RootName = 'trixie' | 'forky';
/** The root whose python3 is each Python version of the images. */
const ROOT_OF_PYTHON: Record<string, RootName> = { '3.13': 'trixie', '3.14': 'forky' };

/** What runs inside a root, as a container: its private folders, and folders of the host it sees at their paths. */
export interface Inside {
  cwd: string;
  /** Mounted on /tmp and /root (see `container`). */
  container: Container;
  /** Host folders bind-mounted at the same paths (cwd always is). */
  binds?: string[];
  /** Host folders mounted elsewhere, `DIR:PATH`, as Compose mounts named volumes. */
  volumes?: string[];
}

/** A container's own folders: a fresh /tmp and HOME, nothing shared with the machine's. */
export interface Container {
  dir: string;
  tmp: string;
  home: string;
}

export function container(label: string): Container {
  const dir = tempDir(`container-${label.replace(/[^\w.-]+/g, '_')}`);
  const tmp = join(dir, 'tmp');
  const home = join(dir, 'home');
  mkdirSync(tmp);
  mkdirSync(home);
  chmodSync(tmp, 0o1777);
  return { dir, tmp, home };
}

export interface RootVersions {
  python: string;
  postgres: string;
  redis: string;
  nginx?: string;
}

export class Root {
  readonly dir: string;
  private versionsCache?: RootVersions;

  constructor(readonly name: RootName) {
    this.dir = join(ROOTS_DIR, name);
    if (!existsSync(join(this.dir, '.complete')))
      throw new Error(`No Debian ${name} root in ${this.dir}: run \`${INSTALL_COMMAND}\` (as root).`);
  }

  /** The root whose python3 is `version` (the images' `python:<version>-slim-trixie`). */
  static forPython(version: string): Root {
    const name = ROOT_OF_PYTHON[version];
    if (!name)
      throw new Error(
        `No Debian root here has Python ${version} (roots: ${Object.entries(ROOT_OF_PYTHON)
          .map(([v, n]) => `${n} ${v}`)
          .join(', ')}): the runtime tier cannot run that image's Python.`,
      );
    return new Root(name);
  }

  get python(): string {
    return Object.entries(ROOT_OF_PYTHON).find(([, name]) => name === this.name)![0];
  }

  /** Postgres's programs inside the root (/usr/lib/postgresql/<major>/bin). */
  get pgBin(): string {
    const majors = readdirSync(join(this.dir, 'usr/lib/postgresql')).filter(name =>
      existsSync(join(this.dir, 'usr/lib/postgresql', name, 'bin/postgres')),
    );
    if (majors.length !== 1)
      throw new Error(
        `The ${this.name} root has Postgres ${majors.join(', ') || 'nowhere'} in /usr/lib/postgresql: expected one major version`,
      );
    return `/usr/lib/postgresql/${majors[0]}/bin`;
  }

  /** The program and arguments that run `command` inside the root as `inside` says. */
  argv(inside: Inside, command: string[]): [string, string[]] {
    const binds = [...new Set(inside.binds ?? [])].filter(dir => dir !== inside.cwd).flatMap(dir => ['--bind', dir]);
    const volumes = (inside.volumes ?? []).flatMap(volume => ['--volume', volume]);
    return [
      IN_ROOT,
      [
        '--tmp',
        inside.container.tmp,
        '--home',
        inside.container.home,
        ...binds,
        ...volumes,
        this.dir,
        inside.cwd,
        ...command,
      ],
    ];
  }

  /** Runs `command` to its end inside the root, in a container of its own (removed after), with the environment given. */
  run(
    command: string[],
    env: NodeJS.ProcessEnv,
    {
      cwd,
      binds = [],
      volumes = [],
      timeoutMs = 60_000,
    }: { cwd?: string; binds?: string[]; volumes?: string[]; timeoutMs?: number } = {},
  ): Ran {
    const box = container('run');
    const [program, args] = this.argv({ cwd: cwd ?? box.dir, container: box, binds, volumes }, command);
    try {
      return runSync(program, args, { cwd, env, timeoutMs });
    } finally {
      rmSync(box.dir, { recursive: true, force: true });
    }
  }

  /** `run` with a bare environment (and `env`), failing unless the command succeeds; its stdout. */
  runOk(command: string[], env: NodeJS.ProcessEnv = {}): string {
    const ran = this.run(command, { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', ...env });
    if (ran.status !== 0) throw new Error(describeRun(ran));
    return ran.stdout;
  }

  /** The versions of the root's Python, Postgres, Redis (and nginx, if it has one). */
  versions(): RootVersions {
    this.versionsCache ??= (() => {
      const out = this.runOk([
        '/bin/sh',
        '-c',
        `${ROOT_PYTHON} -c 'import sys; print(sys.version.split()[0])'; ${this.pgBin}/postgres --version | awk '{ print $3 }'; redis-server --version | sed 's/.* v=\\([^ ]*\\).*/\\1/'; if [ -x /usr/sbin/nginx ]; then /usr/sbin/nginx -v 2>&1 | sed 's/.*nginx\\///'; fi`,
      ])
        .trim()
        .split('\n');
      return { python: out[0], postgres: out[1], redis: out[2], nginx: out[3] };
    })();
    return this.versionsCache;
  }
}

/** nginx runs in the forky root: its nginx 1.30 is the line of the image (nginx:1.30-alpine). */
export const nginxRoot = (): Root => new Root('forky');

/** A Python environment built inside a root from a project's requirements and lock. */
export interface PythonEnv {
  root: Root;
  /** Its path inside the root (/opt/envs/NAME): `site` for PYTHONPATH, `bin` for PATH. */
  path: string;
  /** The builder's table: every distribution, locked, ran, and its source. */
  table: string;
}

let envCount = 0;

/**
 * Builds the environment an image installs (`pip install -r REQUIREMENTS -c CONSTRAINTS`)
 * with scripts/stack/pystack.py, from the lock alone, inside `root`; fails with the
 * builder's reason (the distribution it names) when it cannot.
 */
export function buildEnv(
  root: Root,
  project: string,
  requirements: string,
  constraints: string,
  label: string,
): PythonEnv {
  const name = `${label.replace(/[^\w.-]+/g, '_')}-${process.pid}-${++envCount}`;
  const path = `/opt/envs/${name}`;
  const dest = join(root.dir, path);
  trackDir(dest);
  const ran = runSync(
    HOST_PYTHON,
    [
      PYSTACK,
      'build',
      '--python',
      root.python,
      '--dest',
      dest,
      '-r',
      relative(project, requirements),
      '-c',
      relative(project, constraints),
    ],
    {
      cwd: project,
      // HOME: the tier's own, where pip's configuration names the local index.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' },
      timeoutMs: 600_000,
    },
  );
  if (ran.status !== 0) {
    throw new Error(
      `The Python ${root.python} environment of ${label} cannot be built from its lock (${relative(project, requirements)} -c ${relative(project, constraints)}):\n${(
        ran.stderr
          .trim()
          .split('\n')
          .filter(line => !line.startsWith('==> ') && !/^(Get|Fetched|Reading)/.test(line))
          .join('\n') || ran.stdout
      ).trim()}`,
    );
  }
  // The images' `python` is their Python (the generated scripts run `python manage.py`).
  symlinkSync(ROOT_PYTHON, join(dest, 'bin', 'python'));
  return { root, path, table: ran.stdout.trimEnd() };
}

/** The distributions the builder installed (`ran` is `-` for one it could not, with the reason in `source`). */
export function builtDistributions(
  env: PythonEnv,
): Array<{ name: string; locked: string; ran: string; source: string }> {
  return JSON.parse(readFileSync(join(env.root.dir, env.path, 'distributions.json'), 'utf8'));
}

/** Every distribution importable inside the root with `env` on PYTHONPATH (none: the root's own), as `name==version`, sorted. */
export function importableDistributions(root: Root, env?: PythonEnv): string[] {
  const code =
    'import importlib.metadata as m, re; print("\\n".join(sorted(set(re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() + "==" + d.version for d in m.distributions()))))';
  const out = root.runOk([ROOT_PYTHON, '-c', code], env ? { PYTHONPATH: `${env.path}/site` } : {});
  return out.split('\n').filter(Boolean);
}

/** The environment variables that put `env` on a process inside its root: PATH and PYTHONPATH. */
export function envVariables(env: PythonEnv): { PATH: string; PYTHONPATH: string } {
  return {
    PATH: [`${env.path}/bin`, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
    PYTHONPATH: `${env.path}/site`,
  };
}
