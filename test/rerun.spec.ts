// Changing one's mind on a second run: production, and names that would break what they name.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { answerSpecs } from '../src/generators/lib/answers/answers.js';
import { expectRefusedUnchanged, expectRejection, runApp, runGenerator } from './helpers.js';

describe('yo django-celery --no-prod in a project with production', () => {
  it('refuses, saying how to remove production, and changes nothing', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    await expectRefusedUnchanged(
      project,
      runGenerator('app').withOptions({ 'no-prod': true, prod: false }).cd(project),
      /This project has production .* To drop production, move those files away/,
    );
  });
});

describe('names that would break what they name', () => {
  const name = answerSpecs('app').find(spec => spec.name === 'projectName')!;
  const user = answerSpecs('app').find(spec => spec.name === 'postgresUser')!;
  const db = answerSpecs('app').find(spec => spec.name === 'postgresDb')!;

  it('refuses every project name that .gitignore or .dockerignore would hide', async () => {
    const { project } = await runApp({ defaults: true });
    const hidden = ['.gitignore', '.dockerignore']
      .flatMap(file => readFileSync(join(project, file), 'utf8').split('\n'))
      .map(line => line.replace(/^\*\*\//, '').replace(/\/$/, ''))
      .filter(line => /^[a-z_][a-z0-9_]*$/.test(line));
    expect(hidden).to.include('__pycache__');
    for (const line of hidden) expect(name.validate(line, {}), line).to.be.a('string');
    expect(readdirSync(project)).to.include('.gitignore');
  });

  it('refuses names Python keeps for itself or imports on its own', () => {
    for (const value of [
      '__init__',
      '__main__',
      '__pycache__',
      'sitecustomize',
      'usercustomize',
      'pip',
      'setuptools',
      'pkg_resources',
    ]) {
      expect(name.validate(value, {}), value).to.be.a('string');
    }
    expect(name.validate('_private_name', {})).to.equal(true);
  });

  it('refuses the role names and databases the postgres image cannot set up', () => {
    expect(user.validate('public', {})).to.match(/initdb refuses it/);
    expect(user.validate('NONE', {})).to.match(/reserves it/);
    expect(db.validate('template0', {})).to.match(/accepts no connection/);
    expect(db.validate('template1', {})).to.match(/already has/);
    expect(user.validate('Current_User', {})).to.equal(true);
  });
});

describe('system errors and broken state, as one line naming the path and the fix', () => {
  it('names a .yo-rc.json that holds no object', async () => {
    await expectRejection(
      runApp({ defaults: true }, {}, folder => writeFileSync(join(folder, '.yo-rc.json'), '[1,2]')),
      /\.yo-rc\.json must hold a JSON object \(it holds \[1,2\]\): fix or remove it, then run again\.$/,
    );
    await expectRejection(
      runApp({ defaults: true }, {}, folder =>
        writeFileSync(join(folder, '.yo-rc.json'), '{"generator-django-celery": 5}'),
      ),
      /\.yo-rc\.json: "generator-django-celery" must be an object of answers \(it is 5\)/,
    );
  });

  it('names a file standing where the project folder would go', async () => {
    await expectRejection(
      runApp({ defaults: true }, {}, folder => writeFileSync(join(folder, 'django_celery_example'), '')),
      /django_celery_example is a file, not a folder: choose another --project-name, or move that file away\.$/,
    );
  });
});
