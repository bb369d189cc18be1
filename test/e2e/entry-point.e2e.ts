// create-django-celery, the package's own entry point, run with standard input closed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runOk, runSync } from '../support/run.js';
import { ENTRY_POINT, expectRefusal, runEntryPoint } from './commands.js';

describe("create-django-celery (the package's own entry point)", function () {
  this.timeout(60_000);

  it('writes the project with --defaults, whoever runs it', () => {
    const run = runEntryPoint(['--defaults', '--project-name', 'via_cli']);
    expect(run.status, run.stderr).to.equal(0);
    expect(existsSync(join(run.cwd, 'via_cli', 'via_cli', 'settings.py'))).to.equal(true);
  });

  it('gives the development containers the uid and gid of the user who ran it; a run as root keeps 1000', () => {
    const folder = mkdtempSync(join(tmpdir(), 'uid-'));
    runOk('chown', ['1002:1003', folder]);
    const run = runSync(process.execPath, [ENTRY_POINT, '--defaults'], {
      cwd: folder,
      env: { ...process.env, HOME: folder },
      uid: 1002,
      gid: 1003,
    });
    expect(run.status, run.stderr).to.equal(0);
    const user = (project: string) =>
      /^ {2}user: (.*)$/m.exec(readFileSync(join(project, 'docker-compose.yml'), 'utf8'))?.[1];
    expect(user(join(folder, 'django_celery_example'))).to.equal('"${HOST_UID:-1002}:${HOST_GID:-1003}"');
    const asRoot = runEntryPoint(['--defaults']);
    expect(asRoot.status, asRoot.stderr).to.equal(0);
    expect(user(join(asRoot.cwd, 'django_celery_example'))).to.equal('"${HOST_UID:-1000}:${HOST_GID:-1000}"');
  });

  it('never prints a secret it generates', () => {
    const run = runEntryPoint(['--defaults']);
    expect(run.status, run.stderr).to.equal(0);
    const env = readFileSync(join(run.cwd, 'django_celery_example', '.env', '.dev-sample'), 'utf8');
    const secret = /^SECRET_KEY=(.+)$/m.exec(env)![1];
    expect(secret).to.have.length(64);
    expect(run.stdout + run.stderr).not.to.contain(secret);
  });

  it('fails fast without a terminal, naming the missing options', () => {
    const run = runEntryPoint([]);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain('Pass --project-name, --web-port');
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it('runs a sub-generator only inside a project, and says so elsewhere, naming its own command', () => {
    const run = runEntryPoint(['env']);
    expect(run.status).to.equal(1);
    expectRefusal(
      run,
      /^\S+ is not in a project of this generator \(no \.yo-rc\.json here or in a folder above\): run `create-django-celery` first/,
    );
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it('names its own commands in its messages', () => {
    const run = runEntryPoint(['--defaults', '--nginx-port', '80']);
    expect(run.status).to.equal(1);
    expectRefusal(run, /add --prod \(or, in a generated project, run `create-django-celery prod`\)\.$/);
  });

  it('run in a folder of a project, ends with the cd its next commands need', () => {
    const first = runEntryPoint(['--defaults']);
    expect(first.status, first.stderr).to.equal(0);
    const polls = join(first.cwd, 'django_celery_example', 'polls');
    for (const [generator, next] of [
      [['prod', '--defaults'], '  cd ..\n  docker compose -f docker-compose.prod.yml build'],
      [['local'], '  cd ..\n  docker compose up -d --build'],
    ] as const) {
      const run = runEntryPoint([...generator], polls);
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stderr, generator[0]).to.contain(next);
    }
  });

  it('without a terminal, stops at a file the user changed instead of overwriting it; --force overwrites', () => {
    const first = runEntryPoint(['--defaults']);
    expect(first.status, first.stderr).to.equal(0);
    const project = join(first.cwd, 'django_celery_example');
    const requirements = join(project, 'requirements.txt');
    writeFileSync(requirements, `${readFileSync(requirements, 'utf8')}my-package==1.0\n`);
    const again = runEntryPoint([], project);
    expect(again.status).to.equal(1);
    expect(again.stderr).to.contain(
      'You changed requirements.txt since the generator wrote it. Standard input is not a terminal',
    );
    expect(again.stderr).to.contain('pass --force to overwrite');
    expect(readFileSync(requirements, 'utf8')).to.contain('my-package');
    const forced = runEntryPoint(['--force'], project);
    expect(forced.status, forced.stderr).to.equal(0);
    expect(readFileSync(requirements, 'utf8')).not.to.contain('my-package');
  });

  it('adds production to a project without a terminal or --force, rewriting only files nobody edited', () => {
    const first = runEntryPoint(['--defaults']);
    expect(first.status).to.equal(0);
    const project = join(first.cwd, 'django_celery_example');
    const prod = runEntryPoint(['prod', '--defaults'], project);
    expect(prod.status, prod.stderr).to.equal(0);
    expect(readFileSync(join(project, 'requirements-prod.txt'), 'utf8')).to.contain('gunicorn==');
    expect(existsSync(join(project, 'docker-compose.prod.yml'))).to.equal(true);
    const again = runEntryPoint(['prod', '--defaults'], project);
    expect(again.status, again.stderr).to.equal(0);
    const log = again.stdout + again.stderr;
    // Nothing changed: one sentence counts the files, instead of a line for each.
    expect(log).not.to.match(/identical/);
    expect(log.replace(/\s+/g, ' ')).to.match(/Nothing to write in this project: all \d+ files are up to date\./);
    expect(log).not.to.match(/^\s*(create|force|conflict) (?!\.yo-rc\.json)/m);
  });

  it('refuses a word that names no generator as yo django-celery does, with the same status', () => {
    const run = runEntryPoint(['nope'], tmpdir());
    expect(run.status).to.equal(1);
    expect(run.stderr.trim()).to.match(/^Unexpected argument "nope": this generator takes options only/);
  });
});

describe('create-django-celery --defaults --prod', function () {
  this.timeout(60_000);

  it('prints none of the secrets it generates', () => {
    const run = runEntryPoint(['--defaults', '--prod']);
    expect(run.status, run.stderr).to.equal(0);
    const project = join(run.cwd, 'django_celery_example');
    const secrets = [...readFileSync(join(project, '.env/.dev-sample'), 'utf8').matchAll(/^(?:SECRET_KEY)=(.+)$/gm)]
      .concat([
        ...readFileSync(join(project, '.env/.prod'), 'utf8').matchAll(
          /^(?:SECRET_KEY|SQL_PASSWORD|CELERY_FLOWER_PASSWORD)=(.+)$/gm,
        ),
        // The superuser's password; APP_DB_PASSWORD is SQL_PASSWORD.
        ...readFileSync(join(project, '.env/.prod.db'), 'utf8').matchAll(/^POSTGRES_PASSWORD=(.+)$/gm),
      ])
      .map(match => match[1]);
    expect(secrets).to.have.length(5);
    for (const secret of secrets) {
      expect(secret).to.match(/^[A-Za-z0-9_-]{64}$/);
      expect(run.stdout + run.stderr).not.to.contain(secret);
      expect(readFileSync(join(project, '.yo-rc.json'), 'utf8')).not.to.contain(secret);
    }
  });
});
