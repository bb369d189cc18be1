// A generated project run natively: its Compose services' environments, its Postgres
// and Redis, and its scripts started as Compose would start them (the Dockerfile's
// ENTRYPOINT and the service's command, mapped from image paths back to the project).
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { runApp, type Run } from '../helpers.js';
import { composeConfig, serviceEnvironment, type ComposeConfig, type ComposeService } from '../support/compose.js';
import { buildFromContext, readDockerfile, type Build } from '../support/dockerfile.js';
import { nginxMainConf } from '../support/nginx.js';
import { runOk, runSync } from '../support/run.js';
import { TOOLS_BIN } from '../support/tools.js';
import { freePort, IN_TRIXIE, Postgres, type PostgresCredentials, type Proc, Redis, requireFreePort, scriptEnvironment, SmtpServer, start, stopAll, tempDir, trackDir, TRIXIE_ROOT, waitUntil } from './support.js';

/** Set for the run: beat sends the heartbeat every second; lost tasks return after 5 s. */
export const TEST_SETTINGS = { CELERY_HEARTBEAT_SECONDS: '1', CELERY_VISIBILITY_TIMEOUT: '5' };

/** What a project generated with the default answers is named and logs in to Postgres with. */
export const DEFAULT_PROJECT = { name: 'django_celery_example', db: 'hello_django', user: 'hello_django' };

/** A kind of project a runtime suite generates and runs. */
export interface RuntimeScenario {
  title: string;
  /** Options for `yo django-celery`. */
  options: Record<string, unknown>;
  expected: { name: string; db: string; user: string };
  /** Start Postgres only after the entrypoint has been waiting for it for a while. */
  lateDatabase: boolean;
}

export interface ProjectOptions {
  /** Options for `yo django-celery` (runApp). */
  options: Record<string, unknown>;
  /** The Compose files to resolve, relative to the project. */
  composeFiles?: string[];
  /** The Compose service holding the database (its POSTGRES_* are read). */
  dbService?: string;
  /** Settings for the test run (on top of the loopback hosts). */
  extraEnv?: Record<string, string>;
}

/**
 * The generated site conf made runnable here: nginx on a free loopback port, the volumes'
 * paths at the project's folders. Every replaced line must be there, so a change in the
 * template is noticed.
 */
function nativeSiteConf(conf: string, replacements: [RegExp, string][]): string {
  let out = conf;
  for (const [pattern, value] of replacements) {
    if (!pattern.test(out)) throw new Error(`The generated nginx.conf has no line matching ${pattern}; this test (and probably the Compose setup) needs updating.`);
    out = out.replace(pattern, value);
  }
  return out;
}

/** The options the Compose file gives redis-server (its `command` after the program), if any. */
function redisOptions(config: ComposeConfig): string[] {
  const service = Object.values(config.services).find(svc => /^redis:/.test(svc.image ?? ''));
  const command = service?.command;
  const words = Array.isArray(command) ? command : [];
  return words[0] === 'redis-server' ? words.slice(1) : words;
}

/** Where a "container" of the stack runs here: a loopback address of its own. */
export interface Placement {
  /** Replace, in the service's scripts, what the container binds (`0.0.0.0:8000`) with this (`127.0.0.2:8000`). */
  bind?: [string, string];
}

export class RuntimeProject {
  run!: Run;
  project = '';
  name = '';
  config!: ComposeConfig;
  credentials!: PostgresCredentials;
  pg!: Postgres;
  redis!: Redis;
  smtp!: SmtpServer;
  home = '';
  readonly procs: Proc[] = [];
  private worker?: Proc;

  constructor(readonly settings: ProjectOptions) {}

  /** Generates the project, reads Compose's view of it, and picks loopback ports. */
  async generate(): Promise<void> {
    this.run = await runApp(this.settings.options);
    trackDir(this.run.cwd);
    this.project = this.run.project;
    // The folder runApp made is private (0700): let nginx's and Postgres's unprivileged
    // processes reach the project's static files, as they would reach a volume.
    chmodSync(this.run.cwd, 0o755);
    this.name = String(this.settings.options['project-name'] ?? 'django_celery_example');
    this.config = composeConfig(this.project, this.settings.composeFiles);
    const db = serviceEnvironment(this.config, this.settings.dbService ?? 'db');
    this.credentials = { db: db.POSTGRES_DB, user: db.POSTGRES_USER, password: db.POSTGRES_PASSWORD };
    this.pg = new Postgres(await freePort());
    this.redis = new Redis(await freePort(), redisOptions(this.config));
    this.smtp = new SmtpServer(await freePort());
    this.home = tempDir('home');
  }

  /** The environment of `service` as Compose gives it, hosts pointed at loopback. */
  env(service: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return scriptEnvironment(
      serviceEnvironment(this.config, service),
      {
        SQL_HOST: '127.0.0.1',
        SQL_PORT: String(this.pg.port),
        CELERY_BROKER: this.redis.url,
        CELERY_BACKEND: this.redis.url,
        EMAIL_HOST: '127.0.0.1',
        EMAIL_PORT: String(this.smtp.port),
        ...this.settings.extraEnv,
        ...extra,
      },
      this.home,
    );
  }

  /** What the image of `service` holds from the project (its Dockerfile read for its target stage). */
  private image(service: string): { build: Build; dockerfile: string; svc: ComposeService } {
    const svc = this.config.services[service];
    if (!svc?.build) throw new Error(`Service ${service} is not built from a Dockerfile`);
    const dockerfile = join(svc.build.context, svc.build.dockerfile ?? 'Dockerfile');
    return { build: buildFromContext(readDockerfile(dockerfile), svc.build.context, svc.build.target), dockerfile, svc };
  }

  /**
   * The project files a service runs: the image's ENTRYPOINT and the service's command
   * (or `command` instead, as `docker compose run SERVICE COMMAND` would), each image
   * path mapped back to the script the Dockerfile copies there. Words that are not
   * copied scripts (`python`, `manage.py`) stay as they are.
   */
  serviceArgv(service: string, command?: string[], placement: Placement = {}): { argv: string[]; notes: string[] } {
    const { build, dockerfile, svc } = this.image(service);
    const entry = svc.entrypoint ?? build.entrypoint ?? [];
    const cmd = command ?? svc.command ?? [];
    const notes: string[] = [];
    const argv: string[] = [];
    for (const [index, arg] of [...entry, ...cmd].entries()) {
      const copied = build.files.get(arg);
      if (!copied || copied.fromFolder) {
        if (index < entry.length || command === undefined) {
          const scripts = [...build.files].filter(([, file]) => !file.fromFolder).map(([path]) => path);
          throw new Error(`${service}: "${arg}" (from ${JSON.stringify([...entry, ...cmd])}) is not a script that ${relative(this.project, dockerfile)} copies (copies: ${scripts.join(', ')})`);
        }
        argv.push(arg);
        continue;
      }
      argv.push('bash', this.nativeScript(join(svc.build!.context, copied.source), build.workdir, notes, placement));
    }
    return { argv, notes };
  }

  /**
   * The script to run for `file`: the file itself (relative to the project), or, when it
   * names the image's WORKDIR (where the project lives in the image), a copy in a
   * temporary folder with that path replaced by the project folder.
   */
  private nativeScript(file: string, workdir: string, notes: string[], placement: Placement = {}): string {
    let text = readFileSync(file, 'utf8');
    const name = relative(this.project, file);
    let changed = false;
    if (workdir !== '/' && workdir.startsWith('/')) {
      const escaped = workdir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`(?<![\\w./-])${escaped}(?=[/\\s"']|$)`, 'gm');
      if (pattern.test(text)) {
        text = text.replace(pattern, this.project);
        notes.push(`${name} with ${workdir} (the image's WORKDIR) read as the project folder`);
        changed = true;
      }
    }
    if (placement.bind && text.includes(placement.bind[0])) {
      text = text.replaceAll(placement.bind[0], placement.bind[1]);
      notes.push(`${name} binding ${placement.bind[1]}, its container's address here`);
      changed = true;
    }
    if (!changed) return name;
    const copy = join(tempDir('script'), name.replaceAll('/', '_'));
    writeFileSync(copy, text);
    return copy;
  }

  /**
   * Whether a service's scripts run watchfiles (the development worker and beat): a
   * compiled extension that bookworm's Python 3.11 cannot load, so they run inside the
   * Debian trixie root that install-tools.sh builds (Python 3.13, the images' default).
   */
  runsInTrixie(service: string): boolean {
    return this.serviceArgv(service).argv.some(arg => arg.endsWith('start') && /^exec watchfiles /m.test(readFileSync(join(this.project, arg), 'utf8')));
  }

  /** Where a path of a service's file system lies on this machine. */
  hostPath(service: string, path: string): string {
    return this.runsInTrixie(service) ? join(TRIXIE_ROOT, path) : path;
  }

  /**
   * Starts a Compose service's process: `bash <entrypoint> bash <start script>`, natively,
   * or inside the trixie root (the project folder mounted at the same path) when it runs watchfiles.
   */
  startService(service: string, label = service, extra: Record<string, string> = {}, command?: string[], placement: Placement = {}): Proc {
    const { argv, notes } = this.serviceArgv(service, command, placement);
    if (placement.bind && !notes.some(note => note.includes(placement.bind![1]))) {
      throw new Error(`${service}: no script of it binds ${placement.bind[0]}; this test (and probably the container setup) needs updating.`);
    }
    const shown = argv.map(arg => (arg.startsWith(this.project) || !isAbsolute(arg) ? arg : `<tmp>/${arg.split('/').pop()}`)).join(' ');
    const env = this.env(service, extra);
    if (command === undefined && this.runsInTrixie(service)) {
      if (argv.some(arg => isAbsolute(arg) && !arg.startsWith(`${this.project}/`) && arg !== 'bash')) throw new Error(`${service}: ${argv.join(' ')} names files outside the project, which the trixie root does not hold`);
      const proc = start(`${label} in the trixie root (${shown})`, IN_TRIXIE, [this.project, ...argv], { cwd: this.project, env: { ...env, HOME: '/root' } });
      this.procs.push(proc);
      return proc;
    }
    const proc = start(`${label} (${shown}${notes.length ? `; ${notes.join('; ')}` : ''})`, argv[0], argv.slice(1), { cwd: this.project, env });
    this.procs.push(proc);
    return proc;
  }

  /** Starts a Celery worker and waits until it is ready. */
  async startWorker(label = 'celery_worker'): Promise<Proc> {
    // Without Postgres the entrypoint would wait for ever: say why instead.
    if (!this.pg.proc?.alive()) throw new Error('Postgres is not running (an earlier step failed): the worker cannot start.');
    this.worker = this.startService('celery_worker', label);
    await this.worker.waitFor(/celery@\S+ ready\./, 60_000);
    return this.worker;
  }

  /** The running worker, started when none runs. */
  async ensureWorker(): Promise<Proc> {
    return this.worker && !this.worker.exited ? this.worker : this.startWorker();
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop();
  }

  /** `docker compose run --rm SERVICE COMMAND...`, natively: the entrypoint, then the command. */
  async runInService(service: string, command: string[], timeoutMs = 120_000): Promise<Proc> {
    const proc = this.startService(service, `${service} run ${command.join(' ')}`, {}, command);
    await proc.waitForExit(timeoutMs);
    return proc;
  }

  /**
   * Flower's start script, as far as it can go here: it waits while no worker answers
   * `inspect ping`, goes on once `startWorker` has one running, and execs `celery ...
   * flower`, which fails for want of the package. Returns the finished process.
   */
  async flowerUpToCeleryFlower(startWorker: () => Promise<unknown>): Promise<Proc> {
    const flower = this.startService('flower');
    await waitUntil('Flower to wait for a worker twice', () => flower.count(/Waiting for a Celery worker/) >= 2, 60_000, () => flower.describe());
    if (flower.output.includes('A Celery worker is available')) throw new Error(`Flower went on without a worker:\n${flower.describe()}`);
    await startWorker();
    await flower.waitFor(/A Celery worker is available/, 60_000);
    await flower.waitForExit(30_000);
    return flower;
  }

  /** `python manage.py shell -c CODE` in the web service's environment; its stdout. */
  shell(code: string, service = 'web', timeoutMs = 90_000): string {
    return runOk(join(TOOLS_BIN, 'python'), ['manage.py', 'shell', '-c', code], { cwd: this.project, env: this.env(service), timeoutMs });
  }

  /** `python manage.py ARGS` in a service's environment (the raw result). */
  manage(args: string[], service = 'web', extra: Record<string, string> = {}) {
    return runSync(join(TOOLS_BIN, 'python'), ['manage.py', ...args], { cwd: this.project, env: this.env(service, extra), timeoutMs: 120_000 });
  }

  /** The fenced `sh` block of the project's README.md that matches `pattern`. */
  readmeBlock(pattern: RegExp): string {
    const blocks = [...readFileSync(join(this.project, 'README.md'), 'utf8').matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map(match => match[1]);
    const block = blocks.find(text => pattern.test(text));
    if (block === undefined) throw new Error(`README.md has no sh block matching ${pattern}`);
    return block;
  }

  /**
   * Runs a README block as written, with bash, in the project folder. Its `docker compose
   * exec SERVICE COMMAND` runs COMMAND here, in web's environment (redis-cli at the test's
   * Redis): a stand-in `docker` that knows that command only, and fails on any other.
   */
  runReadme(block: string): string {
    const bin = tempDir('docker-shim');
    writeFileSync(
      join(bin, 'docker'),
      [
        '#!/bin/bash',
        'set -euo pipefail',
        '[ "$1 $2" = "compose exec" ] || { echo "this stand-in runs only docker compose exec, not: docker $*" >&2; exit 2; }',
        'shift 2',
        'if [ "$1" = -T ]; then shift; fi',
        'service=$1',
        'shift',
        'case $service in',
        '  web) exec "$@" ;;',
        '  redis) [ "$1" = redis-cli ] || exit 2; shift; exec redis-cli -p "$TEST_REDIS_PORT" "$@" ;;',
        '  *) echo "no stand-in for the service $service" >&2; exit 2 ;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'docker'), 0o755);
    const env = this.env('web');
    return runOk('bash', ['-euo', 'pipefail', '-c', block], { cwd: this.project, env: { ...env, PATH: `${bin}:${env.PATH}`, TEST_REDIS_PORT: String(this.redis.port) }, timeoutMs: 90_000 });
  }

  /** Sends `divide(x, y)` and returns the task id without waiting for it. */
  sendDivide(x: number, y: number): string {
    const out = this.shell(`from ${this.name}.celery import divide\nprint(divide.delay(${x}, ${y}).id)`);
    return out.trim().split('\n').pop()!.trim();
  }

  /** Waits (in a client process) for a task's result through the result backend. */
  resultOf(id: string, timeoutS: number): unknown {
    const out = this.shell(
      `import json\nfrom ${this.name}.celery import app\nprint(json.dumps(app.AsyncResult(${JSON.stringify(id)}).get(timeout=${timeoutS})))`,
      'web',
      (timeoutS + 30) * 1000,
    );
    return JSON.parse(out.trim().split('\n').pop()!);
  }

  /**
   * nginx with the generated nginx.conf, as the image includes it, made runnable here:
   * nginx on a free loopback port, the volumes' paths at the project's folders. Service
   * names stay as written: nginx asks the DNS server on 127.0.0.11 (a Dnsmasq the test
   * runs, as Docker's embedded DNS) where each service is.
   */
  async startNginx(): Promise<{ proc: Proc; port: number }> {
    const port = await freePort();
    const dir = tempDir('nginx');
    const generated = readFileSync(join(this.project, 'compose', 'production', 'nginx', 'nginx.conf'), 'utf8');
    const site = nativeSiteConf(generated, [
      [/^resolver\s+127\.0\.0\.11\b[^;]*;/m, '$&'],
      [/listen\s+80\s*;/, `listen 127.0.0.1:${port};`],
      [/alias\s+\/app\/staticfiles\/\s*;/, `alias ${join(this.project, 'staticfiles')}/;`],
      [/alias\s+\/app\/mediafiles\/\s*;/, `alias ${join(this.project, 'mediafiles')}/;`],
    ]);
    writeFileSync(join(dir, 'default.conf'), site);
    writeFileSync(join(dir, 'nginx.conf'), nginxMainConf(dir, join(dir, 'default.conf'), 'stderr'));
    const proc = start('nginx', '/usr/sbin/nginx', ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], {
      cwd: dir,
      env: { PATH: '/usr/sbin:/usr/bin:/bin' },
      stopSignal: 'SIGQUIT',
    });
    this.procs.push(proc);
    return { proc, port };
  }

  async startDatabase(): Promise<void> {
    await this.pg.start(this.credentials);
  }

  /** Stops this project's processes (newest first), then its Redis and Postgres. */
  async stop(): Promise<string[]> {
    const problems = await stopAll([this.smtp, this.pg, this.redis, ...this.procs]);
    // The empty folders in-trixie made in the trixie root to mount the project on (the
    // mounts themselves ended with their processes' mount namespaces).
    if (this.run) rmSync(join(TRIXIE_ROOT, this.run.cwd), { recursive: true, force: true });
    return problems;
  }
}

/**
 * The hooks of a scenario's suite: generate the project, start Redis (and Postgres,
 * unless it is to come late) before its tests; stop everything after them.
 */
export function projectHooks(app: RuntimeProject, scenario: RuntimeScenario, fixedPort: { port: number; who: string }, prepare = () => {}): void {
  before(async function () {
    this.timeout(120_000);
    await requireFreePort(fixedPort.port, fixedPort.who);
    await app.generate();
    prepare();
    await app.redis.start();
    if (!scenario.lateDatabase) await app.startDatabase();
  });

  after(async function () {
    this.timeout(120_000);
    const problems = await app.stop();
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });
}
