// The checks of the generated CI workflow fail on what they are for: faults planted in
// a generated project's .github/workflows/ci.yml, each caught by the check that the
// tools tier runs on every project of its matrix (test/tools/github.ts).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { AUTO_HTTPS } from '../fixtures.js';
import { runApp, type Run } from '../helpers.js';
import { composeCommands, readWorkflow } from '../support/workflow.js';
import { missingNativeTests, stackJobProblems, unmappedCommands, WORKFLOW } from './github.js';
import { ProjectUnderTest } from './project.js';

describe('the checks of .github/workflows/ci.yml, on a generated project with a planted fault', () => {
  let run: Run;
  let original = '';
  const planted: ProjectUnderTest[] = [];
  before(async function () {
    this.timeout(60_000);
    run = await runApp({ defaults: true, prod: true });
    original = readFileSync(join(run.project, WORKFLOW), 'utf8');
  });
  after(() => {
    for (const project of planted) project.remove();
  });

  /** The project with its ci.yml changed by `plant` (which must change it), read afresh. */
  const withWorkflow = (plant: (text: string) => string) => {
    const text = plant(original);
    expect(text, 'the fault was planted').to.not.equal(original);
    writeFileSync(join(run.project, WORKFLOW), text);
    const project = new ProjectUnderTest({ title: 'planted fault', options: { prod: true } }, run.project, run.cwd);
    planted.push(project);
    return project;
  };

  it("GitHub's parser refuses a broken workflow key, naming it (runs_on for runs-on)", async () => {
    const workflow = await withWorkflow(text => text.replace('    runs-on: ubuntu', '    runs_on: ubuntu')).workflow();
    expect(workflow.errors.join('\n')).to.match(/runs_on/);
  });

  it("GitHub's parser refuses a step key it does not know (stepz for steps)", async () => {
    const workflow = await withWorkflow(text => text.replace('    steps:\n', '    stepz:\n')).workflow();
    expect(workflow.errors.join('\n')).to.match(/stepz/);
  });

  it('a command run inside the stack that no tier here runs natively (mypy, which the project does not install) is named as having no counterpart', async () => {
    const workflow = await withWorkflow(text =>
      text.replace(
        '          docker compose run --rm web python manage.py test --noinput\n',
        '$&          docker compose run --rm web mypy .\n',
      ),
    ).workflow();
    expect(workflow.errors).to.deep.equal([]);
    expect(unmappedCommands(workflow, 'django_celery_example')).to.deep.equal([
      'development: web mypy . (in the development stack) has no native counterpart',
    ]);
  });

  it('a native test that the table names but no test file holds is reported', () => {
    expect(missingNativeTests([{ file: 'test/runtime/local.runtime.ts', title: 'a test nobody wrote' }])).to.deep.equal(
      ['test/runtime/local.runtime.ts has no test titled "...a test nobody wrote..."'],
    );
  });

  it('a job whose last step, down -v, runs only on failure is reported', async () => {
    const workflow = await withWorkflow(text =>
      text.replace(/if: always\(\)\n(\s+)run: docker compose down -v/, 'if: failure()\n$1run: docker compose down -v'),
    ).workflow();
    expect(stackJobProblems(workflow)).to.deep.equal([
      'development: does not end with `down -v` run always (if: always())',
    ]);
  });

  it('shellcheck fails a step that breaks a word it should quote', async () => {
    const result = await withWorkflow(text =>
      text.replace('echo "task $task_id"', 'echo task $task_id'),
    ).workflowShellcheck();
    expect(result.status).to.not.equal(0);
    expect(result.stdout).to.match(/SC2086/);
  });
});

describe('the checks of .github/workflows/ci.yml with automatic HTTPS (--https auto), with a planted fault', () => {
  let run: Run;
  let original = '';
  before(async function () {
    this.timeout(60_000);
    run = await runApp({ defaults: true, prod: true, ...AUTO_HTTPS });
    original = readFileSync(join(run.project, WORKFLOW), 'utf8');
  });
  after(() => rmSync(run.cwd, { recursive: true, force: true }));

  it('reads the stack file of `docker compose -f FILE -f OVERRIDE ...` as the first, and the override after it', () => {
    expect(
      composeCommands('docker compose -f docker-compose.prod.yml -f .github/ci/without-caddy.yml up --wait'),
    ).to.deep.equal([
      {
        file: 'docker-compose.prod.yml',
        overrides: ['.github/ci/without-caddy.yml'],
        subcommand: 'up',
        args: ['--wait'],
      },
    ]);
  });

  it('a production job whose down -v leaves out the override that up started with is reported', async () => {
    const planted = original.replace(
      'run: docker compose -f docker-compose.prod.yml -f .github/ci/without-caddy.yml down -v',
      'run: docker compose -f docker-compose.prod.yml down -v',
    );
    expect(planted, 'the fault was planted').to.not.equal(original);
    expect(stackJobProblems(await readWorkflow(WORKFLOW, original)), 'as generated').to.deep.equal([]);
    expect(stackJobProblems(await readWorkflow(WORKFLOW, planted))).to.deep.equal([
      'production: build (-f docker-compose.prod.yml .github/ci/without-caddy.yml), up (-f docker-compose.prod.yml .github/ci/without-caddy.yml) and down -v (-f docker-compose.prod.yml) name different Compose files',
    ]);
  });

  it('a production job that runs the override alone, as the stack file, is reported', async () => {
    const planted = original.replace(
      'docker compose -f docker-compose.prod.yml -f .github/ci/without-caddy.yml build',
      'docker compose -f .github/ci/without-caddy.yml build',
    );
    expect(planted, 'the fault was planted').to.not.equal(original);
    expect(stackJobProblems(await readWorkflow(WORKFLOW, planted))).to.include(
      'production: runs .github/ci/without-caddy.yml, not docker-compose.prod.yml',
    );
  });
});
