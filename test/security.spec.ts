// Secrets and the generated project's security: what stays out of git, of the Docker
// build and of the generator's output, and Flower's login.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DockerIgnore } from './support/dockerignore.js';
import { runApp } from './helpers.js';
import { runSync } from './support/run.js';

const SECRET_FILES = ['.env/.prod', '.env/.prod.db'];

describe('the production secrets of a generated project', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true, prod: true }));
  });

  it('are ignored by git, while the development settings are not', () => {
    expect(runSync('git', ['init', '-q'], { cwd: project }).status).to.equal(0);
    const ignored = (path: string) => runSync('git', ['check-ignore', '-q', path], { cwd: project }).status === 0;
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
    runSync('bash', [script], {
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
