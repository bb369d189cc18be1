// A generated project run without Docker, in the Debian root of its image's Python: its
// Compose services' environments, the Python environment built from its lock, its
// Postgres and Redis, and its scripts started as Compose would start them (the
// Dockerfile's ENTRYPOINT and the service's command, mapped from image paths back to
// the project), each in a container of its own.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { runApp, type Run } from '../helpers.js';
import {
  composeConfig,
  defaultSubnet,
  serviceEnvironment,
  type ComposeConfig,
  type ComposeService,
} from '../support/compose.js';
import { buildFromContext, readDockerfile, words, type Build, type Dockerfile } from '../support/dockerfile.js';
import { nginxMainConf } from '../support/nginx.js';
import { describeRun, type Ran, run, runSync } from '../support/run.js';
import {
  buildEnv,
  container,
  type Container,
  envVariables,
  nginxRoot,
  type PythonEnv,
  Root,
  ROOT_PYTHON,
} from './roots.js';
import {
  freePort,
  Postgres,
  type PostgresCredentials,
  type Proc,
  Redis,
  requireFreePort,
  scriptEnvironment,
  SmtpServer,
  start,
  stopAll,
  tempDir,
  trackDir,
} from './support.js';

/** Set for the run: beat sends the heartbeat every second; lost tasks return after 5 s. */
export const TEST_SETTINGS = { CELERY_HEARTBEAT_SECONDS: '1', CELERY_VISIBILITY_TIMEOUT: '5' };

/** Where the test's TLS proxy connects from: nginx's trusted network (the stack's subnet) read as this one address. */
export const TLS_PROXY_ADDRESS = '127.0.0.9';

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
    if (!pattern.test(out))
      throw new Error(
        `The generated nginx.conf has no line matching ${pattern}; this test (and probably the Compose setup) needs updating.`,
      );
    out = out.replace(pattern, value);
  }
  return out;
}

/** The options the Compose file gives redis-server (its `command` after the program), if any. */
export function redisOptions(config: ComposeConfig): string[] {
  const service = Object.values(config.services).find(svc => /^redis:/.test(svc.image ?? ''));
  const command = service?.command;
  const words = Array.isArray(command) ? command : [];
  return words[0] === 'redis-server' ? words.slice(1) : words;
}

/** The image a target stage starts from, following its stages back to the first. */
function baseImage(dockerfile: Dockerfile, target?: string): string {
  let stage = target ? dockerfile.stages.find(s => s.name === target.toLowerCase()) : dockerfile.stages.at(-1);
  for (;;) {
    const base = stage!.base.toLowerCase();
    const parent = dockerfile.stages.slice(0, dockerfile.stages.indexOf(stage!)).find(s => s.name === base);
    if (!parent) return stage!.base;
    stage = parent;
  }
}

/** The requirements (-r) and constraints (-c) files of the target stage's last `pip install`, as image paths. */
function pipInstall(dockerfile: Dockerfile, target?: string): { requirements: string[]; constraints: string[] } {
  const stage = target ? dockerfile.stages.find(s => s.name === target.toLowerCase()) : dockerfile.stages.at(-1);
  const run = stage?.instructions.filter(i => i.keyword === 'RUN' && /\bpip install\b/.test(i.args)).at(-1);
  if (!run) throw new Error(`${dockerfile.path}: the ${target ?? 'last'} stage runs no pip install`);
  const argv = words(run.args);
  const found = { requirements: [] as string[], constraints: [] as string[] };
  argv.forEach((word, index) => {
    if (word === '-r' || word === '--requirement') found.requirements.push(argv[index + 1]);
    if (word === '-c' || word === '--constraint') found.constraints.push(argv[index + 1]);
  });
  if (found.requirements.length !== 1)
    throw new Error(`${dockerfile.path}:${run.line}: expected one -r in "${run.args}"`);
  return found;
}

/** Where a "container" of the stack runs here: a loopback address of its own. */
export interface Placement {
  /** Replace, in the service's scripts, what the container binds (`0.0.0.0:8000`) with this (`127.0.0.2:8000`). */
  bind?: [string, string];
  /** Folders of the host the container sees at their own paths (a stand-in program's folder). */
  binds?: string[];
}

export class RuntimeProject {
  run!: Run;
  project = '';
  name = '';
  config!: ComposeConfig;
  /** The role Django connects as. */
  credentials!: PostgresCredentials;
  /** The superuser the image creates the database with (POSTGRES_USER): the same as `credentials` in development. */
  admin!: PostgresCredentials;
  pg!: Postgres;
  redis!: Redis;
  smtp!: SmtpServer;
  /** The Debian root whose python3 is the image's Python, and the environment built there from the lock. */
  root!: Root;
  python!: PythonEnv;
  readonly procs: Proc[] = [];
  private readonly containers = new Map<Proc, Container>();
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
    const db = this.dbEnvironment();
    this.admin = { db: db.POSTGRES_DB, user: db.POSTGRES_USER, password: db.POSTGRES_PASSWORD };
    // Production's Django has a role of its own (APP_DB_USER, made by an init script).
    this.credentials = db.APP_DB_USER
      ? { db: db.POSTGRES_DB, user: db.APP_DB_USER, password: db.APP_DB_PASSWORD }
      : this.admin;
    const { dockerfile, svc } = this.image('web');
    const parsed = readDockerfile(dockerfile);
    const image = baseImage(parsed, svc.build!.target);
    const python = /^python:(\d+\.\d+)-/.exec(image)?.[1];
    if (!python)
      throw new Error(
        `${relative(this.project, dockerfile)}: the image starts from ${image}, not a python:<version>-... image`,
      );
    this.root = Root.forPython(python);
    this.pg = new Postgres(await freePort(), this.root);
    this.redis = new Redis(await freePort(), this.root, redisOptions(this.config));
    this.smtp = new SmtpServer(await freePort());
    this.python = this.buildPython(parsed, svc);
  }

  /** What the image's `pip install -r ... -c ...` installs, built from the lock alone inside the root. */
  private buildPython(dockerfile: Dockerfile, svc: ComposeService): PythonEnv {
    const { files } = buildFromContext(dockerfile, svc.build!.context, svc.build!.target);
    const install = pipInstall(dockerfile, svc.build!.target);
    const source = (path: string) => {
      const file = files.get(path);
      if (!file) throw new Error(`${dockerfile.path}: pip installs ${path}, which the image does not copy`);
      return join(svc.build!.context, file.source);
    };
    if (install.constraints.length !== 1)
      throw new Error(
        `${dockerfile.path}: pip install -r ${install.requirements[0]} is not constrained by a lock (-c constraints.txt): nothing keeps its versions from floating`,
      );
    return buildEnv(
      this.root,
      this.project,
      source(install.requirements[0]),
      source(install.constraints[0]),
      `${this.name}-${relative(this.project, source(install.requirements[0]))}`,
    );
  }

  /** One line: the Python the stack runs (by path) and the versions of its services, with the images they stand for. */
  describeStack(): string {
    const versions = this.root.versions();
    const images = (pattern: RegExp) =>
      Object.values(this.config.services)
        .map(svc => svc.image ?? '')
        .find(image => pattern.test(image)) ?? 'none';
    const nginx = this.config.services.nginx
      ? `, nginx ${nginxRoot().versions().nginx} (forky root; image ${this.imageName('nginx')})`
      : '';
    // The image's version (its tag) against the one that ran: the same line, or said so.
    const ran = (version: string, image: string, parts: number) => {
      const tag = /:(\d+(?:\.\d+)*)/.exec(image)?.[1] ?? '?';
      const same = version.split('.').slice(0, parts).join('.') === tag.split('.').slice(0, parts).join('.');
      return `${version} (${this.root.name} root; image ${image}${same ? '' : `: no Debian suite here has ${tag.split('.').slice(0, parts).join('.')}, so ${version} ran instead`})`;
    };
    return `Python ${ROOT_PYTHON} ${versions.python} (${this.root.name} root; image ${this.imageName('web')}), Postgres ${ran(versions.postgres, images(/^postgres:/), 1)}, Redis ${ran(versions.redis, images(/^redis:/), 2)}${nginx}`;
  }

  /** The image a service's Dockerfile starts from. */
  private imageName(service: string): string {
    const { dockerfile, svc } = this.image(service);
    return baseImage(readDockerfile(dockerfile), svc.build!.target);
  }

  /** The private folders (/tmp, HOME) of the container a process runs in. */
  containerOf(proc: Proc): Container {
    const box = this.containers.get(proc);
    if (!box) throw new Error(`${proc.name} runs in no container of this project`);
    return box;
  }

  /** The environment of `service` as Compose gives it, hosts pointed at loopback. */
  env(service: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return scriptEnvironment(envVariables(this.python), serviceEnvironment(this.config, service), {
      SQL_HOST: '127.0.0.1',
      SQL_PORT: String(this.pg.port),
      CELERY_BROKER: this.redis.url,
      CELERY_BACKEND: this.redis.url,
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(this.smtp.port),
      ...this.settings.extraEnv,
      ...extra,
    });
  }

  /** What the image of `service` holds from the project (its Dockerfile read for its target stage). */
  private image(service: string): { build: Build; dockerfile: string; svc: ComposeService } {
    const svc = this.config.services[service];
    if (!svc?.build) throw new Error(`Service ${service} is not built from a Dockerfile`);
    const dockerfile = join(svc.build.context, svc.build.dockerfile ?? 'Dockerfile');
    return {
      build: buildFromContext(readDockerfile(dockerfile), svc.build.context, svc.build.target),
      dockerfile,
      svc,
    };
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
          throw new Error(
            `${service}: "${arg}" (from ${JSON.stringify([...entry, ...cmd])}) is not a script that ${relative(this.project, dockerfile)} copies (copies: ${scripts.join(', ')})`,
          );
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
   * Starts a Compose service's process, `bash <entrypoint> bash <start script>`, inside the
   * root (the project folder and any script copy mounted at the same paths), in a
   * container of its own: a fresh /tmp and HOME.
   */
  startService(
    service: string,
    label = service,
    extra: Record<string, string> = {},
    command?: string[],
    placement: Placement = {},
  ): Proc {
    const { argv, notes } = this.serviceArgv(service, command, placement);
    if (placement.bind && !notes.some(note => note.includes(placement.bind![1]))) {
      throw new Error(
        `${service}: no script of it binds ${placement.bind[0]}; this test (and probably the container setup) needs updating.`,
      );
    }
    const shown = argv
      .map(arg => (arg.startsWith(this.project) || !isAbsolute(arg) ? arg : `<tmp>/${arg.split('/').pop()}`))
      .join(' ');
    return this.startInRoot(
      `${label} in the ${this.root.name} root (${shown}${notes.length ? `; ${notes.join('; ')}` : ''})`,
      argv,
      this.env(service, extra),
      this.root,
      placement.binds,
      this.volumes(service),
    );
  }

  private volumeDirs?: string;

  /**
   * The named volumes `service` mounts outside the image's WORKDIR (which is the project
   * folder here), each as `DIR:PATH`: DIR is the volume's folder for this project, the
   * same for every container of every service that mounts it, kept until the tier ends.
   */
  volumes(service: string): string[] {
    const workdir = this.image(service).build.workdir;
    return (this.config.services[service]?.volumes ?? [])
      .filter(volume => volume.type === 'volume' && volume.source && !`${volume.target}/`.startsWith(`${workdir}/`))
      .map(volume => {
        this.volumeDirs ??= tempDir('volumes');
        const dir = join(this.volumeDirs, volume.source!);
        mkdirSync(dir, { recursive: true });
        return `${dir}:${volume.target}`;
      });
  }

  /** The folder here of the named volume `name` (as `volumes` mounts it). */
  volumeDir(name: string): string {
    if (!this.volumeDirs) throw new Error(`No service of this project has mounted the volume ${name} yet.`);
    return join(this.volumeDirs, name);
  }

  /** Starts `argv` inside the root in a new container, in the project folder. */
  startInRoot(
    label: string,
    argv: string[],
    env: NodeJS.ProcessEnv,
    root: Root = this.root,
    binds: string[] = [],
    volumes: string[] = [],
  ): Proc {
    const box = container(label.split(' ')[0]);
    const outside = argv
      .filter(
        arg =>
          isAbsolute(arg) &&
          !arg.startsWith(`${this.project}/`) &&
          !arg.startsWith('/usr/') &&
          !arg.startsWith('/opt/envs/'),
      )
      .map(arg => dirname(arg));
    const [program, args] = root.argv(
      { cwd: this.project, container: box, binds: [...outside, ...binds], volumes },
      argv,
    );
    const proc = start(label, program, args, { cwd: this.project, env });
    this.procs.push(proc);
    this.containers.set(proc, box);
    return proc;
  }

  /** Runs `argv` to its end inside the root, in a new container, in `service`'s environment. */
  runInRoot(
    argv: string[],
    service = 'web',
    extra: Record<string, string> = {},
    timeoutMs = 120_000,
    binds: string[] = [],
  ): Ran {
    return this.root.run(argv, this.env(service, extra), {
      cwd: this.project,
      binds,
      volumes: this.volumes(service),
      timeoutMs,
    });
  }

  /**
   * Runs `argv` to its end in the container `proc` runs in (its /tmp and HOME), in
   * `service`'s environment, as Docker runs a service's healthcheck.
   */
  runInContainerOf(proc: Proc, argv: string[], service: string, extra: Record<string, string> = {}): Ran {
    const [program, args] = this.root.argv(
      { cwd: this.project, container: this.containerOf(proc), volumes: this.volumes(service) },
      argv,
    );
    return runSync(program, args, { cwd: this.project, env: this.env(service, extra), timeoutMs: 30_000 });
  }

  /** Starts a Celery worker and waits until it is ready. */
  async startWorker(label = 'celery_worker'): Promise<Proc> {
    // Without Postgres the entrypoint would wait for ever: say why instead.
    if (!this.pg.proc?.alive())
      throw new Error('Postgres is not running (an earlier step failed): the worker cannot start.');
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

  /** `python manage.py shell -c CODE` in the web service's environment; its stdout. */
  shell(code: string, service = 'web', timeoutMs = 90_000): string {
    const ran = this.runInRoot(['python', 'manage.py', 'shell', '-c', code], service, {}, timeoutMs);
    if (ran.status !== 0) throw new Error(describeRun(ran));
    return ran.stdout;
  }

  /** `python manage.py ARGS` in a service's environment (the raw result). */
  manage(args: string[], service = 'web', extra: Record<string, string> = {}): Ran {
    return this.runInRoot(['python', 'manage.py', ...args], service, extra);
  }

  /** The fenced `sh` block of the project's README.md that matches `pattern`. */
  readmeBlock(pattern: RegExp): string {
    const blocks = [...readFileSync(join(this.project, 'README.md'), 'utf8').matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map(
      match => match[1],
    );
    const block = blocks.find(text => pattern.test(text));
    if (block === undefined) throw new Error(`README.md has no sh block matching ${pattern}`);
    return block;
  }

  /**
   * Runs a README block as written, with bash, in the project folder inside the root. Its
   * `docker compose exec SERVICE COMMAND` runs COMMAND there, in web's environment
   * (redis-cli at the test's Redis): a stand-in `docker` that knows that command only, and
   * fails on any other.
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
    const ran = this.runInRoot(
      ['bash', '-euo', 'pipefail', '-c', block],
      'web',
      { PATH: `${bin}:${this.env('web').PATH}`, TEST_REDIS_PORT: String(this.redis.port) },
      90_000,
      [bin],
    );
    if (ran.status !== 0) throw new Error(describeRun(ran));
    return ran.stdout;
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
   * nginx with the generated nginx.conf, as the image includes it, inside the forky root
   * (nginx 1.30, the image's line), made runnable here:
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
      [
        new RegExp(`^(?<indent>\\s*)${this.tlsProxyTrusted().replaceAll('.', '\\.')}(?<value>\\s+1;)$`, 'm'),
        `$<indent>${TLS_PROXY_ADDRESS}/32$<value>`,
      ],
      [/alias\s+\/app\/staticfiles\/\s*;/, `alias ${join(this.project, 'staticfiles')}/;`],
      [/alias\s+\/app\/mediafiles\/\s*;/, `alias ${join(this.project, 'mediafiles')}/;`],
    ]);
    writeFileSync(join(dir, 'default.conf'), site);
    writeFileSync(join(dir, 'nginx.conf'), nginxMainConf(dir, join(dir, 'default.conf'), 'stderr'));
    const root = nginxRoot();
    const box = container('nginx');
    const nginx = (...extra: string[]) => [
      '/usr/sbin/nginx',
      '-p',
      `${dir}/`,
      '-c',
      join(dir, 'nginx.conf'),
      '-e',
      'stderr',
      ...extra,
    ];
    const [program, args] = root.argv({ cwd: dir, container: box, binds: [this.project] }, nginx());
    this.nginxExec = (argv: string[]) => {
      const [command, commandArgs] = root.argv({ cwd: dir, container: box, binds: [this.project] }, argv);
      return run(command, commandArgs, { cwd: dir, env: { PATH: '/usr/sbin:/usr/bin:/bin' }, timeoutMs: 120_000 });
    };
    this.nginxReload = nginx('-s', 'reload');
    const proc = start(`nginx (${root.name} root)`, program, args, {
      cwd: dir,
      env: { PATH: '/usr/sbin:/usr/bin:/bin' },
      stopSignal: 'SIGQUIT',
    });
    this.procs.push(proc);
    this.containers.set(proc, box);
    return { proc, port };
  }

  /**
   * What nginx.conf's `geo` block trusts X-Forwarded-Proto from, as Compose places it: the
   * stack's subnet, or the edge network of Caddy and nginx alone (automatic HTTPS). Here
   * it is read as TLS_PROXY_ADDRESS, where the tier's TLS proxy connects from.
   */
  private tlsProxyTrusted(): string {
    return this.config.networks?.edge?.ipam?.config?.[0]?.subnet ?? defaultSubnet(this.config);
  }

  private nginxExec?: (argv: string[]) => Promise<Ran>;
  private nginxReload: string[] = [];

  /** `argv` in nginx's container, as `docker compose exec nginx ARGV...` runs it. */
  execInNginx(argv: string[]): Promise<Ran> {
    if (!this.nginxExec) throw new Error('nginx was not started (an earlier step failed): nothing runs it.');
    return this.nginxExec(argv);
  }

  /** `nginx -s reload` in nginx's container (with the paths nginx was started with here). */
  reloadNginx(): Promise<Ran> {
    return this.execInNginx(this.nginxReload);
  }

  /** Like runInContainerOf, without blocking the tier while it runs. */
  runInContainerOfAsync(proc: Proc, argv: string[], service: string, extra: Record<string, string> = {}): Promise<Ran> {
    const [program, args] = this.root.argv({ cwd: this.project, container: this.containerOf(proc) }, argv);
    return run(program, args, { cwd: this.project, env: this.env(service, extra), timeoutMs: 30_000 });
  }

  async startDatabase(): Promise<void> {
    await this.startPostgres(this.pg);
  }

  /**
   * `pg` set up as the postgres image sets up a new volume of the db service: the
   * superuser and database of POSTGRES_*, then the init scripts the service mounts.
   */
  async startPostgres(pg: Postgres): Promise<void> {
    await pg.start(this.admin);
    const folder = this.initFolder();
    if (!folder) return;
    const ran = pg.initScripts(folder, this.dbEnvironment());
    if (ran.status !== 0) throw new Error(`The db service's init scripts failed:\n${describeRun(ran)}`);
  }

  /** The db service's environment, as Compose resolves it. */
  dbEnvironment(): Record<string, string> {
    return serviceEnvironment(this.config, this.settings.dbService ?? 'db');
  }

  /** The host folder the db service mounts on /docker-entrypoint-initdb.d, if any. */
  initFolder(): string | undefined {
    return (this.config.services[this.settings.dbService ?? 'db'].volumes ?? []).find(
      volume => volume.type === 'bind' && volume.target === '/docker-entrypoint-initdb.d',
    )?.source;
  }

  /** Stops this project's processes (newest first), then its Redis and Postgres. */
  async stop(): Promise<string[]> {
    // The environment in the root goes with the rest of the tier's folders at its end.
    return stopAll([this.smtp, this.pg, this.redis, ...this.procs]);
  }
}

/**
 * The hooks of a scenario's suite: generate the project, start Redis (and Postgres,
 * unless it is to come late) before its tests; stop everything after them.
 */
export function projectHooks(
  app: RuntimeProject,
  scenario: Pick<RuntimeScenario, 'lateDatabase'>,
  fixedPort: { port: number; who: string },
  prepare = () => {},
): void {
  before(async function () {
    this.timeout(600_000);
    await requireFreePort(fixedPort.port, fixedPort.who);
    await app.generate();
    console.log(`      ${app.describeStack()}\n${app.python.table.replace(/^/gm, '      ')}`);
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
