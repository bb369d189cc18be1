// A run's state (lib/run/state.ts): made by the generator the user started, handed to
// those it composes, and gone with the run: two generations in one process share nothing.
import { expect } from 'chai';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunState } from '../src/generators/lib/run/state.js';
import { runApp } from './helpers.js';

/** The state of the run whose generator `result` holds. */
const stateOf = (result: Awaited<ReturnType<typeof runApp>>['result']): RunState =>
  (result.generator as unknown as { runState: RunState }).runState;

const mode = (path: string) => statSync(path).mode & 0o777;

describe("a run's state, for two generations in one process", () => {
  it("is the started generator's own, reaches the generators it composes (prod marks its env files private in it), and the next run starts with none of it", async () => {
    const first = await runApp({ defaults: true, prod: true });
    const firstState = stateOf(first.result);
    expect(firstState.starter).to.equal(first.result.generator);
    const prodFiles = ['.env/.prod', '.env/.prod.db'].map(file => join(first.project, file));
    // prod, a composed generator, marked them in the starter's state: written readable by their owner only.
    expect([...firstState.privateFiles].sort()).to.deep.equal(prodFiles.sort());
    for (const file of prodFiles) expect(mode(file), file).to.equal(0o600);
    expect(firstState.report?.created).to.include.members(['.env/.prod', 'docker-compose.prod.yml']);

    const second = await runApp({ defaults: true });
    const secondState = stateOf(second.result);
    expect(secondState).to.not.equal(firstState);
    expect([...secondState.privateFiles], "the second run's private files").to.deep.equal([]);
    expect([...secondState.secretFiles]).to.deep.equal([join(second.project, '.env/.dev-sample')]);
    expect(secondState.report?.created).to.not.include('docker-compose.prod.yml');
    expect(secondState.unapplied.size).to.equal(0);
    // The first run's state is as that run left it.
    expect([...firstState.privateFiles].sort()).to.deep.equal(prodFiles.sort());
  });
});
