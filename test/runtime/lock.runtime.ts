// The lock is what the tier runs: an environment is built from a project's requirements
// and its constraints.txt alone, and a lock that lacks a distribution the stack needs, or
// pins one at a version no source here has, fails the build, naming it.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runApp } from '../helpers.js';
import { buildEnv, Root } from './roots.js';
import { trackDir } from './support.js';

describe("Environments built from a project's lock", function () {
  this.timeout(300_000);
  let project = '';
  const root = () => Root.forPython('3.13');

  before(async () => {
    const run = await runApp({ defaults: true });
    trackDir(run.cwd);
    project = run.project;
  });

  /** constraints.txt with `change` applied, written beside it; its path. */
  const lockWith = (name: string, change: (text: string) => string): string => {
    const original = readFileSync(join(project, 'constraints.txt'), 'utf8');
    const changed = change(original);
    expect(changed, 'the change alters the lock').to.not.equal(original);
    const path = join(project, name);
    writeFileSync(path, changed);
    return path;
  };

  it('builds from the lock as generated (development: requirements-dev.txt)', () => {
    const env = buildEnv(
      root(),
      project,
      join(project, 'requirements-dev.txt'),
      join(project, 'constraints.txt'),
      'lock-as-generated',
    );
    expect(env.table).to.match(/^\s+kombu\s+\S+\s+\S+/m);
    expect(env.table).to.match(/^\s+packaging\s+\S+\s+\S+/m);
  });

  it("fails, naming it, when the lock lacks a distribution the stack imports (kombu's Redis transport imports packaging)", () => {
    const lock = lockWith('constraints-without-packaging.txt', text =>
      text.replace(/^packaging==.*\n(\s+#.*\n)*/m, ''),
    );
    expect(() =>
      buildEnv(root(), project, join(project, 'requirements-dev.txt'), lock, 'lock-without-packaging'),
    ).to.throw(/packaging \(needed by [^)]*kombu[^)]*\) is not in the constraints file/);
  });

  it('fails, naming it, when the lock pins a version that no source here has', () => {
    const lock = lockWith('constraints-tzdata-missing.txt', text => text.replace(/^tzdata==.*$/m, 'tzdata==2099.1'));
    expect(() =>
      buildEnv(root(), project, join(project, 'requirements-dev.txt'), lock, 'lock-tzdata-missing'),
    ).to.throw(/tzdata==2099\.1 for Python 3\.13: no source here has a build of it/);
  });
});
