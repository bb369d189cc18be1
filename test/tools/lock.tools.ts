// The locks are what scripts/stack/pystack.py makes today from the sources the tiers run
// (upstream wheels of the local index, Debian's builds): a lock that drifted from them,
// or a requirement the lock lacks, fails here, naming what to run.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { lockFileName, lockKeys, readLock } from '../../src/generators/lib/values/locks.js';
import { RETIRED_PYTHON_VERSIONS, type PythonVersion } from '../../src/generators/lib/values/versions.js';
import { fixedSecrets, runApp, runGenerator } from '../helpers.js';
import { ROOT } from '../support/root.js';
import { describeRun, run } from '../support/run.js';

const PYSTACK = join(ROOT, 'scripts', 'stack', 'pystack.py');
const pystack = (args: string[], cwd: string) =>
  run('/usr/bin/python3', [PYSTACK, ...args], { cwd, timeoutMs: 600_000 });

/** A project with production for `python` and `django`; a retired Python stored by hand, as an older project would. */
async function projectFor(python: PythonVersion, django: string, beat = 'file'): Promise<string> {
  const retired = Object.hasOwn(RETIRED_PYTHON_VERSIONS, python);
  const { project } = await runApp({
    defaults: true,
    prod: true,
    'django-version': django,
    'beat-scheduler': beat,
    ...(retired ? {} : { 'python-version': python }),
  });
  if (retired) {
    const file = join(project, '.yo-rc.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config['generator-django-celery'].pythonVersion = python;
    writeFileSync(file, JSON.stringify(config));
    await runGenerator('app').withOptions({ secretSource: fixedSecrets, force: true }).cd(project);
  }
  return project;
}

describe('the locks, made again from the sources the tiers run', function () {
  this.timeout(900_000);
  for (const { python, django, beat } of lockKeys()) {
    const file = lockFileName({ python, django, beat });
    it(`of Python ${python}, Django ${django} and the ${beat} scheduler are what pystack.py locks today`, async () => {
      const project = await projectFor(python, django, beat);
      const flags = Object.hasOwn(RETIRED_PYTHON_VERSIONS, python) ? ['--metadata-only'] : [];
      const locked = await pystack(
        ['lock', '--python', python, ...flags, '-r', 'requirements-dev.txt', '-r', 'requirements-prod.txt'],
        project,
      );
      expect(locked.status, describeRun(locked)).to.equal(0);
      expect(
        locked.stdout,
        `src/generators/lib/locks/${file} is stale: run \`npm run lock\` and review the change`,
      ).to.equal(readLock(python, django, beat).text);
    });
  }

  /** pystack building the 3.13 production environment of `project` from `constraints` into `dest`. */
  const buildProd = (project: string, constraints: string, dest = join(tmpdir(), `env-${process.pid}`)) =>
    pystack(['build', '--python', '3.13', '-r', 'requirements-prod.txt', '-c', constraints, '--dest', dest], project);

  it('refuses to build from a lock that lacks a distribution the requirements need, naming it', async () => {
    const project = await projectFor('3.13', '5.2');
    const lacking = join(mkdtempSync(join(tmpdir(), 'lock-')), 'constraints.txt');
    writeFileSync(lacking, readFileSync(join(project, 'constraints.txt'), 'utf8').replace(/^packaging==.*\n/m, ''));
    const built = await buildProd(project, lacking);
    expect(built.status).to.equal(1);
    expect(built.stderr).to.match(/packaging \(needed by kombu\) is not in the constraints file: the lock lacks it/);
  });

  it('replaces only an environment it built: a folder holding anything else is refused, and kept', async () => {
    const project = await projectFor('3.13', '5.2');
    const folder = mkdtempSync(join(tmpdir(), 'not-an-env-'));
    writeFileSync(join(folder, 'keep-me'), 'mine\n');
    const built = await buildProd(project, 'constraints.txt', folder);
    expect(built.status).to.equal(1);
    expect(built.stderr).to.contain(`${folder} is not empty and is no environment this tool built`);
    expect(readFileSync(join(folder, 'keep-me'), 'utf8')).to.equal('mine\n');
  });

  it('refuses a pin the requirements do not allow, naming both', async () => {
    const project = await projectFor('3.13', '5.2');
    const wrong = join(mkdtempSync(join(tmpdir(), 'lock-')), 'constraints.txt');
    copyFileSync(join(project, 'constraints.txt'), wrong);
    writeFileSync(wrong, readFileSync(wrong, 'utf8').replace(/^redis==.*$/m, 'redis==7.0.0'));
    const built = await buildProd(project, wrong);
    expect(built.status).to.equal(1);
    expect(built.stderr).to.match(
      /redis==7\.0\.0 in the constraints file does not satisfy .*<6\.5.* \(needed by kombu\)/,
    );
  });
});
