// Runs the real tools: found in .cache/tools (scripts/install-tools.sh) before the PATH,
// a few at a time, with a clean environment. A missing tool fails with the command that
// installs it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

export const INSTALL_COMMAND = 'bash scripts/install-tools.sh';
export const TOOLS_DIR = process.env.TOOLS_DIR ?? join(ROOT, '.cache', 'tools');

/** The PATH of every tool run: what install-tools.sh unpacked, then the system's (nginx lives in sbin). */
export const TOOL_PATH = [join(TOOLS_DIR, 'bin'), process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'].join(':');

/** A HOME of its own, so no ~/.docker or ~/.shellcheckrc of the machine changes a result. */
const HOME = mkdtempSync(join(tmpdir(), 'tools-home-'));
process.on('exit', () => rmSync(HOME, { recursive: true, force: true }));

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

export interface ToolRun {
  /** The command as a user would type it in the folder it ran in. */
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The run, its exit status and what it printed: the message of a failed check. */
export function describeRun(run: ToolRun): string {
  const output = [run.stdout.trimEnd() && `stdout:\n${run.stdout.trimEnd()}`, run.stderr.trimEnd() && `stderr:\n${run.stderr.trimEnd()}`]
    .filter(Boolean)
    .join('\n');
  // A Python stack without Django or Celery is a missing tool too.
  const hint = /No module named '(django|celery|psycopg|kombu|redis)'/.test(run.stderr) ? `\nInstall the Python stack with \`${INSTALL_COMMAND}\`.` : '';
  return `\`${run.command}\` exited ${run.status}${output ? `\n${output}` : ' and printed nothing'}${hint}`;
}

// Each project starts its checks at once; this keeps the machine's cores busy, no more.
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

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

export interface RunOptions {
  cwd: string;
  /** Added to the clean environment (PATH, HOME, LANG). */
  env?: Record<string, string>;
}

/** Runs `program args` in `cwd`. Never rejects for a failing tool, only for a missing one. */
export function run(program: string, args: readonly string[], options: RunOptions): Promise<ToolRun> {
  const command = `cd ${quote(options.cwd)} && ${[program, ...args].map(quote).join(' ')}`;
  return slot(
    () =>
      new Promise<ToolRun>((resolve, reject) => {
        const child = spawn(program, args, {
          cwd: options.cwd,
          env: { PATH: TOOL_PATH, HOME, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...options.env },
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 120_000,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
        child.on('error', error => {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new MissingToolError(`${program} is not installed (not found in ${TOOLS_DIR}/bin nor on the PATH): run \`${INSTALL_COMMAND}\`.`));
          } else reject(error);
        });
        child.on('close', status => resolve({ command, status, stdout, stderr }));
      }),
  );
}
