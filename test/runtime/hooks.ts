// Root hooks of the runtime tier: the real tools first (and no environment a run that
// was killed left in the roots); at the very end, whatever a failed check left behind is
// stopped (by process group), every temporary folder removed, and the tier's time printed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { installTools } from '../support/tools.js';
import { ROOTS_DIR } from './roots.js';
import { killStrays, removeTrackedDirs, stopAll, trackedDirs } from './support.js';

let started = 0;

/** Environments left in the roots' /opt/envs by an earlier run that could not clean up (only one runtime tier runs at a time). */
function removeStaleEnvironments(): void {
  for (const root of existsSync(ROOTS_DIR) ? readdirSync(ROOTS_DIR) : []) {
    const envs = join(ROOTS_DIR, root, 'opt', 'envs');
    if (existsSync(envs))
      for (const name of readdirSync(envs)) rmSync(join(envs, name), { recursive: true, force: true });
  }
}

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(900_000);
    started = Date.now();
    installTools();
    removeStaleEnvironments();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    const problems = await stopAll();
    const strays = await killStrays(trackedDirs());
    removeTrackedDirs();
    console.log(
      `\n  runtime tier: ${Math.round((Date.now() - started) / 1000)} s in all, the tools' installation included`,
    );
    if (strays.length > 0)
      problems.push(`Killed stray processes still using the tier's folders:\n${strays.join('\n')}`);
    if (problems.length > 0) throw new Error(`Could not stop every process the tier started:\n${problems.join('\n')}`);
  },
};
