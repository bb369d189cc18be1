// A re-run keeps the secrets the env files hold, read as Compose reads them, whatever
// valid syntax a person wrote them in; one it cannot read stops the run, never replaced.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { envValue } from '../src/generators/lib/quoting.js';
import { read, runApp, runProd } from './helpers.js';

/** The message the run stopped with. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('The run did not stop.');
}

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

  for (const value of ['${FROM_THE_SHELL}', 'pa$sword', '"s3cr$et"']) {
    it(`stops on ${value}, naming the key, the file and the line but no part of the value, and writes nothing`, async () => {
      const { project } = await runApp({ defaults: true, prod: true });
      const file = join(project, '.env/.prod');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^SECRET_KEY=.*$/m, `SECRET_KEY=${value}`));
      const before = readFileSync(file, 'utf8');
      const line = before.split('\n').findIndex(text => text.startsWith('SECRET_KEY=')) + 1;
      const message = await rejection(runProd(project, { force: true }));
      expect(message).to.match(new RegExp(`^SECRET_KEY in \\.env/\\.prod, line ${line}, cannot be read back \\(a \\$ followed by`));
      for (const part of value.replace(/['"$]/g, ' ').split(/\W+/).filter(word => word.length > 2)) expect(message).to.not.contain(part);
      expect(readFileSync(file, 'utf8')).to.equal(before);
    });
  }
});
