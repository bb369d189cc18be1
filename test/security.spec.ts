// Secrets and the generated project's security: what stays out of git, of the Docker
// build and of the generator's output, and Flower's login.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DockerIgnore } from './tools/dockerignore.js';
import { ROOT, runApp } from './helpers.js';

const SECRET_FILES = ['.env/.prod', '.env/.prod.db'];

describe('the production secrets of a generated project', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true, prod: true }));
  });

  it('are ignored by git, while the development settings are not', () => {
    expect(spawnSync('git', ['init', '-q'], { cwd: project }).status).to.equal(0);
    const ignored = (path: string) => spawnSync('git', ['check-ignore', '-q', path], { cwd: project }).status === 0;
    for (const file of SECRET_FILES) expect(ignored(file), file).to.equal(true);
    expect(ignored('.env/.dev-sample')).to.equal(false);
    expect(ignored('docker-compose.prod.yml')).to.equal(false);
  });

  it('never enter a Docker build context', () => {
    const ignore = new DockerIgnore(readFileSync(join(project, '.dockerignore'), 'utf8'));
    for (const file of [...SECRET_FILES, '.env/.dev-sample']) expect(ignore.excludes(file), file).to.equal(true);
    expect(ignore.excludes('manage.py')).to.equal(false);
  });
});

describe('create-django-celery --defaults --prod', function () {
  this.timeout(60_000);

  it('prints none of the secrets it generates', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'secrets-'));
    const run = spawnSync(process.execPath, [join(ROOT, 'generators', 'cli.js'), '--defaults', '--prod'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    const project = join(cwd, 'django_celery_example');
    const secrets = [...readFileSync(join(project, '.env/.dev-sample'), 'utf8').matchAll(/^(?:SECRET_KEY)=(.+)$/gm)]
      .concat([...readFileSync(join(project, '.env/.prod'), 'utf8').matchAll(/^(?:SECRET_KEY|SQL_PASSWORD|CELERY_FLOWER_PASSWORD)=(.+)$/gm)])
      .map(match => match[1]);
    expect(secrets).to.have.length(4);
    for (const secret of secrets) {
      expect(secret).to.match(/^[A-Za-z0-9_-]{64}$/);
      expect(run.stdout + run.stderr).not.to.contain(secret);
      expect(readFileSync(join(project, '.yo-rc.json'), 'utf8')).not.to.contain(secret);
    }
  });
});

describe('the production Flower start script', () => {
  let script: string;
  let bin: string;
  before(async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    script = join(project, 'compose/production/django/celery/flower/start');
    // A stand-in for `celery`: answers the ping, and shows what flower would be started with.
    bin = mkdtempSync(join(tmpdir(), 'fake-celery-'));
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'celery'), '#!/bin/bash\necho "celery $* auth=${FLOWER_BASIC_AUTH:-none}"\n');
    chmodSync(join(bin, 'celery'), 0o755);
  });

  const start = (env: Record<string, string>) =>
    spawnSync('bash', [script], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, CELERY_BROKER: 'redis://redis:6379/0', ...env },
    });

  it('starts Flower behind the login of .env/.prod, kept out of its command line', () => {
    const run = start({ CELERY_FLOWER_USER: 'admin', CELERY_FLOWER_PASSWORD: 's3cret' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/celery -A django_celery_example --broker=redis:\/\/redis:6379\/0 flower .* auth=admin:s3cret/);
    expect(run.stdout).not.to.match(/flower[^\n]*s3cret[^\n]*auth=/);
  });

  for (const [what, env] of [
    ['an empty password', { CELERY_FLOWER_USER: 'admin', CELERY_FLOWER_PASSWORD: '' }],
    ['no password', { CELERY_FLOWER_USER: 'admin' }],
    ['an empty login', { CELERY_FLOWER_USER: '', CELERY_FLOWER_PASSWORD: 's3cret' }],
  ] as const) {
    it(`refuses to start Flower with ${what}`, () => {
      const run = start(env);
      expect(run.status).to.not.equal(0);
      expect(run.stderr).to.match(/CELERY_FLOWER_(USER|PASSWORD)/);
      expect(run.stdout).not.to.contain(' flower ');
    });
  }
});
