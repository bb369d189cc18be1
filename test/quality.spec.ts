// The generated project's test and lint settings: pyproject.toml for pytest and Ruff, and
// .pre-commit-config.yaml, whose Ruff is the one requirements-dev.txt pins. The tools tier
// runs them (test/tools/quality.ts).
import { expect } from 'chai';
import { DEV_TOOL_PINS, PRE_COMMIT_REVS } from '../src/generators/lib/values/versions.js';
import { read, readTree, runApp } from './helpers.js';

/** The requirement lines of a requirements file: no comment, no blank line. */
const requirementLines = (text: string) => text.split('\n').filter(line => line && !line.startsWith('#'));

/** The folder of a project generated once, before the tests of the describe that calls this. */
function generatedOnce(options: Record<string, unknown>): () => string {
  let folder = '';
  before(async () => {
    ({ project: folder } = await runApp({ defaults: true, ...options }));
  });
  return () => folder;
}

describe('yo django-celery --defaults: the quality kit', () => {
  const project = generatedOnce({});

  it("configures pytest-django in pyproject.toml: the project's settings, and the apps that hold tests", () => {
    const pyproject = read(project(), 'pyproject.toml');
    expect(pyproject).to.contain(
      '\n[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "django_celery_example.settings"\n',
    );
    expect(pyproject).to.match(/^testpaths = \["polls", "users"\]$/m);
  });

  it("configures Ruff's linter and formatter for the images' Python, 3.13, leaving migrations as Django writes them", () => {
    const pyproject = read(project(), 'pyproject.toml');
    expect(pyproject).to.match(/^\[tool\.ruff\]\n(#.*\n)*target-version = "py313"$/m);
    expect(pyproject).to.match(/^extend-exclude = \["\*\/migrations\/\*"\]$/m);
    expect(pyproject).to.match(/^\[tool\.ruff\.lint\]\n(#.*\n)*select = \[.*"F".*\]$/m);
  });

  it('pins the pre-commit hook of Ruff to the Ruff requirements-dev.txt installs, and every hook to a tag', () => {
    const config = read(project(), '.pre-commit-config.yaml');
    expect(PRE_COMMIT_REVS.ruff).to.equal(`v${DEV_TOOL_PINS.ruff}`);
    expect(read(project(), 'requirements-dev.txt')).to.contain(`\nruff==${DEV_TOOL_PINS.ruff}\n`);
    expect(config).to.contain(`astral-sh/ruff-pre-commit\n    rev: v${DEV_TOOL_PINS.ruff}\n`);
    const revs = [...config.matchAll(/^ {4}rev: (.*)$/gm)].map(match => match[1]);
    expect(revs).to.deep.equal(['v6.0.0', 'v0.16.10', 'v0.11.0.1']);
    expect(config).to.match(/- id: shellcheck\n(\s+#.*\n)?\s+files: \^compose\/\.\*\/\(entrypoint\|start\)\$\n/);
  });

  it('keeps the tools caches out of git and out of the images', () => {
    for (const [file, suffix] of [
      ['.gitignore', '/'],
      ['.dockerignore', ''],
    ]) {
      const text = read(project(), file);
      expect(text, file).to.contain(`\n.pytest_cache${suffix}\n`);
      expect(text, file).to.contain(`\n.ruff_cache${suffix}\n`);
    }
  });
});

describe('yo django-celery --python-version 3.14 --no-custom-user: the quality kit', () => {
  it("targets Python 3.14 in Ruff's settings, and looks for tests in polls alone", async () => {
    const { project } = await runApp({ defaults: true, 'python-version': '3.14', 'custom-user': false });
    const pyproject = read(project, 'pyproject.toml');
    expect(pyproject).to.match(/^target-version = "py314"$/m);
    expect(pyproject).to.match(/^testpaths = \["polls"\]$/m);
  });
});

describe('yo django-celery --defaults --prod: the quality kit', () => {
  const project = generatedOnce({ prod: true });

  it("writes files that pre-commit-hooks' trailing-whitespace and end-of-file-fixer leave alone", () => {
    const problems: string[] = [];
    for (const [file, text] of readTree(project())) {
      if (/[ \t]+$/m.test(text)) problems.push(`${file}: trailing whitespace`);
      if (text !== '' && !/[^\n]\n$/.test(text)) problems.push(`${file}: not one final newline`);
    }
    expect([...readTree(project()).keys()]).to.include('.pre-commit-config.yaml');
    expect(problems).to.deep.equal([]);
  });

  it('keeps the test and lint tools out of production: only requirements-dev.txt names them, and the production image never copies it', () => {
    for (const file of ['requirements.txt', 'requirements-prod.txt'])
      expect(read(project(), file), file).not.to.match(/^(pytest|pytest-django|ruff)\b/im);
    expect(requirementLines(read(project(), 'requirements-dev.txt'))).to.include.members([
      'pytest==9.1.1',
      'pytest-django==4.14.0',
      'ruff==0.16.10',
    ]);
    expect(read(project(), 'compose/production/django/Dockerfile')).not.to.contain('requirements-dev.txt');
  });
});
