// A stand-in for the Docker engine and Compose, for running compose/production/redeploy
// natively: its `docker` commands reach this engine (through fake-docker-cli.mjs on the
// PATH), which runs each web "container" as the tier runs services (a gunicorn at a
// loopback address of its own, published in the DNS stand-in as Docker's DNS would).
// Only what the script uses is modelled, with Compose's and Docker's documented
// behaviour; any other command fails the test, saying so.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type Proc, tempDir } from './support.js';

const CLI = new URL('./fake-docker-cli.mjs', import.meta.url).pathname;

export interface FakeContainer {
  id: string;
  address: string;
  proc: Proc;
  running: boolean;
  /** Set by a test: Docker has marked the container unhealthy (its checks failed `retries` times). */
  unhealthy?: boolean;
}

/** The format the script gives `docker inspect`: the container's state, then its health. */
const INSPECT_FORMAT = '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}';

export interface Answer {
  stdout?: string;
  stderr?: string;
  status: number;
}

/** What the engine asks of the tier: its services run natively. */
export interface EngineHooks {
  /** Starts web's process at `address` (not waiting for it), with `env` added. */
  startWeb(address: string, label: string, env: Record<string, string>): Proc;
  /** web's Compose healthcheck run in `container`: whether it passed. */
  healthy(container: FakeContainer): Promise<boolean>;
  /** Makes Docker's DNS (the stand-in) answer these addresses for web. */
  publish(addresses: string[]): Promise<void>;
  /** Whether nginx's container runs. */
  nginxRunning(): boolean;
  /** `nginx -s reload` in the running nginx container. */
  reloadNginx(): Promise<Answer>;
  /** `sh -c SCRIPT ARGS...` in the running nginx container. */
  shInNginx(argv: string[]): Promise<Answer>;
  /** `python manage.py migrate --noinput` in web's environment. */
  migrate(): Promise<Answer>;
}

export class FakeDocker {
  readonly containers: FakeContainer[] = [];
  /** Each command run, as typed after `docker`. */
  readonly calls: string[] = [];
  /** Each command's start and end, in seconds since `performance.now()`'s origin (for a failure's message). */
  readonly timeline: string[] = [];
  /** Added to the environment of the web containers started from now on (a broken new version). */
  nextWebEnv: Record<string, string> = {};
  readonly bin: string;
  private readonly socket: string;
  private server?: Server;
  private serial = 1;
  private readonly addresses: string[];

  constructor(
    private readonly composeFile: string,
    private readonly hooks: EngineHooks,
    addresses: readonly string[],
  ) {
    this.addresses = [...addresses];
    const dir = tempDir('fake-docker');
    this.socket = join(dir, 'engine.sock');
    this.bin = join(dir, 'bin');
    const docker = join(dir, 'bin', 'docker');
    mkdirSync(this.bin);
    writeFileSync(docker, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(docker, 0o755);
  }

  /** A web container that the tier started itself (the first deploy's). */
  adopt(proc: Proc, address: string): FakeContainer {
    const container = { id: `web-${this.serial++}`, address, proc, running: true };
    this.containers.push(container);
    return container;
  }

  running(): FakeContainer[] {
    return this.containers.filter(container => container.running);
  }

  /** The environment for the script: `docker` is this engine. */
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return { ...base, PATH: `${this.bin}:${base.PATH ?? '/usr/bin:/bin'}`, FAKE_DOCKER_SOCKET: this.socket };
  }

  async start(): Promise<void> {
    this.server = createServer({ requestTimeout: 0 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', chunk => chunks.push(chunk as Buffer));
      req.on('end', () => {
        const { argv } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { argv: string[] };
        this.calls.push(argv.join(' '));
        const at = () => (performance.now() / 1000).toFixed(2);
        this.timeline.push(`${at()} start ${argv.join(' ')}`);
        this.handle(argv)
          .catch((error: Error): Answer => ({ stderr: `fake docker: ${error.stack ?? error.message}\n`, status: 125 }))
          .then(answer => {
            this.timeline.push(`${at()} end (${answer.status}) ${argv.join(' ')}`);
            res.end(JSON.stringify({ stdout: '', stderr: '', ...answer }));
          });
      });
    });
    await new Promise<void>(resolve => this.server!.listen(this.socket, resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(argv: string[]): Promise<Answer> {
    const [command, ...rest] = argv;
    if (command === 'compose') return this.compose(rest);
    if (command === 'stop') return this.stopContainers(rest);
    if (command === 'rm') return this.remove(rest);
    if (command === 'inspect' && rest[0] === '--format' && rest[1] === INSPECT_FORMAT && rest.length > 2)
      return this.inspect(rest.slice(2));
    if (command === 'logs' && rest[0] === '--tail' && rest.length === 3) {
      const container = this.find(rest[2]);
      const lines = container.proc.output.trimEnd().split('\n').slice(-Number(rest[1]));
      return { stdout: `${lines.join('\n')}\n`, status: 0 };
    }
    return unmodelled(argv);
  }

  private async compose(argv: string[]): Promise<Answer> {
    if (argv[0] !== '-f' || argv[1] !== this.composeFile)
      return { stderr: `fake docker: compose without -f ${this.composeFile}: ${argv.join(' ')}\n`, status: 125 };
    const [sub, ...args] = argv.slice(2);
    const line = args.join(' ');
    switch (sub) {
      case 'pull':
      case 'build':
        // The images: the project folder the tier runs from.
        return line === { pull: '--ignore-buildable', build: '--pull' }[sub] ? { status: 0 } : unmodelled(argv);
      case 'run':
        if (line === '--rm backup backup') return { stdout: 'backup: taken\n', status: 0 };
        if (line === '--rm web python manage.py migrate --noinput') return this.hooks.migrate();
        return unmodelled(argv);
      case 'ps': {
        const all = args[0] === '-a';
        const [quiet, service, extra] = all ? args.slice(1) : args;
        if (quiet !== '-q' || extra !== undefined) return unmodelled(argv);
        if (service === 'nginx') return { stdout: this.hooks.nginxRunning() ? 'nginx-1\n' : '', status: 0 };
        if (service !== 'web') return unmodelled(argv);
        const listed = all ? this.containers : this.running();
        return { stdout: listed.map(container => `${container.id}\n`).join(''), status: 0 };
      }
      case 'exec': {
        const [tty, service, ...command] = args;
        if (tty !== '-T' || service !== 'nginx') return unmodelled(argv);
        if (!this.hooks.nginxRunning()) return { stderr: 'service "nginx" is not running\n', status: 1 };
        if (command.join(' ') === 'nginx -s reload') return this.hooks.reloadNginx();
        if (command[0] === 'sh' && command[1] === '-c') return this.hooks.shInNginx(command);
        return unmodelled(argv);
      }
      case 'rm': {
        // `compose rm -f web`: web's stopped containers only.
        if (line !== '-f web') return unmodelled(argv);
        const stopped = this.containers.filter(container => !container.running);
        for (const container of stopped) this.containers.splice(this.containers.indexOf(container), 1);
        return { stderr: stopped.map(container => `Container ${container.id} Removed\n`).join(''), status: 0 };
      }
      case 'up':
        return this.up(argv, args);
      default:
        return unmodelled(argv);
    }
  }

  /** `up -d` (every service: web is left as it is, the rest not modelled) or the rolling scale-up of web. */
  private async up(argv: string[], args: string[]): Promise<Answer> {
    if (args.join(' ') === '-d') return { status: 0 };
    const flags = new Set<string>();
    let scale = 0;
    const services: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === '--scale') scale = Number(/^web=(\d+)$/.exec(args[++i])?.[1] ?? Number.NaN);
      else if (arg.startsWith('-')) flags.add(arg);
      else services.push(arg);
    }
    const wanted = ['-d', '--no-deps', '--no-recreate'];
    if (services.join(' ') !== 'web' || flags.size !== wanted.length || !wanted.every(flag => flags.has(flag)))
      return unmodelled(argv);
    if (!(scale > 0)) return unmodelled(argv);
    // --no-recreate: the running containers stay as they are; the new ones run the new image.
    const started: FakeContainer[] = [];
    for (let n = this.running().length; n < scale; n++) {
      const address = this.addresses.shift();
      if (!address) throw new Error('no loopback address left for a new web container');
      const id = `web-${this.serial++}`;
      const proc = this.hooks.startWeb(address, `web (${id})`, this.nextWebEnv);
      const container = { id, address, proc, running: true };
      this.containers.push(container);
      started.push(container);
    }
    // Docker's DNS lists a container once it runs, healthy or not.
    await this.publishRunning();
    // Without --wait, Compose returns once they run.
    return { stderr: started.map(container => `Container ${container.id} Started\n`).join(''), status: 0 };
  }

  /**
   * `docker inspect --format INSPECT_FORMAT ID...`: one line each. A container whose
   * process ended has exited (and left the DNS); the health of a running one is its
   * healthcheck's, run now: `healthy` once it passes, `starting` until then, `unhealthy`
   * where a test says so.
   */
  private async inspect(ids: string[]): Promise<Answer> {
    const lines: string[] = [];
    for (const container of ids.map(id => this.find(id))) {
      if (container.running && container.proc.exited) {
        container.running = false;
        await this.publishRunning();
      }
      if (!container.running) lines.push('exited unhealthy');
      else if (container.unhealthy) lines.push('running unhealthy');
      else lines.push(`running ${(await this.hooks.healthy(container)) ? 'healthy' : 'starting'}`);
    }
    return { stdout: `${lines.join('\n')}\n`, status: 0 };
  }

  /** `docker stop`: each container's stop signal, then the end of its process; it then leaves Docker's DNS. */
  private async stopContainers(ids: string[]): Promise<Answer> {
    const containers = ids.map(id => this.find(id));
    await Promise.all(containers.map(container => container.proc.stop()));
    for (const container of containers) container.running = false;
    await this.publishRunning();
    return { stdout: ids.map(id => `${id}\n`).join(''), status: 0 };
  }

  private remove(ids: string[]): Answer {
    for (const id of ids) {
      const container = this.find(id);
      if (container.running)
        return {
          stderr: `cannot remove container ${id}: container is running: stop the container before removing\n`,
          status: 1,
        };
      this.containers.splice(this.containers.indexOf(container), 1);
    }
    return { stdout: ids.map(id => `${id}\n`).join(''), status: 0 };
  }

  private find(id: string): FakeContainer {
    const container = this.containers.find(candidate => candidate.id === id);
    if (!container) throw new Error(`No such container: ${id}`);
    return container;
  }

  private publishRunning(): Promise<void> {
    return this.hooks.publish(this.running().map(container => container.address));
  }
}

function unmodelled(argv: string[]): Answer {
  return {
    stderr: `fake docker: \`docker ${argv.join(' ')}\` is not modelled: the redeploy script changed, and this engine (test/runtime/fake-docker.ts) with it must follow.\n`,
    status: 125,
  };
}
