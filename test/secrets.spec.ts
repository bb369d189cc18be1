// A re-run keeps the secrets the env files hold, read as Compose reads them, whatever
// valid syntax a person wrote them in; one it cannot read stops the run, never replaced.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { addMissingSettings, readEnvFile } from '../src/generators/lib/values/env-file.js';
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

/** A production project whose SECRET_KEY line reads `SECRET_KEY=<value>`, run again with --force. */
async function rerunWithSecretKey(value: string) {
  const { project } = await runApp({ defaults: true, prod: true });
  const file = join(project, '.env/.prod');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(/^SECRET_KEY=.*$/m, () => `SECRET_KEY=${value}`),
  );
  const before = readFileSync(file, 'utf8');
  const line = before.split('\n').findIndex(text => text.startsWith('SECRET_KEY=')) + 1;
  const message = await rejection(runProd(project, { force: true }));
  return { file, before, line, message };
}

describe('yo django-celery:prod run again after the secrets were edited by hand', () => {
  for (const [written, value] of [
    ['export SECRET_KEY=\'kept as typed: $HOME "q" \\n\'', 'kept as typed: $HOME "q" \\n'],
    ['SECRET_KEY="dollars $$ and \\"quotes\\""  # a note', 'dollars $ and "quotes"'],
    ['  SECRET_KEY = plain-value', 'plain-value'],
  ] as const) {
    it(`keeps ${written}`, async () => {
      const { project } = await runApp({ defaults: true, prod: true });
      const file = join(project, '.env/.prod');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/^SECRET_KEY=.*$/m, () => written),
      );
      const own = readFileSync(file, 'utf8');
      await runProd(project, { force: true });
      // The file is the user's: kept as written, even under --force; the value read back is the one Compose reads.
      expect(readFileSync(file, 'utf8')).to.equal(own);
      expect(readEnvFile(own).get('SECRET_KEY')).to.deep.equal({ value });
    });
  }

  for (const value of ['${FROM_THE_SHELL}', 'pa$sword', '"s3cr$et"']) {
    it(`stops on ${value}, naming the key, the file and the line but no part of the value, and writes nothing`, async () => {
      const { file, before, line, message } = await rerunWithSecretKey(value);
      expect(message).to.match(
        new RegExp(`^SECRET_KEY in \\.env/\\.prod, line ${line}, cannot be read back \\(a \\$ followed by`),
      );
      for (const part of value
        .replace(/['"$]/g, ' ')
        .split(/\W+/)
        .filter(word => word.length > 2))
        expect(message).to.not.contain(part);
      expect(readFileSync(file, 'utf8')).to.equal(before);
    });
  }
});

describe('the production env files, once written', () => {
  it("are the user's: a plain re-run and --force keep every value set by hand, and add only settings that are new", async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    const file = join(project, '.env/.prod');
    const own = readFileSync(file, 'utf8')
      .replace(/^DJANGO_SECURE_PROXY=0$/m, 'DJANGO_SECURE_PROXY=1')
      .replace(/^EMAIL_HOST=$/m, 'EMAIL_HOST=smtp.example.com')
      .replace(/^EMAIL_HOST_PASSWORD=$/m, "EMAIL_HOST_PASSWORD='my mail pass'")
      .replace(/^CELERY_TASK_MAX_DELIVERIES=.*\n/m, '');
    writeFileSync(file, own);
    for (const options of [{}, { force: true }]) {
      await runProd(project, options);
      const now = readFileSync(file, 'utf8');
      expect(now.startsWith(own), JSON.stringify(options)).to.equal(true);
      expect(now.slice(own.length)).to.equal(
        '# Deliveries of a task whose worker process dies before it is recorded as failed.\nCELERY_TASK_MAX_DELIVERIES=3\n',
      );
      const env = readEnvFile(now);
      expect(env.get('DJANGO_SECURE_PROXY')).to.deep.equal({ value: '1' });
      expect(env.get('EMAIL_HOST_PASSWORD')).to.deep.equal({ value: 'my mail pass' });
    }
    // No digest of them in the committed .yo-rc.json.
    const record = JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery:files'] as Record<string, string>;
    expect(Object.keys(record)).to.include('docker-compose.prod.yml');
    expect(Object.keys(record)).to.not.include.members(['.env/.prod', '.env/.prod.db']);
  });

  it('gain a missing setting with the comment before it, and stay as they are when none is missing', () => {
    const rendered = '# a\nA=1\n# b1\n# b2\nB=2\nC=3\n';
    expect(addMissingSettings('A=mine\nB=x\nC=y\n', rendered)).to.equal('A=mine\nB=x\nC=y\n');
    expect(addMissingSettings('A=mine', rendered)).to.equal('A=mine\n# b1\n# b2\nB=2\nC=3\n');
    expect(addMissingSettings("export C='kept'\n", rendered)).to.equal("export C='kept'\n# a\nA=1\n# b1\n# b2\nB=2\n");
  });
});

describe('an env file that Compose would reject', () => {
  it('is refused, not read as a value spanning the lines up to the next quote', async () => {
    // The template's comments hold apostrophes ("host's"): an unclosed quote would run up to one of them.
    const { file, before, line, message } = await rerunWithSecretKey("'unclosed-secret-value");
    expect(message).to.match(
      new RegExp(
        `^SECRET_KEY in \\.env/\\.prod, line ${line}, cannot be read back \\(its quote closes on line \\d+ with more text after it, which is no comment: Compose rejects the file`,
      ),
    );
    expect(message).to.not.contain('unclosed-secret');
    expect(readFileSync(file, 'utf8')).to.equal(before);
  });

  it('still reads a quoted value followed by blanks or a comment', () => {
    expect(readEnvFile("A='x' \t# note\nB=\"y\"\r\nC='z'").get('A')).to.deep.equal({ value: 'x' });
    expect(readEnvFile("A='x' \t# note\nB=\"y\"\r\nC='z'").get('B')).to.deep.equal({ value: 'y' });
    expect(readEnvFile("A='x' \t# note\nB=\"y\"\r\nC='z'").get('C')).to.deep.equal({ value: 'z' });
    expect(readEnvFile("A='x' y\n").get('A')).to.have.property('unreadable');
  });
});
