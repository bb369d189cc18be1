// The runtime tier's machinery: the real tools, free loopback ports, processes started
// in their own process groups (and always stopped by process group), a real Postgres
// and Redis, the environment Compose would give a service, and small HTTP/Redis probes.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Ran, runOk, runSync } from '../support/run.js';
import { container, type Container, HOST_PYTHON, type Root } from './roots.js';

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A timeout for a race: it does not keep the process alive once the race is decided. */
const raceTimer = (ms: number) => new Promise(resolve => setTimeout(resolve, ms).unref());

/** Polls `check` until it returns a truthy value; fails with `what` and `detail()` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs: number,
  detail: () => string = () => '',
  intervalMs = 200,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `\nlast error: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}.${why}\n${detail()}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------
// Temporary folders: every folder the tier creates is registered, removed at the end, and
// used to find stray processes (command line or working folder inside one of them).

const tempDirs = new Set<string>();
let runtimeRoot: string | undefined;

/** The tier's own temporary root (created on first use). */
function runtimeDir(): string {
  if (!runtimeRoot) {
    runtimeRoot = mkdtempSync(join(tmpdir(), 'dc-runtime-'));
    // Postgres runs as nobody, which must reach its folder below this one.
    chmodSync(runtimeRoot, 0o755);
    tempDirs.add(runtimeRoot);
  }
  return runtimeRoot;
}

/** A new folder under the tier's root. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(runtimeDir(), `${prefix}-`));
}

/** Registers a folder created elsewhere (a generated project) for cleanup and leak checks. */
export function trackDir(folder: string): string {
  tempDirs.add(folder);
  return folder;
}

export function trackedDirs(): string[] {
  return [...tempDirs];
}

export function removeTrackedDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
  runtimeRoot = undefined;
}

// ---------------------------------------------------------------------------------------
// Processes

/** Where a process stands in the kernel's process table (zombies are not alive). */
interface ProcInfo {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcInfo[] {
  return readdirSync('/proc')
    .filter(name => /^\d+$/.test(name))
    .map(name => procInfo(Number(name)))
    .filter((info): info is ProcInfo => info !== undefined && info.state !== 'Z');
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  return allProcesses()
    .filter(info => info.pgrp === pgid)
    .map(info => info.pid);
}

export function childrenOf(pid: number): number[] {
  return allProcesses()
    .filter(info => info.ppid === pid)
    .map(info => info.pid);
}

/** A process and its descendants, nearest first. */
export function selfAndDescendants(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...childrenOf(found[i]));
  return found;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

function workingDir(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

/** Processes (other than this one) whose command line or working folder lies in one of `dirs`. */
export function processesUsing(dirs: string[]): string[] {
  if (dirs.length === 0) return [];
  return allProcesses()
    .filter(info => info.pid !== process.pid)
    .flatMap(info => {
      const cmd = commandLine(info.pid);
      const cwd = workingDir(info.pid);
      const hit = dirs.find(dir => cmd.includes(dir) || cwd === dir || cwd.startsWith(`${dir}/`));
      return hit ? [`pid ${info.pid} (${cmd || '?'}, cwd ${cwd || '?'})`] : [];
    });
}

/** Kills (SIGKILL, by PID) every process found by `processesUsing(dirs)`; returns what it found. */
export async function killStrays(dirs: string[]): Promise<string[]> {
  const strays = processesUsing(dirs);
  for (const stray of strays) {
    try {
      process.kill(Number(/^pid (\d+)/.exec(stray)![1]), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  if (strays.length > 0) await waitUntil('stray processes to die', () => processesUsing(dirs).length === 0, 5_000);
  return strays;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group id (postgres refuses to run as root). */
  uid?: number;
  gid?: number;
  /** The signal that asks for a clean stop; SIGKILL follows after `stopTimeoutMs`. */
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
}

/** A process started in its own process group, its output (stdout and stderr) kept. */
export class Proc {
  readonly pgid: number;
  /** stdout and stderr as they came, interleaved; and each alone. */
  output = '';
  stdout = '';
  stderr = '';
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  exited = false;
  readonly exitPromise: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly options: StartOptions,
  ) {
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    this.pgid = child.pid;
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output += text;
      this.stdout += text;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output += text;
      this.stderr += text;
    });
    this.exitPromise = new Promise(resolve => {
      child.on('close', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        this.exited = true;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.pgid;
  }

  /** Whether any process of its group is still alive. */
  alive(): boolean {
    return groupMembers(this.pgid).length > 0;
  }

  describe(lines = 40): string {
    const status = this.exited ? `exited (code ${this.exitCode}, signal ${this.exitSignal})` : 'running';
    return `--- ${this.name} [pgid ${this.pgid}, ${status}], last output:\n${tail(this.output, lines)}\n---`;
  }

  count(pattern: RegExp): number {
    return [
      ...this.output.matchAll(
        new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
      ),
    ].length;
  }

  /** Waits until the output (from `from` on) matches; fails early when the process ends without it. */
  async waitFor(pattern: RegExp, timeoutMs: number, from = 0, others: Proc[] = []): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.slice(from).match(pattern);
      if (match) return match;
      if (this.exited) {
        throw new Error(
          `${this.name} ended before its output matched ${pattern}.\n${this.describe()}${others.map(o => `\n${o.describe()}`).join('')}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out after ${timeoutMs / 1000} s waiting for ${this.name} to print ${pattern}.\n${this.describe()}${others.map(o => `\n${o.describe()}`).join('')}`,
        );
      }
      await sleep(100);
    }
  }

  /** Waits for the process to end by itself. */
  async waitForExit(timeoutMs: number): Promise<void> {
    await Promise.race([
      this.exitPromise,
      raceTimer(timeoutMs).then(() => {
        if (!this.exited)
          throw new Error(`${this.name} is still running after ${timeoutMs / 1000} s.\n${this.describe()}`);
      }),
    ]);
  }

  /** Sends a signal to the whole process group. */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pgid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** Stops the whole process group: the stop signal, then SIGKILL; fails if anything survives. */
  async stop(): Promise<void> {
    if (this.alive()) {
      this.signalGroup(this.options.stopSignal ?? 'SIGTERM');
      const deadline = Date.now() + (this.options.stopTimeoutMs ?? 10_000);
      while (this.alive() && Date.now() < deadline) await sleep(100);
    }
    if (this.alive()) {
      this.signalGroup('SIGKILL');
      const deadline = Date.now() + 5_000;
      while (this.alive() && Date.now() < deadline) await sleep(100);
    }
    if (this.alive()) {
      throw new Error(
        `${this.name}: process group ${this.pgid} still has ${groupMembers(this.pgid).join(', ')} after SIGKILL`,
      );
    }
    if (!this.exited) await Promise.race([this.exitPromise, raceTimer(2_000)]);
    this.saveLog();
  }

  /** With RUNTIME_LOGS=<folder>, keeps the output of every process there (for a look afterwards). */
  saveLog(): void {
    const folder = process.env.RUNTIME_LOGS;
    if (!folder) return;
    mkdirSync(folder, { recursive: true });
    const label = this.name.split(' (')[0].replace(/[^\w.-]+/g, '_');
    writeFileSync(join(folder, `${String(this.pgid).padStart(7, '0')}-${label}.log`), `${this.name}\n\n${this.output}`);
  }

  /** Kills the whole group at once, as a crash or `docker kill` would. */
  async kill(): Promise<void> {
    this.signalGroup('SIGKILL');
    await waitUntil(`${this.name} to die`, () => !this.alive(), 5_000);
    this.saveLog();
  }
}

const started: Proc[] = [];

/** Every process group the tier started (stopped or not). */
export function startedProcesses(): readonly Proc[] {
  return started;
}

/** Starts a command detached (its own process group), keeping its output. */
export function start(name: string, command: string, args: string[], options: StartOptions = {}): Proc {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc(name, child, options);
  started.push(proc);
  return proc;
}

/** Stops every process group still alive (or server), newest first; collects failures instead of giving up early. */
export async function stopAll(
  procs: ReadonlyArray<{ stop(): Promise<void> } | undefined> = started,
): Promise<string[]> {
  const problems: string[] = [];
  for (const proc of [...procs].reverse()) {
    try {
      await proc?.stop();
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

// If mocha itself is interrupted, no detached group may outlive it.
function killEverythingNow(): void {
  for (const proc of started) {
    try {
      process.kill(-proc.pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', killEverythingNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killEverythingNow();
    removeTrackedDirs();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------
// Ports

/** A port that nothing listens on at `host` right now (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a port can be bound at `host` (0.0.0.0 covers every IPv4 address). */
function portIsFree(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Fails loudly when a fixed port the generated scripts bind is taken on this machine. */
export async function requireFreePort(port: number, who: string): Promise<void> {
  if (!(await portIsFree(port))) {
    throw new Error(
      `Port ${port} is in use on this machine, but ${who} binds it (the port is fixed in the generated script, as in its container). Stop whatever listens on ${port} (\`ss -ltnp 'sport = :${port}'\`) and run the tier again.`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// HTTP

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET on 127.0.0.1 with the given headers (Host included), no redirects followed. */
export function httpGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  timeoutMs = 5_000,
): Promise<HttpResponse> {
  return httpRequest({ port, path, headers, timeoutMs });
}

export interface HttpRequest {
  port: number;
  path: string;
  /** 127.0.0.1 unless given. */
  host?: string;
  /** The address the request comes from (any of 127.0.0.0/8: a client of its own). */
  localAddress?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** On a connection of its own, never one kept alive from an earlier request. */
  newConnection?: boolean;
}

/** One HTTP request, no redirects followed. */
export function httpRequest({
  port,
  path,
  host = '127.0.0.1',
  localAddress,
  method = 'GET',
  headers = {},
  body,
  timeoutMs = 5_000,
  newConnection = false,
}: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const options = { host, port, path, localAddress, method, headers, timeout: timeoutMs };
    const req = request(newConnection ? { ...options, agent: false } : options, res => {
      const chunks: Buffer[] = [];
      res.on('data', chunk => chunks.push(chunk as Buffer));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${host}:${port} timed out`)));
    // Whether the request went out on a kept-alive connection (which the server may have
    // closed meanwhile: a browser sends such a request again on a new one).
    req.on('error', error => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(body);
  });
}

/** The `name=value` pairs of a response's Set-Cookie headers, with their attributes. */
export function setCookies(response: HttpResponse): Map<string, { value: string; attributes: string }> {
  const cookies = new Map<string, { value: string; attributes: string }>();
  const raw = response.headers['set-cookie'];
  for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
    const [pair, ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at).trim(), { value: pair.slice(at + 1).trim(), attributes: attributes.join(';') });
  }
  return cookies;
}

// ---------------------------------------------------------------------------------------
// The environment of the generated scripts

/** The PATH of what runs on this machine itself (dnsmasq, the SMTP server, redis-cli): the system's, never pyenv's. */
export const HOST_PATH = '/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A container-like environment for the generated scripts: nothing from the test's own
 * environment but the locale, PATH and PYTHONPATH (the Python environment built from the
 * project's lock), HOME (the container's own), what the Dockerfile sets, then the
 * service's environment, then the test's overrides (loopback hosts and ports).
 */
export function scriptEnvironment(
  python: { PATH: string; PYTHONPATH: string },
  service: Record<string, string>,
  overrides: Record<string, string>,
): NodeJS.ProcessEnv {
  return {
    ...python,
    HOME: '/root',
    LANG: 'C.UTF-8',
    // From the generated Dockerfile's ENV.
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    ...service,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------
// Postgres

/** Postgres refuses to run as root: it runs as nobody (the roots are entered as root). */
const NOBODY = 65534;

export interface PostgresCredentials {
  db: string;
  user: string;
  password: string;
}

/** A server process, its files in a temporary folder of its own. */
export abstract class TempServer {
  readonly dir: string;
  proc?: Proc;

  constructor(name: string) {
    this.dir = tempDir(name);
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}

/** A server on 127.0.0.1:`port`, its files in a temporary folder of its own. */
abstract class LoopbackServer extends TempServer {
  constructor(
    readonly port: number,
    name: string,
  ) {
    super(name);
  }
}

/**
 * A throwaway Postgres cluster on 127.0.0.1:`port`, its data in a temp folder, run inside
 * a Debian root (its Postgres major: trixie 17, forky 18) as `nobody`, in a container of
 * its own.
 */
export class Postgres extends LoopbackServer {
  private readonly box: Container;

  constructor(
    port: number,
    readonly root: Root,
  ) {
    super(port, 'postgres');
    chownSync(this.dir, NOBODY, NOBODY);
    this.box = container('postgres');
  }

  /** `program args` inside the root as nobody (setpriv), in this server's folder (and `volumes`, DIR:PATH). */
  private argv(program: string, args: string[], volumes: string[] = []): [string, string[]] {
    return this.root.argv({ cwd: this.dir, container: this.box, volumes }, [
      'setpriv',
      '--reuid',
      String(NOBODY),
      '--regid',
      String(NOBODY),
      '--clear-groups',
      '--',
      program.startsWith('/') ? program : `${this.root.pgBin}/${program}`,
      ...args,
    ]);
  }

  /** `sh -c command` inside the root as nobody, Postgres's programs first on PATH (as in the image). */
  shell(command: string, env: Record<string, string>): Ran {
    const [program, argv] = this.argv('/bin/sh', ['-c', command]);
    return runSync(program, argv, {
      cwd: this.dir,
      env: this.env({ PATH: `${this.root.pgBin}:/usr/bin:/bin`, ...env }),
    });
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: this.dir, LC_ALL: 'C', PGTZ: 'UTC', ...extra };
  }

  private asNobody(command: string, args: string[], input?: string): string {
    const [program, argv] = this.argv(command, args);
    return runOk(program, argv, { cwd: this.dir, input, env: this.env() });
  }

  /**
   * As the postgres image does from POSTGRES_*: initdb, start the server, create the role
   * (a superuser, with the password) and its database. The values go to psql as variables
   * (:"ident" and :'literal' quote them), never pasted into SQL.
   */
  async start(credentials: PostgresCredentials, { tcp = true }: { tcp?: boolean } = {}): Promise<void> {
    const data = join(this.dir, 'data');
    this.asNobody('initdb', [
      '--pgdata',
      data,
      '--username',
      'runtime_bootstrap',
      '--auth-local',
      'trust',
      '--auth-host',
      'scram-sha-256',
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      '--no-sync',
    ]);
    const [program, argv] = this.argv('postgres', [
      '-D',
      data,
      '-p',
      String(this.port),
      '-c',
      // Without TCP: the socket only, as the image's first-start setup runs its server.
      `listen_addresses=${tcp ? '127.0.0.1' : ''}`,
      '-c',
      `unix_socket_directories=${this.dir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]);
    this.proc = start(`postgres (${this.root.name} root)`, program, argv, {
      cwd: this.dir,
      env: this.env(),
      stopSignal: 'SIGINT',
    });
    const [ready, readyArgs] = this.argv('pg_isready', ['-h', this.dir, '-p', String(this.port)]);
    await waitUntil(
      'Postgres to accept connections on its socket',
      () => runSync(ready, readyArgs, { env: this.env() }).status === 0,
      30_000,
      () => this.proc!.describe(),
    );
    const sql = [
      'CREATE ROLE :"user" WITH LOGIN SUPERUSER PASSWORD :\'password\';',
      "SELECT :'db' <> 'postgres' AS create_db \\gset",
      '\\if :create_db',
      'CREATE DATABASE :"db" OWNER :"user";',
      '\\endif',
    ].join('\n');
    this.asNobody(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        this.dir,
        '-p',
        String(this.port),
        '-U',
        'runtime_bootstrap',
        '-d',
        'postgres',
        '-v',
        `user=${credentials.user}`,
        '-v',
        `password=${credentials.password}`,
        '-v',
        `db=${credentials.db}`,
        '-f',
        '-',
      ],
      sql,
    );
  }

  /**
   * The `*.sh` files of `folder`, mounted on /docker-entrypoint-initdb.d, as the postgres
   * image runs them on a new volume: sourced in turn by bash with `set -Eeo pipefail`,
   * after its first-start setup, with the db service's environment and the server on its
   * socket. Fails if one fails, or leaves `set -u` on for the rest of the image's script.
   */
  initScripts(folder: string, env: Record<string, string>): Ran {
    const command = [
      "exec bash -Eeo pipefail -c '",
      'for f in /docker-entrypoint-initdb.d/*; do',
      '  case $f in *.sh) echo "running $f"; . "$f" ;; *) echo "ignoring $f" ;; esac',
      'done',
      'case $- in *u*) echo "an init script left set -u on in the caller" >&2; exit 1 ;; esac',
      "'",
    ].join('\n');
    return this.initRun(folder, ['/bin/sh', '-c', command], env);
  }

  /** `argv` inside the root as nobody, `folder` on /docker-entrypoint-initdb.d, this server on its socket (as `compose exec db` reaches it). */
  initRun(folder: string, argv: string[], env: Record<string, string>): Ran {
    const [program, args] = this.argv(argv[0], argv.slice(1), [`${folder}:/docker-entrypoint-initdb.d`]);
    return runSync(program, args, {
      cwd: this.dir,
      env: this.env({ PATH: `${this.root.pgBin}:/usr/bin:/bin`, ...env, PGHOST: this.dir, PGPORT: String(this.port) }),
    });
  }

  /** The owner of the database `credentials` connect to. */
  databaseOwner(credentials: PostgresCredentials): string {
    return this.query(
      credentials,
      'SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()',
    );
  }

  /** Runs SQL over TCP as the project's role, with its password (as the app connects). */
  query(credentials: PostgresCredentials, sql: string): string {
    const [program, argv] = this.argv('psql', [
      '-X',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      credentials.user,
      '-d',
      credentials.db,
      '-c',
      sql,
    ]);
    return runOk(program, argv, { env: this.env({ PGPASSWORD: credentials.password, PGCONNECT_TIMEOUT: '5' }) }).trim();
  }
}

// ---------------------------------------------------------------------------------------
// Redis

/** redis-server inside a Debian root (Redis 8.0 in both), in a container of its own; redis-cli is this machine's. */
export class Redis extends LoopbackServer {
  private readonly box: Container;

  /** `options`: the Compose service's own options for redis-server (its `command`), which win over the test's defaults. */
  constructor(
    port: number,
    readonly root: Root,
    readonly options: string[] = [],
  ) {
    super(port, 'redis');
    this.box = container('redis');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /**
   * Starts redis-server on 127.0.0.1:`port` with its data in `dir` (kept across restarts),
   * no persistence unless the service's options ask for it, and waits for PONG.
   */
  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      ...this.options,
    ];
    const [program, argv] = this.root.argv({ cwd: this.dir, container: this.box }, ['redis-server', ...args]);
    this.proc = start(`redis-server (${this.root.name} root)`, program, argv, {
      cwd: this.dir,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' },
    });
    await waitUntil(
      'Redis to answer PING',
      () => this.cli('PING') === 'PONG',
      15_000,
      () => this.proc!.describe(),
    );
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** One redis-cli command; its raw reply. */
  cli(...args: string[]): string {
    return runOk('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), '--raw', ...args], {
      env: { PATH: HOST_PATH, HOME: this.dir },
      timeoutMs: 10_000,
    }).replace(/\n$/, '');
  }

  /** Celery's stored result of a task (celery-task-meta-<id>), parsed; undefined while absent. */
  taskMeta(id: string): { status: string; result: unknown; task_id: string } | undefined {
    const raw = this.cli('GET', `celery-task-meta-${id}`);
    return raw === '' ? undefined : JSON.parse(raw);
  }
}

// ---------------------------------------------------------------------------------------
// SMTP

/** Prints one line per mail received: envelope sender and recipients, and the Subject header. */
const SMTP_SERVER = `
import signal, sys
from email import message_from_bytes
from aiosmtpd.controller import Controller

class Report:
    async def handle_DATA(self, server, session, envelope):
        subject = message_from_bytes(envelope.content)["Subject"]
        print("received mail from=%s to=%s subject=%s" % (envelope.mail_from, ",".join(envelope.rcpt_tos), subject), flush=True)
        return "250 Message accepted for delivery"

controller = Controller(Report(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("SMTP server listening", flush=True)
signal.pause()  # until the stop signal ends the process
`;

/** A real SMTP server on 127.0.0.1:`port` (aiosmtpd, from bookworm), reporting each mail it receives. */
export class SmtpServer extends LoopbackServer {
  constructor(port: number) {
    super(port, 'smtp');
  }

  async start(): Promise<void> {
    this.proc = start(`smtp (aiosmtpd, ${HOST_PYTHON})`, HOST_PYTHON, ['-c', SMTP_SERVER, String(this.port)], {
      cwd: this.dir,
      env: { PATH: HOST_PATH, LANG: 'C.UTF-8' },
    });
    await this.proc.waitFor(/SMTP server listening/, 15_000);
  }
}

// ---------------------------------------------------------------------------------------
// Docker's embedded DNS, played by dnsmasq

/** The address Docker's embedded DNS answers on inside every container. */
export const DOCKER_DNS = '127.0.0.11';

/**
 * A DNS server on 127.0.0.11:53 answering service names as Docker's embedded DNS would:
 * each name with the loopback address its "container" runs on; any other name, such as
 * a service not running, does not exist (NXDOMAIN, at once). `set`
 * changes the answers (a container replaced, a service stopped).
 */
export class Dnsmasq extends LoopbackServer {
  readonly hostsFile: string;

  constructor() {
    super(53, 'dnsmasq');
    // dnsmasq drops root for nobody, who must still read the hosts file on SIGHUP.
    chmodSync(this.dir, 0o755);
    this.hostsFile = join(this.dir, 'hosts');
  }

  async start(names: Record<string, string | string[]>): Promise<void> {
    this.write(names);
    this.proc = start(
      'dnsmasq',
      '/usr/sbin/dnsmasq',
      [
        '--keep-in-foreground',
        '--log-facility=-',
        `--listen-address=${DOCKER_DNS}`,
        '--bind-interfaces',
        '--port=53',
        '--no-resolv',
        '--no-hosts',
        `--addn-hosts=${this.hostsFile}`,
        '--address=/#/',
        '--local-ttl=1',
        `--pid-file=${join(this.dir, 'dnsmasq.pid')}`,
      ],
      { cwd: this.dir, env: { PATH: HOST_PATH } },
    );
    const first = Object.keys(names)[0];
    await waitUntil(
      'dnsmasq to answer',
      () => (first ? this.lookup(first) !== undefined : /started/.test(this.proc!.output)),
      10_000,
      () => this.proc!.describe(),
    );
  }

  /** Gives these answers from now on (dnsmasq re-reads its hosts file on SIGHUP); a name with several addresses gets them all. */
  async set(names: Record<string, string | string[]>): Promise<void> {
    this.write(names);
    const before = this.proc!.count(/read .*hosts/);
    this.proc!.child.kill('SIGHUP');
    await waitUntil(
      'dnsmasq to re-read its hosts file',
      () => this.proc!.count(/read .*hosts/) > before,
      5_000,
      () => this.proc!.describe(),
    );
  }

  /** The address dnsmasq gives for `name`, as a resolver asks it (undefined: no answer). */
  lookup(name: string): string | undefined {
    const result = runSync(HOST_PYTHON, ['-c', LOOKUP, DOCKER_DNS, name], {
      env: { PATH: HOST_PATH },
      timeoutMs: 5_000,
    });
    return result.status === 0 && result.stdout.trim() ? result.stdout.trim() : undefined;
  }

  private write(names: Record<string, string | string[]>): void {
    writeFileSync(
      this.hostsFile,
      Object.entries(names)
        .flatMap(([name, addresses]) => [addresses].flat().map(address => `${address} ${name}\n`))
        .join(''),
    );
  }
}

/** A one-question DNS client (A record), in Python's standard library only. */
const LOOKUP = `
import socket, struct, sys
server, name = sys.argv[1], sys.argv[2]
query = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(query, (server, 53))
reply = s.recvfrom(512)[0]
if struct.unpack(">H", reply[6:8])[0]:
    print(socket.inet_ntoa(reply[-4:]))
`;
