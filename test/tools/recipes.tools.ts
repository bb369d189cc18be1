// The generated README's recipes, followed as written on a generated project: each
// `docker compose exec web ...` command runs natively with the web service's settings
// (SQLite for the database: no Postgres runs in this tier), and each file the README
// gives is written where it says.
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectUnderTest } from './project.js';
import { runApp } from '../helpers.js';
import { ROOT } from '../support/root.js';
import { describeRun, run as runProgram } from '../support/run.js';
import { runTool } from '../support/tools.js';

/** The text of the README's `### title` section, under "## Recipes". */
function recipe(readme: string, title: string): string {
  const recipes = readme.slice(readme.indexOf('\n## Recipes\n'));
  const start = recipes.indexOf(`\n### ${title}\n`);
  expect(start, `a "### ${title}" recipe`).to.be.above(-1);
  const rest = recipes.slice(start + title.length + 6);
  return rest.slice(0, rest.search(/\n##/));
}

/** The code blocks of `text` in `language`. */
const blocks = (text: string, language: string) =>
  [...text.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(match => match[1]);

/** The one command of a sh block run in the web service, as argv for the project's Python. */
function webCommand(text: string): string[] {
  const [block] = blocks(text, 'sh');
  const line = block.trim();
  expect(line).to.match(/^docker compose exec web python /);
  const args = line.replace(/^docker compose exec web python /, '');
  // The shell's words: split on spaces outside double quotes.
  return [...args.matchAll(/"([^"]*)"|(\S+)/g)].map(match => match[1] ?? match[2]);
}

describe("the generated README's recipes, followed as written", function () {
  this.timeout(300_000);
  let project: ProjectUnderTest;
  let readme: string;

  before(async () => {
    const { project: folder, cwd } = await runApp({ defaults: true });
    project = new ProjectUnderTest({ title: 'defaults', options: {} }, folder, cwd);
    readme = project.read('README.md');
  });
  after(() => project?.remove());

  const run = (key: string, args: string[]) => project.python(key, args, () => project.sqliteEnvironment());

  it('adds an app: startapp, then INSTALLED_APPS, then its migrations', async () => {
    const text = recipe(readme, 'Add an app');
    const started = await run('startapp', webCommand(text));
    expect(started.status, describeRun(started)).to.equal(0);
    expect(text).to.contain('add `"blog",` to `INSTALLED_APPS` in `django_celery_example/settings.py`');
    const settings = join(project.folder, 'django_celery_example', 'settings.py');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace('    "polls",\n', '    "polls",\n    "blog",\n'));
    const check = await run('check with blog', ['manage.py', 'check', '--fail-level', 'WARNING']);
    expect(check.status, describeRun(check)).to.equal(0);
  });

  it('adds a task Celery finds, and calls it from the Django shell as the README does', async () => {
    const text = recipe(readme, 'Add a task');
    expect(text).to.contain('In `blog/tasks.py`:');
    const [source] = blocks(text, 'python');
    writeFileSync(join(project.folder, 'blog', 'tasks.py'), source);
    const called = await run('shell -c word_count', webCommand(text));
    expect(called.status, describeRun(called)).to.equal(0);
    // Django 5.2's shell says first how many objects it imported.
    expect(called.stdout.trim().split('\n').at(-1)).to.equal('3');
    const registered = await run('the task registered', [
      'manage.py',
      'shell',
      '-c',
      'from django_celery_example.celery import app; app.loader.import_default_modules(); print("blog.tasks.word_count" in app.tasks)',
    ]);
    expect(registered.stdout.trim().split('\n').at(-1), describeRun(registered)).to.equal('True');
  });

  it('adds a dependency: its line in requirements.txt, the lock made anew as "Dependencies" says, and it imports', async () => {
    const text = recipe(readme, 'Add a dependency');
    expect(text).to.contain('Add its line to `requirements.txt`');
    expect(text).to.contain('make the lock anew as "Dependencies" says');
    // The README's lock command: which requirement files, for which Python.
    const dependencies = readme.slice(readme.indexOf('\n## Dependencies\n'));
    const [command] = blocks(dependencies, 'sh');
    const uv =
      /^uv pip compile ((?:requirements[\w-]*\.txt )+)\\\n\s+--python-version (\S+) --python-platform linux -o constraints\.txt\n$/.exec(
        command,
      );
    expect(uv, command).to.not.equal(null);
    const [files, python] = [uv![1].trim().split(' '), uv![2]];
    expect(files).to.deep.equal(['requirements-dev.txt']);
    // python-slugify 9.0.0 is on the local index, with text-unidecode, which it needs; neither is in the lock yet.
    const before = project.read('constraints.txt');
    expect(before).not.to.match(/^(python-slugify|text-unidecode)==/m);
    appendFileSync(join(project.folder, 'requirements.txt'), 'python-slugify==9.0.0\n');
    // uv and pip-compile are not on this machine and no index but the local one is reachable:
    // pystack.py locks the same files for the same Python from it, in pip-compile's format.
    const pystack = (args: string[]) =>
      runProgram('/usr/bin/python3', [join(ROOT, 'scripts', 'stack', 'pystack.py'), ...args], {
        cwd: project.folder,
        timeoutMs: 600_000,
      });
    const locked = await pystack(['lock', '--python', python, ...files.flatMap(file => ['-r', file])]);
    expect(locked.status, describeRun(locked)).to.equal(0);
    writeFileSync(join(project.folder, 'constraints.txt'), locked.stdout);
    expect(locked.stdout)
      .to.match(/^python-slugify==9\.0\.0$/m)
      .and.to.match(/^text-unidecode==1\.3$/m);
    // Every other pin as it was (production's gunicorn aside: this project has none, so its lock command names no requirements-prod.txt).
    const pins = (lock: string): string[] => lock.match(/^[\w.-]+==\S+$/gm) ?? [];
    const kept = pins(before).filter(pin => !pin.startsWith('gunicorn=='));
    expect(kept.filter(pin => !pins(locked.stdout).includes(pin))).to.deep.equal([]);
    // The image's install, natively: requirements.txt with the new lock as constraints, then the package in Django's shell.
    const dest = join(mkdtempSync(join(tmpdir(), 'recipe-env-')), 'env');
    try {
      const built = await pystack([
        'build',
        '--python',
        python,
        '-r',
        'requirements.txt',
        '-c',
        'constraints.txt',
        '--dest',
        dest,
      ]);
      expect(built.status, describeRun(built)).to.equal(0);
      expect(built.stdout).to.match(/^\s*python-slugify\s+9\.0\.0\s+9\.0\.0\s/m);
      const used = await runTool(
        'python',
        ['manage.py', 'shell', '-c', 'from slugify import slugify; print(slugify("Héllo Wörld"))'],
        { cwd: project.folder, env: { ...(await project.sqliteEnvironment()), PYTHONPATH: join(dest, 'site') } },
      );
      expect(used.status, describeRun(used)).to.equal(0);
      expect(used.stdout.trim().split('\n').at(-1)).to.equal('hello-world');
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  it('runs one test by its label', async () => {
    const ran = await run('one test', [...webCommand(recipe(readme, 'Run one test')), '--noinput']);
    expect(ran.status, describeRun(ran)).to.equal(0);
    expect(ran.stderr).to.match(/^Ran 1 test/m);
  });

  it('opens the Django shell', async () => {
    const args = webCommand(recipe(readme, 'The Django shell'));
    expect(args).to.deep.equal(['manage.py', 'shell']);
    const shell = await run('shell', [...args, '-c', 'import django; print(django.get_version())']);
    expect(shell.status, describeRun(shell)).to.equal(0);
  });
});
