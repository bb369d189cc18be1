// The checks of each project of the matrix with its quality kit: Ruff's linter and
// formatter, pytest with pytest-django, and pre-commit's check of its configuration, all
// run by the real tools inside the root of the image's Python (test/tools/quality.ts).
import { expect } from 'chai';
import { DEV_TOOL_PINS } from '../../src/generators/lib/values/versions.js';
import { describeRun, type Ran } from '../support/run.js';
import { typed, type MatrixEntry, type ProjectUnderTest } from './project.js';
import { buildEnv, type Env, inRoot, preCommitEnv, pythonFiles, testMethods } from './quality.js';

/** The development environment of a project: requirements-dev.txt with its constraints.txt, as the image installs it. */
const devEnv = (project: ProjectUnderTest): Promise<Env> =>
  buildEnv(typed(project.entry, 'pythonVersion'), project.folder, 'requirements-dev.txt', 'constraints.txt');

/** Runs `command` in the project folder, inside the root, on its development environment. */
export const inProject = async (project: ProjectUnderTest, command: string[], folder = project.folder): Promise<Ran> =>
  inRoot(await devEnv(project), folder, command);

const expectOk = (ran: Ran) => expect(ran.status, describeRun(ran)).to.equal(0);

export function describeQuality(entry: MatrixEntry, project: () => ProjectUnderTest): void {
  describe(`the quality kit, on the lock's environment for Python ${typed(entry, 'pythonVersion')} (pystack, in its Debian root)`, function () {
    // Its runs wait their turn behind every other check of the matrix, started earlier.
    this.timeout(600_000);
    before(async () => {
      await devEnv(project());
    });

    it(`runs Ruff ${DEV_TOOL_PINS.ruff}, the release requirements-dev.txt and the pre-commit hook pin`, async () => {
      const ran = await inProject(project(), ['ruff', '--version']);
      expectOk(ran);
      expect(ran.stdout.trim()).to.equal(`ruff ${DEV_TOOL_PINS.ruff}`);
      expect(project().read('requirements-dev.txt')).to.contain(`\nruff==${DEV_TOOL_PINS.ruff}\n`);
      expect(project().read('.pre-commit-config.yaml')).to.contain(`rev: v${DEV_TOOL_PINS.ruff}\n`);
    });

    it('passes `ruff check .`, which lints every Python file but the migrations', async () => {
      const ran = await inProject(project(), ['ruff', 'check', '.']);
      expectOk(ran);
      expect(ran.stdout).to.match(/All checks passed!/);
      const listed = await inProject(project(), ['ruff', 'check', '--show-files', '.']);
      expectOk(listed);
      const linted = listed.stdout
        .split('\n')
        .filter(Boolean)
        .map(line => line.replace(`${project().folder}/`, ''))
        .filter(file => file.endsWith('.py'))
        .sort();
      const expected = pythonFiles(project().folder).filter(file => !file.includes('/migrations/'));
      expect(expected.length).to.be.greaterThan(15);
      expect(linted).to.deep.equal(expected);
    });

    it('passes `ruff format --check .`', async () => {
      const ran = await inProject(project(), ['ruff', 'format', '--check', '.']);
      expectOk(ran);
      expect(ran.stdout).to.match(/^\d+ files already formatted$/m);
    });

    it("passes the project's own tests under `pytest` (pytest-django), in a plain checkout, collecting every one", async () => {
      const ran = await inProject(project(), ['pytest']);
      expectOk(ran);
      expect(ran.stdout).to.match(/^django: version: .*settings: \w+\.settings \(from ini\)$/m);
      const passed = Number(/=+ (\d+) passed\b/.exec(ran.stdout)?.[1]);
      expect(passed, describeRun(ran)).to.equal(testMethods(project().folder));
    });

    it('has a .pre-commit-config.yaml that pre-commit validate-config accepts', async () => {
      const ran = await inRoot(await preCommitEnv(), project().folder, [
        'pre-commit',
        'validate-config',
        '.pre-commit-config.yaml',
      ]);
      expectOk(ran);
    });
  });
}
