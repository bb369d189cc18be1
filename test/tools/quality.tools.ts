// The quality kit's checks fail when they should: a planted fault in a generated copy
// fails Ruff; and the test and lint tools stay out of the production image's closure.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runApp } from '../helpers.js';
import { describeRun } from '../support/run.js';
import { ProjectUnderTest } from './project.js';
import { inProject } from './quality-checks.js';
import { inRoot, lockOf, preCommitEnv } from './quality.js';

describe('the quality kit, given a planted fault', function () {
  this.timeout(600_000);
  let project: ProjectUnderTest;
  let copy = '';
  before(async () => {
    const { project: folder, cwd } = await runApp({ defaults: true, prod: true });
    project = new ProjectUnderTest({ title: 'the defaults and production', options: { prod: true } }, folder, cwd);
  });
  beforeEach(() => {
    copy = mkdtempSync(join(tmpdir(), 'tools-fault-'));
    cpSync(project.folder, copy, { recursive: true });
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));
  after(() => project.remove());

  /** Edits a file of the copy, failing if the edit changes nothing. */
  const plant = (file: string, change: (text: string) => string) => {
    const path = join(copy, file);
    const before = readFileSync(path, 'utf8');
    const after = change(before);
    expect(after, `the fault changes ${file}`).to.not.equal(before);
    writeFileSync(path, after);
  };

  it('fails `ruff check .` on an unused import in polls/views.py (rendered from its template), naming it', async () => {
    plant('polls/views.py', text => text.replace(/^(from django\.)/m, 'import json\n\n$1'));
    const ran = await inProject(project, ['ruff', 'check', '.'], copy);
    expect(ran.status, describeRun(ran)).to.equal(1);
    expect(ran.stdout).to.match(/F401 \[\*\] `json` imported but unused\n\s+--> polls\/views\.py:\d+:\d+/);
  });

  it('fails `ruff format --check .` on a file not formatted as Ruff formats it, naming it', async () => {
    plant('polls/urls.py', text => text.replace(/"/g, "'"));
    const ran = await inProject(project, ['ruff', 'format', '--check', '.'], copy);
    expect(ran.status, describeRun(ran)).to.equal(1);
    expect(ran.stdout).to.match(/^unformatted: File would be reformatted\n\s+--> polls\/urls\.py/m);
  });

  it('fails `pytest` on a failing test, naming it', async () => {
    plant('polls/tests.py', text =>
      text.replace('assertEqual(divide.run(1, 2), 0.5)', 'assertEqual(divide.run(1, 2), 2)'),
    );
    const ran = await inProject(project, ['pytest'], copy);
    expect(ran.status, describeRun(ran)).to.equal(1);
    expect(ran.stdout).to.match(/FAILED polls\/tests\.py::TaskTests::test_divide/);
  });

  it('fails `pre-commit validate-config` on a hook that lost its id, naming the file', async () => {
    plant('.pre-commit-config.yaml', text => text.replace('- id: check-toml', '- name: check-toml'));
    const ran = await inRoot(await preCommitEnv(), copy, ['pre-commit', 'validate-config', '.pre-commit-config.yaml']);
    expect(ran.status, describeRun(ran)).to.equal(1);
    expect(ran.stdout + ran.stderr).to.match(/\.pre-commit-config\.yaml[\s\S]*Missing required key: id/);
  });

  it('passes ruff check and ruff format --check with the longest project name allowed (50 characters)', async () => {
    const name = 'inventory_and_order_management_backend_for_the_sho';
    expect(name).to.have.length(50);
    const { project: folder, cwd } = await runApp({ defaults: true, prod: true, 'project-name': name });
    const long = new ProjectUnderTest({ title: 'a long name', options: { prod: true } }, folder, cwd);
    try {
      for (const command of [
        ['ruff', 'check', '.'],
        ['ruff', 'format', '--check', '.'],
      ]) {
        const ran = await inProject(long, command);
        expect(ran.status, describeRun(ran)).to.equal(0);
      }
    } finally {
      long.remove();
    }
  });

  it('keeps pytest, pytest-django, Ruff and what they bring out of the production closure (requirements-prod.txt)', async () => {
    const dev = await lockOf('3.13', project.folder, ['requirements-dev.txt']);
    const prod = await lockOf('3.13', project.folder, ['requirements-prod.txt']);
    for (const ran of [dev, prod]) expect(ran.status, describeRun(ran)).to.equal(0);
    const names = (text: string) => [...text.matchAll(/^([a-z0-9-]+)==/gm)].map(match => match[1]);
    const tools = ['pytest', 'pytest-django', 'ruff', 'iniconfig', 'pluggy', 'pygments'];
    expect(names(dev.stdout)).to.include.members(tools);
    expect(names(prod.stdout)).to.include.members(['django', 'celery', 'gunicorn']);
    expect(names(prod.stdout).filter(name => tools.includes(name))).to.deep.equal([]);
  });
});
