// Root hooks of the unit tier's snapshots (mocha-expect-snapshot, on jest-snapshot).
// `npm run test:update` (UPDATE_SNAPSHOT=all) rewrites them and drops obsolete entries.
// Otherwise a missing snapshot is written only outside CI (under CI it fails), and an
// entry that no test checked any more fails the run, naming it.
import type { SnapshotState } from 'jest-snapshot';
import { mochaHooks as snapshotHooks, setSnapshotStateOptions } from 'mocha-expect-snapshot';

const update = process.env.UPDATE_SNAPSHOT ?? (process.env.CI ? 'none' : 'new');
setSnapshotStateOptions({ updateSnapshot: update as 'all' | 'new' | 'none' });

/** Every test of `suite`, nested suites included. */
const testsOf = (suite: Mocha.Suite): Mocha.Test[] => [...suite.tests, ...suite.suites.flatMap(testsOf)];

/** Entries of the snapshot files that no test checked, when every test of their suite ran and passed. */
function obsoleteEntries(root: Mocha.Suite): string[] {
  return root.suites.flatMap(suite => {
    const state = (suite.ctx as { _snapshotState?: SnapshotState })._snapshotState;
    if (!state || !testsOf(suite).every(test => test.state === 'passed')) return [];
    return state.getUncheckedKeys().map(key => `${suite.file}: ${key}`);
  });
}

export const mochaHooks = {
  ...snapshotHooks,
  async afterAll(this: Mocha.Context): Promise<void> {
    let root = this.test!.parent!;
    while (root.parent) root = root.parent;
    const obsolete = update === 'all' ? [] : obsoleteEntries(root);
    await snapshotHooks.afterAll.call(this);
    if (obsolete.length > 0) {
      throw new Error(
        `Obsolete snapshots (no test checks them any more; \`npm run test:update\` removes them; a snapshot file takes one top-level describe):\n${obsolete.join('\n')}`,
      );
    }
  },
};
