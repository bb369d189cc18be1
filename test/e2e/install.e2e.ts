// Every route the README gives to install the generator, each from what a user has: a
// fresh clone (no node_modules, no generators/) or the packed tarball, installed into a
// private prefix, then run in a folder that has nothing to do with the clone, as root
// and as a normal user.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../support/root.js';
import { type Ran, runOk, runSync } from '../support/run.js';
import { shareTree, yo, yoCommand } from './commands.js';
import { FIRST_RUN_QUESTIONS, Terminal, acceptDefaults, requireTmux } from './terminal.js';

/** The normal user of these machines (the one yo runs as). */
const USER = { uid: 1000, gid: 1000 };
const PROJECT = 'django_celery_example';

/** What a run printed, both streams. */
const output = (run: Ran) => `${run.stdout}\n${run.stderr}`;

/** A clone of this repository as `git clone` gives it: its files, without what git ignores (node_modules, generators/). */
function freshClone(owner?: typeof USER): string {
  const clone = join(mkdtempSync(join(tmpdir(), 'clone-')), 'generator-django-celery');
  const files = runOk('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
    .split('\0')
    .filter(file => file && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(ROOT, file), join(clone, file));
  }
  if (owner) runOk('chown', ['-R', `${owner.uid}:${owner.gid}`, dirname(clone)]);
  return clone;
}

/** A new empty folder (of `owner`, if given), with no relation to any clone: where someone keeps projects. */
function projectsFolder(owner?: typeof USER): string {
  const folder = mkdtempSync(join(tmpdir(), 'projects-'));
  if (owner) runOk('chown', [`${owner.uid}:${owner.gid}`, folder]);
  return folder;
}

/** The environment of an npm run whose global installs go to `prefix`, with HOME `home`. */
function npmEnv(prefix: string, home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    npm_config_prefix: prefix,
    npm_config_cache: join(home, '.npm'),
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    NO_UPDATE_NOTIFIER: '1',
  };
}

/** `create-django-celery --defaults` from `prefix`'s bin in `folder` writes a whole project there. */
function generatesIn(folder: string, env: NodeJS.ProcessEnv, user?: typeof USER): void {
  const run = runSync('create-django-celery', ['--defaults'], { cwd: folder, env, ...user, timeoutMs: 60_000 });
  expect(run.status, output(run)).to.equal(0);
  expect(existsSync(join(folder, PROJECT, PROJECT, 'settings.py')), run.command).to.equal(true);
  expect(existsSync(join(folder, PROJECT, 'docker-compose.yml')), run.command).to.equal(true);
}

/** `yo django-celery --defaults` finds the package installed in `prefix` and writes a project in a new folder. */
function yoGeneratesWith(prefix: string): void {
  const modules = join(prefix, 'lib', 'node_modules');
  // yo gives up root's rights: what it reads and writes must be open to the user it runs as.
  const home = mkdtempSync(join(tmpdir(), 'yo-home-'));
  const cwd = join(home, 'projects');
  mkdirSync(cwd);
  shareTree(home);
  chmodSync(home, 0o777);
  const run = yo(['django-celery', '--defaults'], { cwd, home, modules });
  expect(run.status, output(run)).to.equal(0);
  expect(existsSync(join(cwd, PROJECT, 'manage.py')), run.command).to.equal(true);
}

describe('the install routes of the README', function () {
  this.timeout(600_000);

  // Each route from a fresh clone, as root and as a normal user with a private npm prefix.
  const routes: [string, string[][]][] = [
    [
      '`npm ci`, then `npm link`',
      [
        ['ci', '--no-audit', '--no-fund'],
        ['link', '--no-audit', '--no-fund'],
      ],
    ],
    ['`npm install --global .` without `npm ci`', [['install', '--global', '.', '--no-audit', '--no-fund']]],
    [
      "`npm install --global --allow-scripts=generator-django-celery .`, as npm's warning advises",
      [['install', '--global', '--allow-scripts=generator-django-celery', '.', '--no-audit', '--no-fund']],
    ],
  ];
  for (const [route, commands] of routes) {
    for (const user of [undefined, USER]) {
      it(`a fresh clone, as ${user ? `uid ${user.uid}` : 'root'}: ${route}; then --version, yo's --help and both commands generate in any folder`, () => {
        const clone = freshClone(user);
        const prefix = mkdtempSync(join(tmpdir(), 'prefix-'));
        const home = mkdtempSync(join(tmpdir(), 'home-'));
        if (user) runOk('chown', ['-R', `${user.uid}:${user.gid}`, prefix, home]);
        const env = npmEnv(prefix, home);
        for (const args of commands) {
          const run = runSync('npm', args, { cwd: clone, env, ...user, timeoutMs: 400_000 });
          expect(run.status, output(run)).to.equal(0);
          expect(output(run)).not.to.match(/Cannot find module|^\s+at /m);
        }
        const version = runSync('create-django-celery', ['--version'], { cwd: home, env, ...user });
        expect(version.status, output(version)).to.equal(0);
        expect(version.stdout.trim()).to.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
        // yo gives up root's rights: what it reads must be open to the user it runs as.
        if (!user) for (const folder of [dirname(clone), prefix, home]) shareTree(folder);
        if (!user) chmodSync(home, 0o777);
        // yo (this repository's, as a user's global one) finds the package in the prefix.
        const { command, env: yoEnv } = yoCommand(['django-celery', '--help'], {
          cwd: home,
          home,
          modules: join(prefix, 'lib', 'node_modules'),
        });
        const help = runSync(command[0], command.slice(1), { cwd: home, env: { ...env, ...yoEnv }, ...user });
        expect(help.status, output(help)).to.equal(0);
        expect(help.stdout).to.match(/^Usage: yo django-celery \[options\]$/m);
        generatesIn(projectsFolder(user), env, user);
        if (!user) yoGeneratesWith(prefix);
      });
    }
  }

  it('a fresh clone whose dependencies cannot be installed: `npm install --global .` fails saying so in one sentence, with no stack', () => {
    const clone = freshClone();
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    // Offline with an empty cache: npm ci cannot get a single package.
    const env = { ...npmEnv(mkdtempSync(join(tmpdir(), 'prefix-')), home), npm_config_offline: 'true' };
    const run = runSync('npm', ['install', '--global', '.', '--no-audit', '--no-fund'], { cwd: clone, env });
    expect(run.status, output(run)).not.to.equal(0);
    expect(output(run)).to.contain(
      `Could not install the dependencies of generator-django-celery in ${clone} (npm ci failed, above): fix that, run \`npm ci\` there, then run your command again.`,
    );
    expect(output(run)).not.to.match(/Cannot find module|^\s*(npm error\s+)?at .*:\d+:\d+\)?$/m);
  });

  it('the packed tarball: installed globally, its command generates in any folder as root and as a normal user; yo and npm exec find it', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'prefix-'));
    const pack = runSync('npm', ['pack', '--ignore-scripts', '--pack-destination', prefix], { cwd: ROOT });
    expect(pack.status, pack.stderr).to.equal(0);
    const tarball = join(prefix, pack.stdout.trim().split('\n').pop() ?? '');
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    const env = npmEnv(prefix, home);
    const install = runSync('npm', ['install', '--global', '--no-audit', '--no-fund', tarball], {
      env,
      timeoutMs: 400_000,
    });
    expect(install.status, output(install)).to.equal(0);
    shareTree(prefix);
    generatesIn(projectsFolder(), env);
    generatesIn(projectsFolder(USER), { ...env, HOME: projectsFolder(USER) }, USER);
    yoGeneratesWith(prefix);
    // `npm exec`, as the README gives it for the published package, with the tarball in its place.
    const folder = projectsFolder();
    const exec = runSync('npm', ['exec', '--yes', `--package=${tarball}`, '--', 'create-django-celery', '--defaults'], {
      cwd: folder,
      env: { ...env, PATH: process.env.PATH },
      timeoutMs: 400_000,
    });
    expect(exec.status, output(exec)).to.equal(0);
    expect(readdirSync(folder)).to.deep.equal([PROJECT]);
  });

  it("the README's quick start, typed as it stands in a terminal, generates in ~/projects, then starts and tests the project", async () => {
    requireTmux();
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /^## Quick start\n[\s\S]*?^```sh\n([\s\S]*?)^```/m.exec(readme)?.[1];
    expect(block, 'a sh block under "## Quick start"').to.be.a('string');
    // The user's HOME holds the clone (as `git clone <its URL> generator-django-celery` leaves it) and ~/projects.
    const clone = freshClone();
    const home = dirname(clone);
    mkdirSync(join(home, 'projects'));
    // No Docker engine runs here: a stand-in `docker` notes where it ran and with what.
    const standIn = join(home, 'stand-in');
    mkdirSync(standIn);
    writeFileSync(join(standIn, 'docker'), '#!/bin/sh\necho "$PWD: docker $*" >> "$HOME/docker.log"\n', {
      mode: 0o755,
    });
    writeFileSync(join(home, 'quick-start.sh'), block as string);
    const prefix = mkdtempSync(join(tmpdir(), 'prefix-'));
    const env = npmEnv(prefix, home);
    const terminal = new Terminal(['bash', '-e', join(home, 'quick-start.sh')], {
      cwd: home,
      env: {
        HOME: home,
        npm_config_prefix: prefix,
        npm_config_cache: join(home, '.npm'),
        NO_UPDATE_NOTIFIER: '1',
        PATH: `${standIn}:${env.PATH}`,
      },
    });
    try {
      // The first question comes once npm has installed and built the clone.
      await acceptDefaults(terminal, FIRST_RUN_QUESTIONS, 400_000);
      const { status, screen } = await terminal.exit(120_000);
      expect(status, screen).to.equal(0);
      const project = join(home, 'projects', PROJECT);
      expect(existsSync(join(project, PROJECT, 'settings.py'))).to.equal(true);
      expect(readFileSync(join(home, 'docker.log'), 'utf8')).to.equal(
        `${project}: docker compose up -d --build\n${project}: docker compose exec web python manage.py test\n`,
      );
    } finally {
      terminal.close();
    }
  });
});
