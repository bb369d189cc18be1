// The command line around the generators, through both entry points, with output sent
// to a pipe as in a script: --version, --help, and output that concerns only the project.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../support/root.js';
import type { Ran } from '../support/run.js';
import { runEntryPoint, runYo, yo, yoPlace, type CommandRun } from './commands.js';

const VERSION = String(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

/** The commands a summary gives to build, migrate and start production. */
const PRODUCTION_COMMANDS = [
  '  docker compose -f docker-compose.prod.yml build',
  '  docker compose -f docker-compose.prod.yml run --rm web \\',
  '    python manage.py migrate --noinput',
  '  docker compose -f docker-compose.prod.yml up -d',
];

/** What a run printed, both streams. */
const output = (run: Ran) => run.stdout + run.stderr;

/** The last lines of a run's log (Yeoman logs to standard error, keeping standard output for data). */
const ending = (run: CommandRun, lines: number) => run.stderr.trimEnd().split('\n').slice(-lines).join('\n');

describe('--version', function () {
  this.timeout(60_000);

  for (const [label, run] of [
    ['create-django-celery --version', () => runEntryPoint(['--version'])],
    ['create-django-celery prod --version', () => runEntryPoint(['prod', '--version'])],
    ['yo django-celery --version', () => runYo(['django-celery', '--version'])],
    ['yo django-celery:prod --version', () => runYo(['django-celery:prod', '--version'])],
  ] as const) {
    it(`${label} prints the package's version, and only that`, () => {
      const ran = run();
      expect(ran.status, output(ran)).to.equal(0);
      expect(ran.stdout).to.equal(`${VERSION}\n`);
      expect(ran.stderr).to.equal('');
      expect(readdirSync(ran.cwd)).to.deep.equal([]);
    });
  }
});

describe('--help through each entry point', function () {
  this.timeout(60_000);

  for (const [typed, run] of [
    ['create-django-celery', () => runEntryPoint(['--help'])],
    ['create-django-celery prod', () => runEntryPoint(['prod', '--help'])],
    ['create-django-celery env', () => runEntryPoint(['env', '-h'])],
    ['yo django-celery', () => runYo(['django-celery', '--help'])],
    ['yo django-celery:prod', () => runYo(['django-celery:prod', '--help'])],
    ['yo django-celery:env', () => runYo(['django-celery:env', '--help'])],
  ] as const) {
    it(`\`${typed} --help\` names the command typed, fits 80 columns, and lists --force`, () => {
      const ran = run();
      expect(ran.status, output(ran)).to.equal(0);
      expect(ran.stdout.split('\n')[0]).to.equal(`Usage: ${typed} [options]`);
      for (const line of ran.stdout.split('\n')) expect(line.length, line).to.be.at.most(80);
      expect(ran.stdout).to.match(/^ {2}--force +Overwrite files you changed/m);
      if (!typed.includes('env')) expect(ran.stdout).to.match(/^ {2}--defaults +/m);
      if (!/prod|env/.test(typed)) {
        expect(ran.stdout).to.match(/^ {2}--prod, --no-prod +Add the production variant/m);
        expect(ran.stdout).to.contain(
          `Generators, each run as \`${typed.startsWith('yo') ? 'yo django-celery:<name>' : 'create-django-celery <name>'}\` inside a project:`,
        );
      }
      expect(readdirSync(ran.cwd)).to.deep.equal([]);
    });
  }
});

describe('what create-django-celery loads: --help and --version without Yeoman, a run nothing it does not use', function () {
  this.timeout(120_000);
  const forbid = { FORCE_COLOR: '0', NODE_OPTIONS: `--import ${join(ROOT, 'test', 'e2e', 'forbid-yeoman.mjs')}` };
  const names = readdirSync(join(ROOT, 'generators'), { withFileTypes: true })
    .filter(entry => entry.isDirectory() && entry.name !== 'lib')
    .map(entry => entry.name);

  it('the guard fails a run that loads Yeoman', () => {
    const ran = runEntryPoint(['--defaults'], undefined, forbid);
    expect(ran.status).to.not.equal(0);
    expect(ran.stderr).to.match(/this run imported (yeoman-|@yeoman\/)/);
  });

  for (const args of [['--version'], ['--help'], ['-h'], ['prod', '--help'], ['prod', '--version']]) {
    it(`create-django-celery ${args.join(' ')} prints without loading any Yeoman module`, () => {
      const ran = runEntryPoint(args, undefined, forbid);
      expect(ran.status, output(ran)).to.equal(0);
      expect(ran.stdout).to.match(args.includes('--version') ? /^\d+\.\d+\.\d+/ : /^Usage: create-django-celery/);
      expect(ran.stderr).to.equal('');
    });
  }

  // What a run with every answer given never uses is not loaded: the prompt library
  // (inquirer and its prompts; Yeoman's adapter does load @inquirer/core's Separator class,
  // a kilobyte with its figures), and the conflicter when the project folder is new (a
  // re-run in it does load the conflicter).
  const lazy = {
    ...forbid,
    FORBID_MODULES: String.raw`node_modules/(inquirer/|@inquirer/(?!core/|figures/)|@yeoman/conflicter/)`,
  };

  it('a run with every answer given, in a new folder, loads neither the prompt library nor the conflicter', () => {
    const ran = runEntryPoint(['--defaults', '--prod'], undefined, lazy);
    expect(ran.status, output(ran)).to.equal(0);
    expect(readdirSync(join(ran.cwd, 'django_celery_example'))).to.include('docker-compose.prod.yml');
    expect(ran.stderr).to.match(/^ {3}create django_celery_example\/docker-compose\.yml$/m);
  });

  it('the guard sees the conflicter a re-run in an existing project loads', () => {
    const first = runEntryPoint(['--defaults']);
    expect(first.status, output(first)).to.equal(0);
    const again = runEntryPoint(['--defaults'], join(first.cwd, 'django_celery_example'), lazy);
    expect(again.status).to.not.equal(0);
    expect(again.stderr).to.match(/this run imported @yeoman\/conflicter/);
  });

  it('the page of each generator is the one yo prints through Yeoman, the command as typed aside', () => {
    expect(names).to.include.members(['app', 'prod', 'users']);
    const typedAsYo = (page: string) =>
      page.replace(/create-django-celery(?: (<name>|[a-z]+\b))?/g, (_, sub?: string) =>
        sub ? `yo django-celery:${sub}` : 'yo django-celery',
      );
    for (const name of names) {
      const cli = runEntryPoint(name === 'app' ? ['--help'] : [name, '--help'], undefined, forbid);
      const yo = runYo([name === 'app' ? 'django-celery' : `django-celery:${name}`, '--help']);
      expect(cli.status, output(cli)).to.equal(0);
      expect(yo.status, output(yo)).to.equal(0);
      expect(typedAsYo(cli.stdout), name).to.equal(yo.stdout);
    }
  });
});

describe('what a run prints to a pipe', function () {
  this.timeout(60_000);

  for (const [label, run] of [
    [
      'create-django-celery --defaults --prod',
      () => runEntryPoint(['--defaults', '--prod'], undefined, { FORCE_COLOR: undefined, NO_COLOR: undefined }),
    ],
    [
      'yo django-celery --defaults --prod',
      () =>
        runYo(['django-celery', '--defaults', '--prod'], undefined, { FORCE_COLOR: undefined, NO_COLOR: undefined }),
    ],
  ] as const) {
    it(`${label}: the files created and the summary, no escape code, no package-manager message, no force`, () => {
      const ran = run();
      expect(ran.status, output(ran)).to.equal(0);
      expect(output(ran)).not.to.contain('\u001b');
      expect(output(ran)).not.to.match(/package\.json|package manager/);
      expect(output(ran)).not.to.match(/^\s*force /m);
      const [files, summary] = ran.stderr.split(/\n\n(?=Created )/);
      for (const line of files.split('\n').filter(Boolean))
        expect(line).to.match(/^ {3}create django_celery_example\/\S+$/);
      expect(summary).to.match(/^Created django_celery_example: 64 files\.\n/);
      expect(ending(ran, 5)).to.equal(
        ['Or build, migrate and start production (in the same folder):', ...PRODUCTION_COMMANDS].join('\n'),
      );
    });
  }
});

describe('the summary of a run', function () {
  this.timeout(60_000);

  it('of a first run ends with cd and docker compose up', () => {
    const ran = runEntryPoint(['--defaults', '--project-name', 'shop']);
    expect(ran.status, output(ran)).to.equal(0);
    expect(ran.stderr).to.contain('Created shop: 45 files.');
    expect(ran.stderr.replace(/\s+/g, ' ')).to.contain(
      'Django will answer at http://localhost:8010/, Flower at http://localhost:5557/ and the mail catcher (every mail Django sends) at http://localhost:8025/;',
    );
    expect(ending(ran, 3)).to.equal('Next, start the development stack:\n  cd shop\n  docker compose up -d --build');
  });

  it('of a re-run that changes nothing counts the files in one sentence, with no line for each and no secret, through both', () => {
    const place = yoPlace();
    const entryPoints: [string, (args: string[], cwd: string) => Ran][] = [
      ['create-django-celery', (args, cwd) => runEntryPoint(args, cwd)],
      ['yo django-celery', (args, cwd) => yo(['django-celery', ...args], { ...place, cwd })],
    ];
    for (const [name, run] of entryPoints) {
      const cwd = name === 'yo django-celery' ? place.cwd : mkdtempSync(join(tmpdir(), 'rerun-'));
      const first = run(['--defaults', '--prod'], cwd);
      expect(first.status, output(first)).to.equal(0);
      const project = join(cwd, 'django_celery_example');
      const secrets = ['.env/.dev-sample', '.env/.prod', '.env/.prod.db'].flatMap(file =>
        [...readFileSync(join(project, file), 'utf8').matchAll(/^(?:SECRET_KEY|\w*PASSWORD)=(.+)$/gm)].map(m => m[1]),
      );
      expect(secrets.length).to.be.greaterThan(3);
      const files = readdirSync(project, { recursive: true, withFileTypes: true }).filter(
        entry => entry.isFile() && entry.name !== '.yo-rc.json',
      ).length;
      const again = run(['--defaults'], project);
      expect(again.status, output(again)).to.equal(0);
      const said = output(again);
      expect(said, name).not.to.match(/^\s*(identical|create|force|skip|conflict) /m);
      expect(said.replace(/\s+/g, ' '), name).to.contain(
        `Nothing to write in this project: all ${files} files are up to date.`,
      );
      for (const secret of secrets) expect(said, name).not.to.contain(secret);
    }
  });

  it('of a re-run in place says which changed files it overwrote, and ends with docker compose up', () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, 'django_celery_example');
    writeFileSync(join(project, 'requirements.txt'), 'mine\n');
    const again = runEntryPoint(['--force', '--web-port', '8020'], project);
    expect(again.status, output(again)).to.equal(0);
    expect(again.stderr.replace(/\n/g, ' ')).to.contain(
      'Updated this project: rewrote docker-compose.yml, README.md, .github/workflows/ci.yml and requirements.txt. 41 files already up to date. Overwrote your changes to requirements.txt.',
    );
    expect(ending(again, 2)).to.equal('Next, start the development stack:\n  docker compose up -d --build');
    // --force rewrites only what differs: the rest is counted above, with no line for each.
    expect(again.stderr).to.match(/^ *force requirements\.txt$/m);
    expect(again.stderr).not.to.match(/identical/);
  });

  it('of a sub-generator run alone in a project says what it wrote, and ends with docker compose up', () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, 'django_celery_example');
    writeFileSync(join(project, 'docker-compose.yml'), 'mine\n');
    const local = runEntryPoint(['local', '--force'], project);
    expect(local.status, output(local)).to.equal(0);
    expect(local.stderr.replace(/\n/g, ' ')).to.contain(
      'Updated this project: rewrote docker-compose.yml. 6 files already up to date. Overwrote your changes to docker-compose.yml.',
    );
    expect(ending(local, 2)).to.equal('Next, start the development stack:\n  docker compose up -d --build');
    expect(readFileSync(join(project, 'docker-compose.yml'), 'utf8')).to.contain('services:');
  });

  it('of :prod in a project whose requirements.txt the user changed: keeps their change, and the production image installs it with gunicorn', () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, 'django_celery_example');
    const requirements = join(project, 'requirements.txt');
    writeFileSync(requirements, `${readFileSync(requirements, 'utf8')}requests==2.32.5\n`);
    const prod = runEntryPoint(['prod', '--defaults'], project);
    expect(prod.status, output(prod)).to.equal(0);
    expect(prod.stderr).not.to.match(/requirements\.txt/);
    expect(readFileSync(requirements, 'utf8')).to.match(/\nrequests==2\.32\.5\n$/);
    // What the production image's pip installs: the requirements files it copies, -r followed.
    const dockerfile = readFileSync(join(project, 'compose/production/django/Dockerfile'), 'utf8');
    const installs = [...dockerfile.matchAll(/pip (?:wheel|install) [^\n]*-r \/(\S+) -c \/constraints\.txt/g)].map(
      match => match[1],
    );
    expect(installs).to.deep.equal(['requirements-prod.txt', 'requirements-prod.txt']);
    expect(dockerfile).to.contain('COPY ./requirements.txt ./requirements-prod.txt ./constraints.txt /\n');
    const lines = (file: string): string[] =>
      readFileSync(join(project, file), 'utf8')
        .split('\n')
        .filter(line => line && !line.startsWith('#'))
        .flatMap(line => (line.startsWith('-r ') ? lines(line.slice(3)) : [line]));
    expect(lines('requirements-prod.txt')).to.include.members([
      'requests==2.32.5',
      'gunicorn==26.2.2',
      'celery[redis]==5.6.3',
    ]);
  });

  it('of :prod gives the build, migrate and up commands, and http://localhost/ for port 80', () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, 'django_celery_example');
    const prod = runEntryPoint(['prod', '--defaults', '--nginx-port', '80'], project);
    expect(prod.status, output(prod)).to.equal(0);
    expect(prod.stderr).to.match(
      /the site at http:\/\/localhost\/, Flower at\s+http:\/\/localhost\/flower\/\s\(login admin/,
    );
    expect(prod.stderr).to.match(
      /Updated this project: added 19 files; rewrote README\.md, \.github\/dependabot\.yml\sand\s\.github\/workflows\/ci\.yml\./,
    );
    expect(ending(prod, 5)).to.equal(['Next, build, migrate and start production:', ...PRODUCTION_COMMANDS].join('\n'));
  });
});
