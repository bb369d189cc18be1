// A generated project run natively: its Compose services' environments, its Postgres
// and Redis, and its scripts started as Compose would start them (the Dockerfile's
// ENTRYPOINT and the service's command, mapped from image paths back to the project).
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { runApp, type Run } from '../helpers.js';
import {
  composeConfig,
  freePort,
  Postgres,
  type Proc,
  Redis,
  run,
  runOk,
  scriptEnvironment,
  serviceEnvironment,
  start,
  stopAll,
  tempDir,
  trackDir,
  TOOLS_BIN,
  type ComposeConfig,
  waitUntil,
  type PostgresCredentials,
} from './support.js';

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

/** What the Dockerfile of a service copies where, its ENTRYPOINT and WORKDIR. */
interface ImageScripts {
  copies: Map<string, string>;
  entrypoint: string[];
  workdir: string;
}

function readDockerfile(path: string): ImageScripts {
  const copies = new Map<string, string>();
  let entrypoint: string[] = [];
  let workdir = '/';
  const text = readFileSync(path, 'utf8').replace(/\\\r?\n/g, ' ');
  for (const line of text.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    const instruction = words[0]?.toUpperCase();
    if (instruction === 'COPY') {
      const args = words.slice(1).filter(word => !word.startsWith('--'));
      if (args.length === 2) copies.set(args[1], args[0].replace(/^\.\//, ''));
    } else if (instruction === 'WORKDIR') {
      workdir = words[1];
    } else if (instruction === 'ENTRYPOINT') {
      const rest = line.trim().slice('ENTRYPOINT'.length).trim();
      entrypoint = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest];
    }
  }
  return { copies, entrypoint, workdir };
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

/** The nginx image's main nginx.conf (worker count, mime types, conf.d include), with every path in a temp folder. */
function mainConf(dir: string, site: string): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${dir}/access.log;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${site};
}
`;
}

/** The options the Compose file gives redis-server (its `command` after the program), if any. */
function redisOptions(config: ComposeConfig): string[] {
  const service = Object.values(config.services).find(svc => /^redis:/.test(svc.image ?? ''));
  const command = service?.command;
  const words = Array.isArray(command) ? command : typeof command === 'string' ? command.split(/\s+/) : [];
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
  home = '';
  readonly procs: Proc[] = [];

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
        ...this.settings.extraEnv,
        ...extra,
      },
      this.home,
    );
  }

  private image(service: string): { image: ImageScripts; context: string; dockerfile: string; svc: { command?: string[] | null; entrypoint?: string[] | null } } {
    const svc = this.config.services[service] as { build?: { context: string; dockerfile?: string }; command?: string[] | null; entrypoint?: string[] | null };
    if (!svc?.build) throw new Error(`Service ${service} is not built from a Dockerfile`);
    const dockerfile = join(svc.build.context, svc.build.dockerfile ?? 'Dockerfile');
    return { image: readDockerfile(dockerfile), context: svc.build.context, dockerfile, svc };
  }

  /**
   * The project files a service runs: the image's ENTRYPOINT and the service's command
   * (or `command` instead, as `docker compose run SERVICE COMMAND` would), each image
   * path mapped back to the script the Dockerfile copies there. Words that are not
   * copied scripts (`python`, `manage.py`) stay as they are.
   */
  serviceArgv(service: string, command?: string[], placement: Placement = {}): { argv: string[]; notes: string[] } {
    const { image, context, dockerfile, svc } = this.image(service);
    const entry = svc.entrypoint ?? image.entrypoint;
    const cmd = command ?? svc.command ?? [];
    const notes: string[] = [];
    const argv: string[] = [];
    for (const [index, arg] of [...entry, ...cmd].entries()) {
      const source = image.copies.get(arg);
      if (!source) {
        if (index < entry.length || command === undefined) {
          throw new Error(`${service}: "${arg}" (from ${JSON.stringify([...entry, ...cmd])}) is not a script that ${relative(this.project, dockerfile)} copies (copies: ${[...image.copies.keys()].join(', ')})`);
        }
        argv.push(arg);
        continue;
      }
      const file = isAbsolute(source) ? source : join(context, source);
      if (!existsSync(file)) throw new Error(`${service}: ${relative(this.project, file)} does not exist`);
      argv.push('bash', this.nativeScript(file, image.workdir, notes, placement));
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

  /** Starts a Compose service's process natively: `bash <entrypoint> bash <start script>`. */
  startService(service: string, label = service, extra: Record<string, string> = {}, command?: string[], placement: Placement = {}): Proc {
    const { argv, notes } = this.serviceArgv(service, command, placement);
    if (placement.bind && !notes.some(note => note.includes(placement.bind![1]))) {
      throw new Error(`${service}: no script of it binds ${placement.bind[0]}; this test (and probably the container setup) needs updating.`);
    }
    const shown = argv.map(arg => (arg.startsWith(this.project) || !isAbsolute(arg) ? arg : `<tmp>/${arg.split('/').pop()}`)).join(' ');
    const proc = start(`${label} (${shown}${notes.length ? `; ${notes.join('; ')}` : ''})`, argv[0], argv.slice(1), { cwd: this.project, env: this.env(service, extra) });
    this.procs.push(proc);
    return proc;
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
    return run(join(TOOLS_BIN, 'python'), ['manage.py', ...args], { cwd: this.project, env: this.env(service, extra), timeoutMs: 120_000 });
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
    writeFileSync(join(dir, 'nginx.conf'), mainConf(dir, join(dir, 'default.conf')));
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
    const problems = await stopAll(this.procs);
    for (const service of [this.redis, this.pg]) {
      try {
        await service?.stop();
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return problems;
  }
}
