// The projects this tier checks (the matrix), and each project's tool runs: started all
// at once right after the project is generated, awaited by the checks that need them.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { ANSWERS, VERSIONS, type AnswerName } from '../../src/generators/lib/answers/answers.js';
import { runApp } from '../helpers.js';
import { AUTO_HTTPS, HOSTILE_PASSWORD } from '../fixtures.js';
import { configArgs, localEnvironment, type ComposeConfig } from '../support/compose.js';
import { buildFromContext, readDockerfile, type Build, type Dockerfile } from '../support/dockerfile.js';
import { nginxMainConf } from '../support/nginx.js';
import type { Ran } from '../support/run.js';
import { runTool } from '../support/tools.js';
import { composeCommands, readWorkflow, type ParsedWorkflow } from '../support/workflow.js';
import { CADDYFILE, runCaddy } from './caddy.js';
import { WORKFLOW } from './github.js';

export interface MatrixEntry {
  /** Completes "project with ...". */
  title: string;
  options: Record<string, string | boolean>;
}

const VERSION_OPTIONS = {
  python: 'python-version',
  django: 'django-version',
  postgres: 'postgres-version',
  redis: 'redis-version',
} as const satisfies Record<keyof typeof VERSIONS, string>;

/** The answer as typed in the entry's options, or its default. */
export function typed(entry: MatrixEntry, name: AnswerName): string {
  const spec = ANSWERS.find(answer => answer.name === name)!;
  const given = entry.options[spec.option];
  return given === undefined ? String(spec.default) : String(given);
}

const defaultOf = (option: string) => String(ANSWERS.find(spec => spec.option === option)!.default);

/**
 * The defaults; custom ports with a hostile password and user, behind a TLS proxy;
 * production on; automatic HTTPS; and every value of each version option that the two
 * first do not already take (with production, so that both stacks see it).
 */
export const MATRIX: MatrixEntry[] = [
  { title: 'the defaults', options: {} },
  {
    title:
      'custom ports, a hostile Postgres password and user, and production behind a TLS proxy (--https proxy) with nginx on loopback',
    options: {
      'project-name': 'shop_backend',
      'web-port': '18000',
      'flower-port': '15555',
      'mail-port': '18025',
      'publish-all': true,
      'postgres-db': 'Orders_DB',
      'postgres-user': '_Robert_Tables',
      'postgres-password': HOSTILE_PASSWORD,
      prod: true,
      https: 'proxy',
      'nginx-port': '10080',
      'nginx-loopback': true,
      'allowed-hosts': 'shop.example.com .example.org 127.0.0.1',
      'flower-user': 'ops.team-1',
    },
  },
  { title: 'production on', options: { prod: true } },
  {
    title: "beat's database scheduler, production and the Kubernetes manifests",
    options: { 'beat-scheduler': 'database', prod: true, kubernetes: true },
  },
  { title: 'production with automatic HTTPS (--https auto, Caddy)', options: { prod: true, ...AUTO_HTTPS } },
  ...Object.entries(VERSIONS).flatMap(([tool, values]) => {
    const option = VERSION_OPTIONS[tool as keyof typeof VERSIONS];
    return values
      .filter(value => value !== defaultOf(option))
      .map(value => ({ title: `${option} ${value} and production`, options: { [option]: value, prod: true } }));
  }),
];

/** The files a production project adds. */
const PROD_COMPOSE = 'docker-compose.prod.yml';
export const COMPOSE_FILES = ['docker-compose.yml', PROD_COMPOSE] as const;
export type ComposeFile = (typeof COMPOSE_FILES)[number];

/** One memoized run per key; its rejection (a missing tool) is handled where it is awaited. */
class Runs {
  private readonly runs = new Map<string, Promise<unknown>>();

  once<T>(key: string, start: () => Promise<T>): Promise<T> {
    let promise = this.runs.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = start();
      promise.catch(() => undefined);
      this.runs.set(key, promise);
    }
    return promise;
  }
}

export interface DockerBuild {
  /** Services built from it. */
  services: string[];
  dockerfile: string;
  context: string;
  target?: string;
}

export class ProjectUnderTest {
  private readonly runs = new Runs();
  /** Scratch space of this project's checks. */
  readonly scratch = mkdtempSync(join(tmpdir(), 'tools-tier-'));

  constructor(
    readonly entry: MatrixEntry,
    /** The generated project's folder. */
    readonly folder: string,
    /** The folder the generator ran in, which holds it. */
    readonly parent = folder,
  ) {}

  /** Removes the project and the scratch space of its checks. */
  remove(): void {
    rmSync(this.scratch, { recursive: true, force: true });
    rmSync(this.parent, { recursive: true, force: true });
  }

  get prod(): boolean {
    return this.entry.options.prod === true;
  }

  /** How HTTPS reaches production (--https): off, proxy or auto. */
  get https(): string {
    return this.prod ? typed(this.entry, 'https') : 'off';
  }

  get auto(): boolean {
    return this.https === 'auto';
  }

  get composeFiles(): ComposeFile[] {
    return this.prod ? [...COMPOSE_FILES] : ['docker-compose.yml'];
  }

  read(path: string): string {
    return readFileSync(join(this.folder, path), 'utf8');
  }

  /** `docker-compose config` as a user runs it in the project (`-f` for the production file). */
  composeConfigText(file: ComposeFile): Promise<Ran> {
    return this.runs.once(`config ${file}`, () =>
      runTool('docker-compose', configArgs([file], false), { cwd: this.folder }),
    );
  }

  /** The resolved configuration, or an error that shows the failed run; `env`: variables of the shell Compose runs in. */
  composeConfig(file: ComposeFile, env: Record<string, string> = {}): Promise<ComposeConfig> {
    return this.runs.once(`config json ${file} ${JSON.stringify(env)}`, async () => {
      const result = await runTool('docker-compose', configArgs([file], true), { cwd: this.folder, env });
      if (result.status !== 0) throw new Error(`\`${result.command}\` exited ${result.status}:\n${result.stderr}`);
      return JSON.parse(result.stdout) as ComposeConfig;
    });
  }

  /** The Compose files ci.yml's production job starts its stack with (its `up`): the stack's, then the overrides. */
  async ciFiles(): Promise<string[]> {
    const up = (await this.workflow()).steps
      .filter(step => step.job === 'production')
      .flatMap(step => composeCommands(step.run ?? ''))
      .find(command => command.subcommand === 'up');
    if (!up) throw new Error(`${WORKFLOW}: the production job runs no \`docker compose up\``);
    return [up.file, ...up.overrides];
  }

  /** `docker-compose -f FILE... ARGS` with the files of CI's production stack. */
  ciCompose(args: string[]): Promise<Ran> {
    return this.runs.once(`ci compose ${args.join(' ')}`, async () =>
      runTool('docker-compose', [...(await this.ciFiles()).flatMap(file => ['-f', file]), ...args], {
        cwd: this.folder,
      }),
    );
  }

  /** The resolved configuration of the stack CI starts, or an error that shows the failed run. */
  async ciConfig(): Promise<ComposeConfig> {
    const result = await this.ciCompose(['config', '--format', 'json']);
    if (result.status !== 0) throw new Error(`\`${result.command}\` exited ${result.status}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as ComposeConfig;
  }

  /** The Dockerfiles a Compose file builds, each with the services built from it. */
  async builds(file: ComposeFile): Promise<DockerBuild[]> {
    const config = await this.composeConfig(file);
    const builds = new Map<string, DockerBuild>();
    for (const [name, service] of Object.entries(config.services)) {
      if (!service.build) continue;
      const dockerfile = join(service.build.context, service.build.dockerfile ?? 'Dockerfile');
      const key = `${dockerfile} ${service.build.context} ${service.build.target ?? ''}`;
      const build = builds.get(key) ?? {
        services: [],
        dockerfile,
        context: service.build.context,
        target: service.build.target,
      };
      build.services.push(name);
      builds.set(key, build);
    }
    return [...builds.values()];
  }

  /** Parses a Dockerfile and works out which context files its target stage holds. */
  image(build: DockerBuild): { dockerfile: Dockerfile; build: Build } {
    const dockerfile = readDockerfile(build.dockerfile);
    return { dockerfile, build: buildFromContext(dockerfile, build.context, build.target) };
  }

  relative(path: string): string {
    return relative(this.folder, path);
  }

  /** Every file under compose/ that starts with a shebang: the scripts the images run. */
  scripts(): string[] {
    const walk = (folder: string): string[] =>
      readdirSync(join(this.folder, folder))
        .sort()
        .flatMap(name => {
          const path = `${folder}/${name}`;
          if (statSync(join(this.folder, path)).isDirectory()) return walk(path);
          return readFileSync(join(this.folder, path)).subarray(0, 2).toString() === '#!' ? [path] : [];
        });
    return walk('compose');
  }

  shellcheck(): Promise<Ran> {
    return this.runs.once('shellcheck', () =>
      runTool('shellcheck', ['--format=gcc', ...this.scripts()], { cwd: this.folder }),
    );
  }

  /** .github/workflows/ci.yml as GitHub's own parser reads it. */
  workflow(): Promise<ParsedWorkflow> {
    return this.runs.once('workflow', () => readWorkflow(WORKFLOW, this.read(WORKFLOW)));
  }

  /** The scripts of .github/ci (production's CI settings): its files that start with a shebang. */
  ciScripts(): string[] {
    const folder = join(this.folder, '.github', 'ci');
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .sort()
      .filter(name => readFileSync(join(folder, name)).subarray(0, 2).toString() === '#!')
      .map(name => `.github/ci/${name}`);
  }

  /**
   * `bash .github/ci/production-env` run twice in an empty folder with `.env/`, as in
   * CI's checkout: the folder it wrote in, and both runs.
   */
  ciEnvFiles(): Promise<Array<Ran & { folder: string }>> {
    return this.runs.once('production-env', async () => {
      const folder = join(this.scratch, 'ci-checkout');
      mkdirSync(join(folder, '.env'), { recursive: true });
      const script = join(this.folder, '.github', 'ci', 'production-env');
      const first = await runTool('bash', [script], { cwd: folder });
      const second = await runTool('bash', [script], { cwd: folder });
      return [first, second].map(ran => ({ ...ran, folder }));
    });
  }

  /**
   * shellcheck on each `run` of ci.yml, written out as the bash script GitHub runs
   * (`bash -e` with pipefail: the workflow's default shell), and on .github/ci.
   */
  workflowShellcheck(): Promise<Ran> {
    return this.runs.once('workflow shellcheck', async () => {
      const folder = join(this.scratch, 'workflow-steps');
      mkdirSync(folder, { recursive: true });
      const steps = (await this.workflow()).steps.filter(step => step.run !== undefined);
      const files = steps.map((step, index) => {
        const file = join(folder, `${step.job}-${index + 1}.sh`);
        writeFileSync(
          file,
          `#!/bin/bash
# ${step.job}: ${step.name}
set -eo pipefail
${step.run}`,
        );
        return file;
      });
      return runTool('shellcheck', ['--format=gcc', ...files, ...this.ciScripts()], { cwd: this.folder });
    });
  }

  /**
   * `nginx -t` on the generated configuration laid out as the nginx image lays it out,
   * with the upstream hosts (services of the stack) pointed at 127.0.0.1.
   */
  nginxTest(): Promise<Ran> {
    return this.runs.once('nginx -t', async () => {
      const config = await this.composeConfig(PROD_COMPOSE);
      const nginx = (await this.builds(PROD_COMPOSE)).find(build => build.services.includes('nginx'));
      if (!nginx) throw new Error(`${PROD_COMPOSE} builds no nginx service`);
      const { build } = this.image(nginx);
      const copied = [...build.files].filter(([imagePath]) => imagePath.startsWith('/etc/nginx/'));
      if (copied.length === 0)
        throw new Error(`${this.relative(nginx.dockerfile)} copies no configuration into /etc/nginx`);
      const prefix = join(this.scratch, 'nginx');
      mkdirSync(join(prefix, 'conf.d'), { recursive: true });
      const services = Object.keys(config.services);
      let main: string | undefined;
      for (const [imagePath, file] of copied) {
        const original = readFileSync(join(nginx.context, file.source), 'utf8');
        // `server web:8000;` in an upstream block, or `proxy_pass http://web:8000`; not
        // `proxy_pass http://django`, which names an upstream block.
        const upstreams = [...original.matchAll(/\bupstream\s+([^\s{]+)\s*\{/g)].map(match => match[1]);
        const text = original.replace(
          /(\bserver\s+|:\/\/)([A-Za-z0-9_.-]+)(?=[:;/\s])/g,
          (whole, before: string, host: string) =>
            services.includes(host) && !(before === '://' && upstreams.includes(host)) ? `${before}127.0.0.1` : whole,
        );
        if (imagePath === '/etc/nginx/nginx.conf') main = text;
        else if (imagePath.startsWith('/etc/nginx/conf.d/'))
          writeFileSync(join(prefix, 'conf.d', basename(imagePath)), text);
        else throw new Error(`${imagePath}: this check knows only /etc/nginx/nginx.conf and /etc/nginx/conf.d/`);
      }
      writeFileSync(join(prefix, 'nginx.conf'), main ?? nginxMainConf(prefix, `${prefix}/conf.d/*.conf`));
      return runTool('nginx', ['-t', '-p', `${prefix}/`, '-e', `${prefix}/error.log`, '-c', `${prefix}/nginx.conf`], {
        cwd: this.folder,
      });
    });
  }

  /** The file of the project that the caddy image holds as its configuration (CADDYFILE). */
  async caddyfile(): Promise<string> {
    const caddy = (await this.builds(PROD_COMPOSE)).find(build => build.services.includes('caddy'));
    if (!caddy) throw new Error(`${PROD_COMPOSE} builds no caddy service`);
    const copied = this.image(caddy).build.files.get(CADDYFILE);
    if (!copied) throw new Error(`${this.relative(caddy.dockerfile)} copies nothing to ${CADDYFILE}`);
    return join(caddy.context, copied.source);
  }

  /** `caddy validate` or `caddy adapt` (the JSON it prints) of the image's Caddyfile. */
  caddy(subcommand: 'validate' | 'adapt'): Promise<Ran> {
    return this.runs.once(`caddy ${subcommand}`, async () =>
      runCaddy(this.folder, [subcommand, '--config', await this.caddyfile(), '--adapter', 'caddyfile']),
    );
  }

  /** Environment of a service of a Compose file, for running its code on this machine. */
  async environment(file: ComposeFile, service = 'web'): Promise<Record<string, string>> {
    return localEnvironment(await this.composeConfig(file), service);
  }

  /** The development environment with SQLite in the scratch folder: no Postgres runs in this tier. */
  async sqliteEnvironment(): Promise<Record<string, string>> {
    return {
      ...(await this.environment('docker-compose.yml')),
      SQL_ENGINE: 'django.db.backends.sqlite3',
      SQL_DATABASE: join(this.scratch, 'db.sqlite3'),
    };
  }

  python(key: string, args: string[], env: () => Promise<Record<string, string>>): Promise<Ran> {
    return this.runs.once(key, async () => runTool('python', args, { cwd: this.folder, env: await env() }));
  }

  compileAll(): Promise<Ran> {
    return this.python('compileall', ['-m', 'compileall', '-q', '-f', '.'], async () => ({
      PYTHONPYCACHEPREFIX: join(this.scratch, 'pycache'),
    }));
  }

  check(): Promise<Ran> {
    return this.python('check', ['manage.py', 'check', '--fail-level', 'WARNING'], () =>
      this.environment('docker-compose.yml'),
    );
  }

  /** `check --deploy` with the settings of docker-compose.prod.yml, and `extra` on top (`DJANGO_SECURE_PROXY=1`). */
  checkDeploy(extra: Record<string, string> = {}): Promise<Ran> {
    const key = ['check --deploy', ...Object.entries(extra).map(([name, value]) => `${name}=${value}`)].join(' ');
    return this.python(key, ['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'], async () => ({
      ...(await this.environment(PROD_COMPOSE)),
      ...extra,
    }));
  }

  makemigrations(): Promise<Ran> {
    return this.python('makemigrations', ['manage.py', 'makemigrations', '--check', '--dry-run'], () =>
      this.sqliteEnvironment(),
    );
  }

  /** `manage.py shell -c code` with the settings of docker-compose.yml, on SQLite. */
  shell(key: string, code: string): Promise<Ran> {
    return this.python(`shell: ${key}`, ['manage.py', 'shell', '-c', code], () => this.sqliteEnvironment());
  }

  tests(): Promise<Ran> {
    return this.python('test', ['manage.py', 'test', '--noinput'], () => this.sqliteEnvironment());
  }

  /** The tests as in a plain checkout: no env file, no service, nothing set but PATH, HOME and LANG. */
  testsWithoutEnvironment(): Promise<Ran> {
    return this.python('test (no environment)', ['manage.py', 'test', '--noinput'], async () => ({}));
  }

  /** Starts every tool run of this project; the checks await them. */
  startAll(): void {
    for (const file of this.composeFiles) {
      void this.composeConfigText(file);
      void this.composeConfig(file).catch(() => undefined);
    }
    // Resolved with the deploying shell's variables too, queued now rather than behind
    // every other project's runs when their checks come.
    void this.composeConfig('docker-compose.yml', HOST_USER_SET).catch(() => undefined);
    if (this.prod) void this.composeConfig(PROD_COMPOSE, REPLICAS_SET).catch(() => undefined);
    const started: Array<Promise<unknown>> = [
      this.shellcheck(),
      this.compileAll(),
      this.check(),
      this.makemigrations(),
      this.tests(),
      this.testsWithoutEnvironment(),
      this.workflowShellcheck(),
    ];
    if (this.prod)
      started.push(this.nginxTest(), this.checkDeploy(), this.checkDeploy(SECURE_PROXY_ON), this.ciEnvFiles());
    if (this.https === 'proxy') started.push(this.checkDeploy(SECURE_PROXY_OFF));
    if (this.auto)
      started.push(
        this.caddy('validate'),
        this.caddy('adapt'),
        this.ciConfig(),
        this.ciCompose(['config', '--quiet']),
        this.ciCompose(['config', '--services']),
        this.ciCompose(['--profile', 'caddy', 'config', '--services']),
      );
    for (const promise of started) promise.catch(() => undefined);
  }
}

/** The deploying shell's variables that the checks of the host user and of the replicas resolve Compose with. */
export const HOST_USER_SET = { HOST_UID: '1234', HOST_GID: '5678' };
export const REPLICAS_SET = { WEB_REPLICAS: '3', CELERY_WORKER_REPLICAS: '4' };

/** What .env/.prod says once a TLS proxy is in front of nginx. */
export const SECURE_PROXY_ON = { DJANGO_SECURE_PROXY: '1' };
/** Plain HTTP, as .env/.prod says with --https off. */
export const SECURE_PROXY_OFF = { DJANGO_SECURE_PROXY: '0' };

/** Generates the projects one after the other (yeoman-test changes the working folder) and starts their checks. */
export function generateMatrix(entries: readonly MatrixEntry[]): Array<Promise<ProjectUnderTest>> {
  let previous: Promise<unknown> = Promise.resolve();
  return entries.map(entry => {
    const project = previous.then(async () => {
      const { project: folder, cwd } = await runApp({ defaults: true, ...entry.options });
      if (!existsSync(join(folder, '.yo-rc.json'))) throw new Error(`the generator wrote no project into ${folder}`);
      const generated = new ProjectUnderTest(entry, folder, cwd);
      generated.startAll();
      return generated;
    });
    project.catch(() => undefined);
    previous = project.catch(() => undefined);
    return project;
  });
}
