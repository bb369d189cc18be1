// Ctrl-C (SIGINT) while the generator writes: the run stops at once, with one sentence
// saying what it left and what to run again; running exactly that gives the project whole.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readTree } from '../helpers.js';
import { runSync } from '../support/run.js';
import { ENTRY_POINT, runEntryPoint } from './commands.js';

const SLOW_WRITES = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'slow-writes.mjs');

/** Runs `create-django-celery ARGS` in `cwd` with slow writes, and sends SIGINT once writing starts. */
function interruptWhileWriting(args: string[], cwd: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', SLOW_WRITES, ENTRY_POINT, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8').on('data', chunk => {
      stderr += chunk;
      if (stderr.includes('[writing]') && !sent) sent = child.kill('SIGINT');
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', status => resolve({ status, stderr }));
  });
}

/** Runs, in `cwd`, each command quoted in `sentence` (`create-django-celery` being the entry point). */
function runQuoted(sentence: string, cwd: string): void {
  for (const [, command] of sentence.matchAll(/`([^`]+)`/g)) {
    const line = command.replace(/(^|&& )create-django-celery\b/g, `$1${process.execPath} ${ENTRY_POINT}`);
    const ran = runSync('sh', ['-c', line], { cwd, timeoutMs: 60_000 });
    expect(ran.status, `${line}\n${ran.stdout}${ran.stderr}`).to.equal(0);
  }
}

/** A run that writes files both into a new folder and into a project made with --defaults. */
const ARGS = ['--defaults', '--web-port', '8020'];

describe('Ctrl-C while the generator writes', function () {
  this.timeout(120_000);

  for (const [label, prepare] of [
    ['a new project', (cwd: string) => cwd],
    [
      'a re-run in place',
      (cwd: string) => {
        expect(runEntryPoint(['--defaults'], cwd).status).to.equal(0);
        return join(cwd, 'django_celery_example');
      },
    ],
  ] as const) {
    it(`of ${label} exits 130 with one sentence saying what to run again, and running it completes the project`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'interrupt-'));
      const where = prepare(cwd);
      const { status, stderr } = await interruptWhileWriting(ARGS, where);
      expect(status, stderr).to.equal(130);
      const sentence = stderr.trimEnd().split('\n').at(-1) ?? '';
      expect(sentence).to.match(/^Stopped (while|before) writing .*`create-django-celery( --defaults --web-port 8020)?`/);
      expect(stderr).not.to.match(/Error|at .*\.js:\d+/);
      runQuoted(sentence, where);
      const clean = mkdtempSync(join(tmpdir(), 'clean-'));
      expect(runEntryPoint(ARGS, clean).status).to.equal(0);
      const project = where === cwd ? join(cwd, 'django_celery_example') : where;
      expect([...readTree(project).keys()]).to.deep.equal([...readTree(join(clean, 'django_celery_example')).keys()]);
      expect(readTree(project).get('docker-compose.yml')).to.equal(readTree(join(clean, 'django_celery_example')).get('docker-compose.yml'));
    });
  }
});
