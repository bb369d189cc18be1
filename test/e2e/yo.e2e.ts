// The real `yo`, run as a user runs it, with standard input closed (as in a script).
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readTree, runApp } from '../helpers.js';
import { PROD_FILES } from '../fixtures.js';
import { runOk } from '../support/run.js';
import { expectRefusal, runEntryPoint, runYo, yo, yoPlace } from './commands.js';

describe('yo (the real command line)', function () {
  this.timeout(120_000);

  it('lists django-celery under --generators', () => {
    const run = runYo(['--generators']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/django-celery/);
  });

  it('writes the project with --defaults and stdin closed', () => {
    const run = runYo(['django-celery', '--defaults']);
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    const project = join(run.cwd, 'django_celery_example');
    expect(existsSync(join(project, 'docker-compose.yml'))).to.equal(true);
    expect(existsSync(join(project, 'django_celery_example', 'celery.py'))).to.equal(true);
    expect(run.stdout + run.stderr).to.contain('docker compose up -d --build');
  });

  it('exits non-zero, naming the options to pass, when stdin is not a terminal and answers are missing', () => {
    const run = runYo(['django-celery', '--web-port', '9000']);
    expect(run.status).to.not.equal(0);
    const output = run.stdout + run.stderr;
    expect(output).to.contain('Standard input is not a terminal, so nothing can be asked.');
    expect(output).to.contain(
      '--project-name, --flower-port, --mail-port, --postgres-db, --postgres-user, --postgres-password, --prod',
    );
    expect(output).not.to.contain('--web-port,');
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it("exits non-zero on an invalid option, with the validator's message, and writes nothing", () => {
    const run = runYo(['django-celery', '--defaults', '--flower-port', 'http']);
    expect(run.status).to.not.equal(0);
    expect(run.stdout + run.stderr).to.contain(
      '--flower-port: "http" is not a port: use a whole number from 1 to 65535.',
    );
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it('completes when every answer is given as an option, without --defaults', () => {
    const run = runYo([
      'django-celery',
      '--project-name',
      'scripted',
      '--web-port',
      '8011',
      '--flower-port',
      '5558',
      '--mail-port',
      '8026',
      '--postgres-db',
      'db1',
      '--postgres-user',
      'u1',
      '--postgres-password',
      'pw $1',
      '--no-prod',
    ]);
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    expect(readFileSync(join(run.cwd, 'scripted', '.env', '.dev-sample'), 'utf8')).to.contain('SQL_PASSWORD="pw $$1"');
  });

  it('shows every option in --help', () => {
    const run = runYo(['django-celery', '--help']);
    expect(run.status, run.stderr).to.equal(0);
    for (const option of [
      '--defaults',
      '--project-name',
      '--web-port',
      '--flower-port',
      '--mail-port',
      '--publish-all',
      '--postgres-password',
      '--prod',
      '--python-version',
    ]) {
      expect(run.stdout).to.contain(option);
    }
  });
});

describe('yo django-celery:prod (the real command line)', function () {
  this.timeout(120_000);

  it('exits 1 in an empty folder, saying in one sentence to run `yo django-celery` first, and writes nothing', () => {
    const run = runYo(['django-celery:prod', '--defaults']);
    expect(run.status).to.equal(1);
    expectRefusal(
      run,
      /^\S+ is not in a project of this generator \(no \.yo-rc\.json here or in a folder above\): run `yo django-celery` first to create the project, then run this inside its folder\.$/,
    );
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it('writes the production tree with `yo django-celery --defaults --prod`', () => {
    const run = runYo(['django-celery', '--defaults', '--prod']);
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    const files = [...readTree(join(run.cwd, 'django_celery_example')).keys()];
    expect(files).to.include.members(PROD_FILES);
  });

  it('fails without a terminal, naming the production options, when answers are missing', async () => {
    const { project } = await runApp({ defaults: true });
    // A project of the user yo runs as (uid 1000), which only that user can write.
    const place = yoPlace(folder => cpSync(project, folder, { recursive: true }));
    runOk('chown', ['-R', '1000', place.cwd]);
    runOk('chmod', ['-R', 'go-w', place.cwd]);
    const run = { ...yo(['django-celery:prod'], place), cwd: place.cwd };
    expect(run.status).to.not.equal(0);
    expect(run.stdout + run.stderr).to.contain(
      'Pass --https, --nginx-port, --allowed-hosts, --flower-user, or --defaults',
    );
    expect(readTree(run.cwd)).to.deep.equal(readTree(project));
  });
});

describe('yo django-celery:repo and :project, its earlier name (the real command lines)', function () {
  this.timeout(180_000);

  it('each writes the README again inside a project, through yo and through the entry point', () => {
    const rewrites = (
      project: string,
      run: (name: string) => { status: number | null; stderr: string },
      who: string,
    ) => {
      const readme = readFileSync(join(project, 'README.md'), 'utf8');
      for (const name of ['repo', 'project']) {
        rmSync(join(project, 'README.md'));
        const ran = run(name);
        expect(ran.status, `${who} ${name}\n${ran.stderr}`).to.equal(0);
        expect(readFileSync(join(project, 'README.md'), 'utf8'), `${who} ${name}`).to.equal(readme);
      }
    };
    // yo runs as the user who owns its place; the entry point as this one, each in a project of its own.
    const place = yoPlace();
    const made = yo(['django-celery', '--defaults'], place);
    expect(made.status, made.stderr + made.stdout).to.equal(0);
    const yoProject = join(place.cwd, 'django_celery_example');
    rewrites(yoProject, name => yo([`django-celery:${name}`], { ...place, cwd: yoProject }), 'yo django-celery:');
    const entry = runEntryPoint(['--defaults']);
    expect(entry.status, entry.stderr).to.equal(0);
    const entryProject = join(entry.cwd, 'django_celery_example');
    rewrites(entryProject, name => runEntryPoint([name], entryProject), 'create-django-celery');
  });
});

describe('yo django-celery:kubernetes and create-django-celery kubernetes (the real command lines)', function () {
  this.timeout(180_000);

  it('exit 1 in an empty folder, saying in one sentence to create the project first, and write nothing', () => {
    const run = runYo(['django-celery:kubernetes', '--defaults']);
    expect(run.status).to.equal(1);
    expectRefusal(run, /^\S+ is not in a project of this generator .*: run `yo django-celery` first/);
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it('writes k8s/ with `yo django-celery --defaults --prod --kubernetes`, and `yo django-celery:kubernetes` leaves it as it is', () => {
    const place = yoPlace();
    const run = { ...yo(['django-celery', '--defaults', '--prod', '--kubernetes'], place), cwd: place.cwd };
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    const project = join(run.cwd, 'django_celery_example');
    const files = [...readTree(project).keys()];
    expect(files).to.include.members([
      'k8s/base/web.yaml',
      'k8s/overlays/production/kustomization.yaml',
      'k8s/overlays/production/secrets.env',
      'k8s/overlays/trial/db.env',
    ]);
    expect(run.stdout + run.stderr).to.contain('kubectl apply -k k8s/overlays/production');
    const before = readTree(project);
    const again = yo(['django-celery:kubernetes', '--defaults'], { ...place, cwd: project });
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stdout + again.stderr).to.contain('Nothing to write');
    expect(readTree(project), 'the project as the first run left it').to.deep.equal(before);
  });

  it('refuses, through the entry point, a project without production, naming the command that adds it', async () => {
    const { project } = await runApp({ defaults: true });
    const before = readTree(project);
    const run = runEntryPoint(['kubernetes', '--defaults'], project);
    expect(run.status).to.equal(1);
    expectRefusal(run, /no production variant.*run `create-django-celery prod` first/);
    expect(readTree(project), 'nothing written').to.deep.equal(before);
  });
});
