// The real tools of the tools and runtime tiers: what scripts/install-tools.sh unpacks
// into .cache/tools (Compose, the Python stack's wrappers), found before the PATH.
import { join } from 'node:path';
import { ROOT } from './root.js';
import { runSync } from './run.js';

export const INSTALL_COMMAND = 'bash scripts/install-tools.sh';
export const TOOLS_DIR = process.env.TOOLS_DIR ?? join(ROOT, '.cache', 'tools');
export const TOOLS_BIN = join(TOOLS_DIR, 'bin');

/** Runs scripts/install-tools.sh (idempotent: a few seconds once everything is there). */
export function installTools(): void {
  const run = runSync('bash', [join(ROOT, 'scripts', 'install-tools.sh')], { cwd: ROOT, timeoutMs: 540_000 });
  if (run.status !== 0) {
    throw new Error(`scripts/install-tools.sh failed (status ${run.status}):\n${(run.stdout + run.stderr).split('\n').slice(-40).join('\n')}`);
  }
}
