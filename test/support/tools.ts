// The real tools of the tools and runtime tiers: what scripts/install-tools.sh unpacks
// into .cache/tools (Compose, the Python stack's wrappers), found before the PATH.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './root.js';
import { run, runSync, type Ran } from './run.js';

export const INSTALL_COMMAND = 'bash scripts/install-tools.sh';
export const TOOLS_DIR = process.env.TOOLS_DIR ?? join(ROOT, '.cache', 'tools');
export const TOOLS_BIN = join(TOOLS_DIR, 'bin');

/** Runs scripts/install-tools.sh (idempotent: a few seconds once everything is there). */
export function installTools(): void {
  const run = runSync('bash', [join(ROOT, 'scripts', 'install-tools.sh')], { cwd: ROOT, timeoutMs: 540_000 });
  if (run.status !== 0) {
    throw new Error(
      `scripts/install-tools.sh failed (status ${run.status}):\n${(run.stdout + run.stderr).split('\n').slice(-40).join('\n')}`,
    );
  }
}

/** The PATH of every tool run: what install-tools.sh unpacked, then the system's (nginx lives in sbin). */
const TOOL_PATH = [
  TOOLS_BIN,
  process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  '/usr/local/sbin',
  '/usr/sbin',
  '/sbin',
].join(':');

let home: string | undefined;

/** A HOME of its own, so no ~/.docker or ~/.shellcheckrc of the machine changes a result. */
function toolHome(): string {
  if (!home) {
    const folder = mkdtempSync(join(tmpdir(), 'tools-home-'));
    process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
    home = folder;
  }
  return home;
}

/** Runs a real tool in `cwd` with a clean environment (PATH, HOME, LANG) and `env` added. */
export function runTool(
  program: string,
  args: readonly string[],
  { cwd, env = {} }: { cwd: string; env?: Record<string, string> },
): Promise<Ran> {
  return run(program, args, {
    cwd,
    env: { PATH: TOOL_PATH, HOME: toolHome(), LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
}
