// Runs a program to its end, for every tier that spawns one (e2e, tools, runtime): no
// shell, stdin closed unless given, output kept as text, and the command as a user would
// type it for the message of a failed check. A missing program fails with the command
// that installs the tools.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { INSTALL_COMMAND, TOOLS_DIR } from './tools.js';

export interface RunOptions {
  cwd?: string;
  /** The whole environment of the program (the test's own when not given). */
  env?: NodeJS.ProcessEnv;
  /** Written to its standard input. */
  input?: string;
  /** Run as this user and group id. */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

export interface Ran {
  /** The command as a user would type it in the folder it ran in. */
  command: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

class MissingToolError extends Error {
  override name = 'MissingToolError';
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

const commandOf = (program: string, args: readonly string[], options: RunOptions) =>
  `${options.cwd ? `cd ${quote(options.cwd)} && ` : ''}${[program, ...args].map(quote).join(' ')}`;

const missing = (program: string) =>
  new MissingToolError(
    `${program} is not installed (not found in ${TOOLS_DIR}/bin nor on the PATH): run \`${INSTALL_COMMAND}\`.`,
  );

const spawnOptions = (options: RunOptions) => ({
  cwd: options.cwd,
  env: options.env,
  uid: options.uid,
  gid: options.gid,
  timeout: options.timeoutMs ?? 120_000,
  killSignal: 'SIGKILL' as const,
});

/** Runs `program args` and waits for it. Never throws for a failing program, only for a missing one. */
export function runSync(program: string, args: readonly string[], options: RunOptions = {}): Ran {
  const result = spawnSync(program, args, {
    ...spawnOptions(options),
    input: options.input,
    encoding: 'utf8',
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw missing(program);
  return {
    command: commandOf(program, args, options),
    status: result.status,
    signal: result.signal,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
  };
}

/** Like `runSync`, but fails with what the program printed unless it exits with 0; its stdout. */
export function runOk(program: string, args: readonly string[], options: RunOptions = {}): string {
  const result = runSync(program, args, options);
  if (result.status !== 0) throw new Error(describeRun(result));
  return result.stdout;
}

// Checks start their runs at once; this keeps the machine's cores busy, no more.
const slots = Math.max(2, availableParallelism());
let running = 0;
const waiting: Array<() => void> = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= slots) await new Promise<void>(resolve => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** `runSync` without blocking: a few runs at a time, the others wait their turn. */
export function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  return slot(
    () =>
      new Promise<Ran>((resolve, reject) => {
        const child = spawn(program, args, {
          ...spawnOptions(options),
          stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', chunk => (stdout += chunk));
        child.stderr!.setEncoding('utf8').on('data', chunk => (stderr += chunk));
        child.stdin?.end(options.input);
        child.on('error', error =>
          reject((error as NodeJS.ErrnoException).code === 'ENOENT' ? missing(program) : error),
        );
        child.on('close', (status, signal) =>
          resolve({ command: commandOf(program, args, options), status, signal, stdout, stderr }),
        );
      }),
  );
}

/** The run, its exit status and what it printed: the message of a failed check. */
export function describeRun(run: Ran): string {
  const output = [
    run.stdout.trimEnd() && `stdout:\n${run.stdout.trimEnd()}`,
    run.stderr.trimEnd() && `stderr:\n${run.stderr.trimEnd()}`,
  ]
    .filter(Boolean)
    .join('\n');
  // A Python stack without Django or Celery is a missing tool too.
  const hint = /No module named '(django|celery|psycopg|kombu|redis)'/.test(run.stderr)
    ? `\nInstall the Python stack with \`${INSTALL_COMMAND}\`.`
    : '';
  const ended = run.signal ? `was killed by ${run.signal}` : `exited ${run.status}`;
  return `\`${run.command}\` ${ended}${output ? `\n${output}` : ' and printed nothing'}${hint}`;
}
