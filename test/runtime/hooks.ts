// Root hooks of the runtime tier: the real tools first; at the very end, whatever a failed
// check left behind is stopped (by process group) and every temporary folder removed.
import { installTools } from '../support/tools.js';
import { killStrays, removeTrackedDirs, stopAll, trackedDirs } from './support.js';

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(540_000);
    installTools();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    const problems = await stopAll();
    const strays = await killStrays(trackedDirs());
    removeTrackedDirs();
    if (strays.length > 0) problems.push(`Killed stray processes still using the tier's folders:\n${strays.join('\n')}`);
    if (problems.length > 0) throw new Error(`Could not stop every process the tier started:\n${problems.join('\n')}`);
  },
};
