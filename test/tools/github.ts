// The generated project's CI (.github/workflows/ci.yml): read by GitHub's own parser,
// its steps shellchecked, and every command it runs inside the stack looked up in the
// table below of what a tier of this package runs natively. No Docker engine runs
// here, so the workflow itself runs only on GitHub's runners.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../support/root.js';
import { describeRun } from '../support/run.js';
import { composeCommands, stackCommand, type ParsedWorkflow } from '../support/workflow.js';
import { typed, type ProjectUnderTest } from './project.js';

export const WORKFLOW = '.github/workflows/ci.yml';

/** The stack a Compose file starts: the job of ci.yml that runs it has the same name. */
const STACKS = { 'docker-compose.yml': 'development', 'docker-compose.prod.yml': 'production' } as const;
type Stack = (typeof STACKS)[keyof typeof STACKS];

/** A test of this package's tools or runtime tier, by its file and a part of its title. */
export interface NativeTest {
  file: string;
  title: string;
}

interface Counterpart {
  stack: Stack;
  /** `SERVICE [-e NAME=VALUE] ARGV...`, the project's name written <project>. */
  command: string;
  /** The tests that run the same command natively (in the root of the image's Python, or on this machine). */
  native: NativeTest[];
  /** The README.md block (its pattern) that holds the same command, which the runtime tier runs as written. */
  readme?: RegExp;
}

const TOOLS = 'test/tools/projects.tools.ts';
const LOCAL = 'test/runtime/local.runtime.ts';
const PROD = 'test/runtime/prod.runtime.ts';
const QUALITY = 'test/tools/quality-checks.ts';
const CADDY = 'test/tools/caddy.ts';
const TASK_META_BLOCK = /celery-task-meta-\$task_id/;
const TASK_META_TEST = {
  file: LOCAL,
  title: "README: the commands that read a task's id and its celery-task-meta-<id> in Redis",
};

/** Every command ci.yml runs inside a service of a stack, and where it runs natively. */
const COUNTERPARTS: Counterpart[] = [
  { stack: 'development', command: 'web ruff check .', native: [{ file: QUALITY, title: 'passes `ruff check .`' }] },
  {
    stack: 'development',
    command: 'web ruff format --check .',
    native: [{ file: QUALITY, title: 'passes `ruff format --check .`' }],
  },
  {
    stack: 'development',
    command: 'web pytest',
    native: [{ file: QUALITY, title: "passes the project's own tests under `pytest`" }],
  },
  {
    stack: 'development',
    command: 'web python manage.py test --noinput',
    native: [
      { file: TOOLS, title: "passes the project's own tests (manage.py test) with the settings of docker-compose.yml" },
      {
        file: LOCAL,
        title: "the project's tests pass inside the stack (docker compose run web python manage.py test)",
      },
    ],
  },
  {
    stack: 'development',
    command: 'web python manage.py makemigrations --check --dry-run',
    native: [{ file: TOOLS, title: 'needs no new migration (makemigrations --check --dry-run)' }],
  },
  {
    stack: 'development',
    command:
      'web python manage.py shell --verbosity 0 -c from <project>.celery import divide; print(divide.delay(1, 2).id)',
    native: [TASK_META_TEST],
    readme: TASK_META_BLOCK,
  },
  {
    stack: 'development',
    command: 'redis redis-cli get celery-task-meta-$task_id',
    native: [TASK_META_TEST],
    readme: TASK_META_BLOCK,
  },
  {
    stack: 'production',
    command: 'web python manage.py migrate --noinput',
    native: [{ file: PROD, title: 'manage.py migrate --noinput' }],
  },
  {
    stack: 'production',
    command: 'web -e DJANGO_SECURE_PROXY=1 python manage.py check --deploy --fail-level WARNING',
    native: [
      {
        file: TOOLS,
        title: 'passes manage.py check --deploy with the settings of docker-compose.prod.yml and DJANGO_SECURE_PROXY=1',
      },
    ],
  },
  {
    stack: 'production',
    command: 'caddy caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile',
    native: [
      { file: CADDY, title: "passes `caddy validate` (Caddy 2.11, Debian forky's) on the Caddyfile its image holds" },
    ],
  },
];

interface PageProbe {
  stack: Stack;
  /** The path ci.yml asks for, on the stack's published port. */
  path: string;
  native: NativeTest[];
  /** Why no tier here asks for it, when none does. */
  nowhere?: string;
}

const NO_FLOWER =
  'Flower has no build here (no Debian package, no wheel): the runtime tier runs its start script up to `celery flower`, and only CI runs Flower itself';

/** Every page ci.yml asks for from the runner (outside the stack), and the test that asks for it natively. */
const PAGES: PageProbe[] = [
  {
    stack: 'development',
    path: '/',
    native: [
      { file: LOCAL, title: 'start: the dev server answers on port 8000 with the polls page naming the project' },
    ],
  },
  { stack: 'development', path: '/workers?json=1&refresh=1', native: [], nowhere: NO_FLOWER },
  { stack: 'production', path: '/', native: [{ file: PROD, title: "and serves the app's page" }] },
  {
    stack: 'production',
    path: '/static/admin/css/base.css',
    native: [{ file: PROD, title: 'nginx serves a collected static file (admin/css/base.css)' }],
  },
  { stack: 'production', path: '/health/', native: [{ file: PROD, title: 'readiness: /health/ answers 200' }] },
  { stack: 'production', path: '/flower/', native: [], nowhere: NO_FLOWER },
];

/** A stack command as the table writes it. */
function written(service: string, environment: string[], argv: string[], projectName: string): string {
  return [service, ...environment.flatMap(pair => ['-e', pair]), ...argv]
    .join(' ')
    .replaceAll(`${projectName}.`, '<project>.');
}

/** Every command the workflow's steps run inside a service, with the stack of its Compose file. */
function workflowStackCommands(
  workflow: ParsedWorkflow,
  projectName: string,
): Array<{ job: string; stack: string; command: string }> {
  return workflow.steps.flatMap(step =>
    composeCommands(step.run ?? '').flatMap(compose => {
      const inside = stackCommand(compose);
      if (!inside) return [];
      const stack = STACKS[compose.file as keyof typeof STACKS] ?? `unknown Compose file ${compose.file}`;
      return [{ job: step.job, stack, command: written(inside.service, inside.environment, inside.argv, projectName) }];
    }),
  );
}

/** The commands of a shell text (a README block) inside a service, as the table writes them. */
function blockStackCommands(block: string, projectName: string): string[] {
  return composeCommands(block).flatMap(compose => {
    const inside = stackCommand(compose);
    return inside ? [written(inside.service, inside.environment, inside.argv, projectName)] : [];
  });
}

/** What the workflow runs inside the stack that the table does not map, one line each. */
export function unmappedCommands(workflow: ParsedWorkflow, projectName: string): string[] {
  return workflowStackCommands(workflow, projectName)
    .filter(({ stack, command }) => !COUNTERPARTS.some(entry => entry.stack === stack && entry.command === command))
    .map(({ job, stack, command }) => `${job}: ${command} (in the ${stack} stack) has no native counterpart`);
}

/** Every page the workflow asks for: `http://localhost:PORT/PATH` in a step, with its job. */
function workflowPages(workflow: ParsedWorkflow): Array<{ job: string; port: string; path: string }> {
  return workflow.steps.flatMap(step =>
    [...(step.run ?? '').matchAll(/http:\/\/localhost:(\d+)(\/[^\s"')]*)/g)].map(match => ({
      job: step.job,
      port: match[1],
      path: match[2],
    })),
  );
}

const titles = new Map<string, string[]>();

/** The titles of the `it(...)` tests of a file of this package. */
function testTitles(file: string): string[] {
  let found = titles.get(file);
  if (!found) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    found = [...source.matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1)[\s\S])*)\1/g)].map(match =>
      match[2].replace(/\\(.)/g, '$1'),
    );
    titles.set(file, found);
  }
  return found;
}

/** The native tests named that no test of their file has in its title. */
export function missingNativeTests(tests: readonly NativeTest[]): string[] {
  return tests
    .filter(test => !testTitles(test.file).some(title => title.includes(test.title)))
    .map(test => `${test.file} has no test titled "...${test.title}..."`);
}

const UP = 'up --wait --wait-timeout 300';

/** The keys of the production env files whose values .github/ci/production-env makes afresh. */
const CI_SECRETS = ['SECRET_KEY', 'SQL_PASSWORD', 'CELERY_FLOWER_PASSWORD', 'POSTGRES_PASSWORD', 'APP_DB_PASSWORD'];

/**
 * What a stack's job lacks: its Compose file first (overrides may follow), build before
 * up --wait, and down -v always at the end, the last three with the same files (down -v
 * removes what up started, its volumes too).
 */
export function stackJobProblems(workflow: ParsedWorkflow): string[] {
  const problems: string[] = [];
  for (const [file, job] of Object.entries(STACKS).filter(([, name]) => workflow.jobs.includes(name))) {
    const compose = workflow.steps
      .filter(step => step.job === job)
      .flatMap(step => composeCommands(step.run ?? '').map(command => ({ ...command, condition: step.condition })));
    const lines = compose.map(command => [command.subcommand, ...command.args].join(' '));
    for (const command of compose.filter(candidate => candidate.file !== file))
      problems.push(`${job}: runs ${command.file}, not ${file}`);
    if (!lines.includes('build') || !(lines.indexOf('build') < lines.indexOf(UP)))
      problems.push(`${job}: no \`build\` followed by \`${UP}\``);
    const last = compose.at(-1);
    if (!last || lines.at(-1) !== 'down -v' || last.condition !== 'always()')
      problems.push(`${job}: does not end with \`down -v\` run always (if: always())`);
    const filesOf = (line: string) => {
      const command = compose[lines.lastIndexOf(line)];
      return command ? [command.file, ...command.overrides].join(' ') : undefined;
    };
    const [build, up, down] = ['build', UP, 'down -v'].map(filesOf);
    if (build && up && down && !(build === up && up === down))
      problems.push(`${job}: build (-f ${build}), up (-f ${up}) and down -v (-f ${down}) name different Compose files`);
  }
  return problems;
}

/** The files named on top of a stack's Compose file (`-f OVERRIDE`) by any step. */
function workflowOverrides(workflow: ParsedWorkflow): string[] {
  const overrides = workflow.steps.flatMap(step =>
    composeCommands(step.run ?? '').flatMap(command => command.overrides),
  );
  return [...new Set(overrides)];
}

/** The checks of ci.yml for one project of the matrix. */
export function describeWorkflow(prod: boolean, project: () => ProjectUnderTest): void {
  describe(WORKFLOW, () => {
    const stacks = () => project().composeFiles.map(file => STACKS[file]);

    it("passes GitHub's own workflow parser (@actions/workflow-parser) with no error", async () => {
      const workflow = await project().workflow();
      expect(workflow.errors).to.deep.equal([]);
      expect(workflow.steps, 'steps read').to.not.be.empty;
    });

    it('runs a job for each stack of the project (production only with production), each building its images, starting them with up --wait and always removing them with down -v', async () => {
      const workflow = await project().workflow();
      expect(workflow.jobs).to.deep.equal(stacks());
      expect(stackJobProblems(workflow)).to.deep.equal([]);
      // The files put on top of a stack's (.github/ci/without-caddy.yml) are the project's.
      for (const override of workflowOverrides(workflow))
        expect(existsSync(join(project().folder, override)), `${override}, named with -f, is in the project`).to.equal(
          true,
        );
    });

    it('runs inside the stack only commands that a tier here runs natively (the table in test/tools/github.ts)', async () => {
      const workflow = await project().workflow();
      const name = typed(project().entry, 'projectName');
      expect(workflowStackCommands(workflow, name), 'commands inside the stack').to.not.be.empty;
      expect(unmappedCommands(workflow, name)).to.deep.equal([]);
      const used = COUNTERPARTS.filter(entry =>
        workflowStackCommands(workflow, name).some(run => run.stack === entry.stack && run.command === entry.command),
      );
      expect(missingNativeTests(used.flatMap(entry => entry.native))).to.deep.equal([]);
      // Those the README shows run there as written, in the same words.
      const readme = project().read('README.md');
      for (const entry of used.filter(candidate => candidate.readme)) {
        const block = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].find(match => entry.readme!.test(match[1]));
        expect(block, `README.md block ${entry.readme}`).to.not.equal(undefined);
        expect(blockStackCommands(block![1], name), `README.md block ${entry.readme}`).to.include(entry.command);
      }
    });

    it("asks the stack's published ports only for pages the runtime tier asks for natively, Flower's apart (it runs nowhere here)", async () => {
      const workflow = await project().workflow();
      const asked = workflowPages(workflow);
      expect(asked.map(page => page.job)).to.include.members(stacks());
      for (const page of asked) {
        const probe = PAGES.find(entry => entry.stack === page.job && entry.path === page.path);
        expect(probe, `${page.job} asks for ${page.path}, which the table in test/tools/github.ts lacks`).to.not.equal(
          undefined,
        );
        if (probe!.native.length === 0) expect(probe!.nowhere, `${page.path}: why no tier asks for it`).to.match(/\S/);
        expect(missingNativeTests(probe!.native)).to.deep.equal([]);
      }
      const site = (job: string) => asked.find(page => page.path === '/' && page.job === job)?.port;
      expect(site('development'), "the development page on web's port").to.equal(typed(project().entry, 'webPort'));
      if (project().prod) {
        // The port nginx is published on in the stack the job starts (with automatic HTTPS, CI's override publishes it).
        const nginx = (await project().ciConfig()).services.nginx;
        expect(
          (nginx.ports ?? []).map(port => port.published),
          'nginx published in the stack of the production job',
        ).to.include(site('production'));
        if (!project().auto)
          expect(site('production'), "the production page on nginx's port").to.equal(
            typed(project().entry, 'nginxPort'),
          );
      }
    });

    if (prod)
      it("production's job: .github/ci/production-env writes .env/.prod and .env/.prod.db as the generator does, but with fresh secrets, Django's database password the same in both, readable by their owner only; and never replaces them", async () => {
        const [first, second] = await project().ciEnvFiles();
        expect(first.status, describeRun(first)).to.equal(0);
        const written = (folder: string, file: string) => readFileSync(join(folder, file), 'utf8').split('\n');
        const values = new Map<string, string>();
        for (const file of ['.env/.prod', '.env/.prod.db']) {
          const ci = written(first.folder, file);
          const generated = written(project().folder, file);
          expect(ci, file).to.have.length(generated.length);
          for (const [index, line] of ci.entries()) {
            const [key, value] = [line.split('=')[0], line.slice(line.indexOf('=') + 1)];
            if (!CI_SECRETS.includes(key)) {
              expect(line, `${file}:${index + 1}`).to.equal(generated[index]);
              continue;
            }
            expect(value, `${file}: ${key}`).to.match(/^[\w-]{64}$/);
            expect(line, `${file}: ${key} is fresh`).to.not.equal(generated[index]);
            values.set(key, value);
          }
          expect(statSync(join(first.folder, file)).mode & 0o777, file).to.equal(0o600);
        }
        expect(values.get('APP_DB_PASSWORD'), "Django's database password in both files").to.equal(
          values.get('SQL_PASSWORD'),
        );
        expect(new Set(values.values()).size, 'four different secrets').to.equal(4);
        expect(second.status, describeRun(second)).to.equal(1);
        expect(second.stderr).to.match(/exists already: this script writes them only for CI/);
      });

    it('its steps, as the bash scripts GitHub runs, and the scripts of .github/ci pass shellcheck', async () => {
      const result = await project().workflowShellcheck();
      expect(result.status, describeRun(result)).to.equal(0);
      expect(result.stdout + result.stderr, describeRun(result)).to.equal('');
    });
  });
}
