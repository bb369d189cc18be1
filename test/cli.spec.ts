// The real `yo`, run as a user runs it, with standard input closed (as in a script).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT, runYo } from './helpers.js';

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
    expect(output).to.contain('--project-name, --flower-port, --postgres-db, --postgres-user, --postgres-password, --prod');
    expect(output).not.to.contain('--web-port,');
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it('exits non-zero on an invalid option, with the validator\'s message, and writes nothing', () => {
    const run = runYo(['django-celery', '--defaults', '--flower-port', 'http']);
    expect(run.status).to.not.equal(0);
    expect(run.stdout + run.stderr).to.contain('--flower-port: "http" is not a port: use a whole number from 1 to 65535.');
    expect(readdirSync(run.cwd)).to.deep.equal([]);
  });

  it('completes when every answer is given as an option, without --defaults', () => {
    const run = runYo([
      'django-celery', '--project-name', 'scripted', '--web-port', '8011', '--flower-port', '5558',
      '--postgres-db', 'db1', '--postgres-user', 'u1', '--postgres-password', 'pw $1', '--no-prod',
    ]);
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    expect(readFileSync(join(run.cwd, 'scripted', '.env', '.dev-sample'), 'utf8')).to.contain('SQL_PASSWORD="pw $$1"');
  });

  it('shows every option in --help', () => {
    const run = runYo(['django-celery', '--help']);
    expect(run.status, run.stderr).to.equal(0);
    for (const option of ['--defaults', '--project-name', '--web-port', '--flower-port', '--postgres-password', '--prod', '--python-version']) {
      expect(run.stdout).to.contain(option);
    }
  });
});

describe('the published package', function () {
  this.timeout(300_000);

  const packed = () => {
    const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    return (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0].files.map(file => file.path);
  };

  it('holds the compiled generators, their templates and USAGE, and no sources or tests', () => {
    const files = packed();
    for (const name of ['app', 'django', 'requirements', 'env', 'local', 'project']) {
      expect(files).to.include(`generators/${name}/index.js`);
      expect(files).to.include(`generators/${name}/USAGE`);
    }
    expect(files).to.include('generators/local/templates/docker-compose.yml.ejs');
    expect(files).to.include('generators/env/templates/_env/_dev-sample.ejs');
    expect(files.filter(file => /\.ts$|^test\/|__snapshots__|^src\//.test(file))).to.deep.equal([]);
  });

  it('is found by yo after a global install of the packed tarball', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'global-'));
    try {
      const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', prefix], { cwd: ROOT, encoding: 'utf8' });
      expect(pack.status, pack.stderr).to.equal(0);
      const tarball = join(prefix, pack.stdout.trim().split('\n').pop() ?? '');
      const install = spawnSync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
        encoding: 'utf8',
      });
      expect(install.status, install.stderr).to.equal(0);
      const modules = join(prefix, 'lib', 'node_modules');
      // yo gives up root's rights: what it reads must be readable by anyone.
      spawnSync('chmod', ['-R', 'a+rwX', prefix]);
      expect(existsSync(join(modules, 'generator-django-celery', 'generators', 'app', 'index.js'))).to.equal(true);
      const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'yo', 'lib', 'cli.js'), '--generators', '--no-insight'], {
        env: { ...process.env, HOME: prefix, NODE_PATH: modules, NO_UPDATE_NOTIFIER: '1' },
        cwd: prefix,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/django-celery/);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});

describe('create-django-celery (the package\'s own entry point)', function () {
  this.timeout(60_000);

  const cli = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [join(ROOT, 'generators', 'cli.js'), ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0' },
    });

  it('writes the project with --defaults, whoever runs it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    const run = cli(['--defaults', '--project-name', 'via_cli'], cwd);
    expect(run.status, run.stderr).to.equal(0);
    expect(existsSync(join(cwd, 'via_cli', 'via_cli', 'settings.py'))).to.equal(true);
  });

  it('never prints a secret it generates', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    const run = cli(['--defaults'], cwd);
    expect(run.status, run.stderr).to.equal(0);
    const env = readFileSync(join(cwd, 'django_celery_example', '.env', '.dev-sample'), 'utf8');
    const secret = /^SECRET_KEY=(.+)$/m.exec(env)![1];
    expect(secret).to.have.length(64);
    expect(run.stdout + run.stderr).not.to.contain(secret);
  });

  it('fails fast without a terminal, naming the missing options', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    const run = cli([], cwd);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain('Pass --project-name, --web-port');
    expect(readdirSync(cwd)).to.deep.equal([]);
  });

  it('runs a sub-generator only inside a project, and says so elsewhere', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    const run = cli(['env'], cwd);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain('run `yo django-celery` first');
    expect(readdirSync(cwd)).to.deep.equal([]);
  });

  it('without a terminal, stops at a file the user changed instead of overwriting it; --force overwrites', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    const first = cli(['--defaults'], cwd);
    expect(first.status, first.stderr).to.equal(0);
    const project = join(cwd, 'django_celery_example');
    const requirements = join(project, 'requirements.txt');
    writeFileSync(requirements, `${readFileSync(requirements, 'utf8')}my-package==1.0\n`);
    const again = cli([], project);
    expect(again.status).to.equal(1);
    expect(again.stderr).to.contain('You changed requirements.txt since the generator wrote it. Standard input is not a terminal');
    expect(again.stderr).to.contain('pass --force to overwrite');
    expect(readFileSync(requirements, 'utf8')).to.contain('my-package');
    const forced = cli(['--force'], project);
    expect(forced.status, forced.stderr).to.equal(0);
    expect(readFileSync(requirements, 'utf8')).not.to.contain('my-package');
  });

  it('adds production to a project without a terminal or --force, rewriting only files nobody edited', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    expect(cli(['--defaults'], cwd).status).to.equal(0);
    const project = join(cwd, 'django_celery_example');
    const prod = cli(['prod', '--defaults'], project);
    expect(prod.status, prod.stderr).to.equal(0);
    expect(readFileSync(join(project, 'requirements.txt'), 'utf8')).to.contain('gunicorn==');
    expect(existsSync(join(project, 'docker-compose.prod.yml'))).to.equal(true);
    const again = cli(['prod', '--defaults'], project);
    expect(again.status, again.stderr).to.equal(0);
    const log = again.stdout + again.stderr;
    expect(log).to.match(/^\s*identical docker-compose\.prod\.yml$/m);
    expect(log).not.to.match(/^\s*(create|force|conflict) (?!\.yo-rc\.json)/m);
  });

  it('refuses an unknown generator with the list of known ones', () => {
    const run = cli(['nope'], tmpdir());
    expect(run.status).to.equal(2);
    expect(run.stderr).to.match(/Unknown generator "nope": choose one of .*app.*django/);
  });
});
