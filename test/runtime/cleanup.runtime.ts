// The tier's last checks: its leak check works, nothing it started is still running, and
// its folders are gone.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import {
  groupMembers,
  killStrays,
  processesUsing,
  removeTrackedDirs,
  start,
  startedProcesses,
  stopAll,
  tempDir,
  trackedDirs,
  waitUntil,
} from './support.js';

describe('The runtime tier itself', () => {
  it('sees a stray process that left its process group (setsid) but works in one of its temporary folders', async () => {
    const dir = tempDir('stray');
    const parent = start('stray parent', 'bash', ['-c', 'setsid sleep 300 </dev/null >/dev/null 2>&1 &'], { cwd: dir });
    await parent.waitForExit(10_000);
    // Once its setsid() has run, the group is empty: stopping by group cannot reach it.
    await waitUntil('the process group to be empty', () => groupMembers(parent.pgid).length === 0, 5_000);
    // setsid() runs before it execs sleep: until then the stray's command line is setsid's.
    const strays = await waitUntil(
      'the stray to run sleep itself',
      () => {
        const found = processesUsing([dir]);
        return found.length === 1 && /\(sleep 300,/.test(found[0]) ? found : undefined;
      },
      5_000,
    );
    expect(strays).to.have.length(1);
    expect(strays[0]).to.match(/sleep 300/);
    expect(await killStrays([dir])).to.deep.equal(strays);
  });

  it('leaves no process it started running (by process group, command line or working folder) and removes its temporary folders', async function () {
    // Removing the environments the tier built (hundreds of MB) takes a while on a busy machine.
    this.timeout(180_000);
    // Each suite stops its own processes in its `after`; anything found here is a leak.
    const alive = startedProcesses().flatMap(proc => {
      const members = groupMembers(proc.pgid);
      return members.length > 0 ? [`${proc.name}: pgid ${proc.pgid}, pids ${members.join(' ')}`] : [];
    });
    const dirs = trackedDirs();
    // Clean up before asserting (by group, then strays by PID), so a failure here leaves nothing behind either.
    await stopAll();
    const strays = await killStrays(dirs);
    removeTrackedDirs();
    expect(startedProcesses().length, 'the tier started processes').to.be.greaterThan(1);
    expect(alive, 'process groups still alive after the suites').to.deep.equal([]);
    expect(strays, 'processes using the temporary folders').to.deep.equal([]);
    expect(
      dirs.filter(dir => existsSync(dir)),
      'temporary folders left',
    ).to.deep.equal([]);
  });
});
