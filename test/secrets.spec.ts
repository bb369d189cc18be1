// A re-run keeps the secrets the env files hold, read as Compose reads them, whatever
// valid syntax a person wrote them in; one it cannot read stops the run, never replaced.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { envValue } from '../src/generators/lib/quoting.js';
import { expectRejection, read, runApp, runProd } from './helpers.js';

const secretLine = (project: string, file: string, key: string) => read(project, file).split('\n').find(line => line.startsWith(`${key}=`));

describe('yo django-celery:prod run again after the secrets were edited by hand', () => {
  for (const [written, value] of [
    ["export SECRET_KEY='kept as typed: $HOME \"q\" \\n'", 'kept as typed: $HOME "q" \\n'],
    ['SECRET_KEY="dollars $$ and \\"quotes\\""  # a note', 'dollars $ and "quotes"'],
    ['  SECRET_KEY = plain-value', 'plain-value'],
  ] as const) {
    it(`keeps ${written}`, async () => {
      const { project } = await runApp({ defaults: true, prod: true });
      const file = join(project, '.env/.prod');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^SECRET_KEY=.*$/m, written));
      await runProd(project, { force: true });
      expect(secretLine(project, '.env/.prod', 'SECRET_KEY')).to.equal(`SECRET_KEY=${envValue(value)}`);
    });
  }

  it('stops, naming the key and the file, on a value only the shell would tell, and writes nothing', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    const file = join(project, '.env/.prod');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^SECRET_KEY=.*$/m, 'SECRET_KEY=${FROM_THE_SHELL}'));
    const before = readFileSync(file, 'utf8');
    await expectRejection(runProd(project, { force: true }), /SECRET_KEY in \.env\/\.prod cannot be read back \(it takes \$\{FROM_THE_SHELL\} from the environment Compose runs in\)/);
    expect(readFileSync(file, 'utf8')).to.equal(before);
  });
});
