// What a run says at its end: what it did to each file, and the next commands to type.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { answerSpecs, type AppAnswers } from '../src/generators/lib/answers/answers.js';
import type { WriteReport } from '../src/generators/lib/files/write.js';
import { localUrl, siteUrl, summary } from '../src/generators/lib/run/summary.js';
import { fixedSecrets, runApp, runGenerator } from './helpers.js';

/** The default answers of a project named shop. */
const ANSWERS = {
  ...(Object.fromEntries(answerSpecs('app').map(spec => [spec.name, spec.default])) as AppAnswers),
  projectName: 'shop',
};

const report = (fields: Partial<WriteReport>): WriteReport => ({
  created: [],
  rewritten: [],
  overwritten: [],
  kept: [],
  unchanged: [],
  ...fields,
});

/** The report of the write of a run, which the generator the user started keeps. */
const writtenBy = (generator: unknown) => Reflect.get(generator as object, '_written') as WriteReport;

describe('the write report of a re-run in place', () => {
  it('tells files rewritten from edited files kept, and files already up to date', async () => {
    const first = await runApp({ defaults: true });
    const requirements = join(first.project, 'requirements.txt');
    writeFileSync(requirements, `${readFileSync(requirements, 'utf8')}my-package==1.0\n`);
    const second = await runGenerator('app', { force: false })
      .withOptions({ secretSource: fixedSecrets, force: false, interactive: true, 'web-port': '8020' })
      .withAnswers({ action: 'skip' })
      .cd(first.project);
    const written = writtenBy(second.generator);
    expect(written.rewritten.sort()).to.deep.equal(['.github/workflows/ci.yml', 'README.md', 'docker-compose.yml']);
    expect(written.kept).to.deep.equal(['requirements.txt']);
    expect(written.overwritten).to.deep.equal([]);
    expect(written.created).to.deep.equal([]);
    expect(written.unchanged).to.include('manage.py');
  });

  it('tells an edited file overwritten with --force', async () => {
    const first = await runApp({ defaults: true });
    writeFileSync(join(first.project, 'requirements.txt'), 'mine\n');
    const second = await runGenerator('app').withOptions({ secretSource: fixedSecrets, force: true }).cd(first.project);
    expect(writtenBy(second.generator).overwritten).to.deep.equal(['requirements.txt']);
    expect(writtenBy(second.generator).kept).to.deep.equal([]);
  });

  it('of a first run, tells every file created', async () => {
    const { result } = await runApp({ defaults: true });
    const written = writtenBy(result.generator);
    expect(written.created).to.include.members(['manage.py', 'docker-compose.yml', '.env/.dev-sample']);
    expect([...written.rewritten, ...written.kept, ...written.unchanged]).to.deep.equal([]);
  });
});

describe('the summary at the end of a run', () => {
  it('of a first run: the files created, the addresses, then cd and docker compose up', () => {
    const text = summary({
      report: report({ created: ['a', 'b'] }),
      answers: ANSWERS,
      cd: 'shop',
      stacks: { local: true, production: false },
    });
    expect(text).to.contain('Created shop: 2 files.');
    // Every address the stack serves: Django, Flower and the mail catcher.
    expect(text.replace(/\n/g, ' ')).to.contain(
      'Django will answer at http://localhost:8010/, Flower at http://localhost:5557/ and the mail catcher (every mail Django sends) at http://localhost:8025/;',
    );
    expect(text).to.match(/Next, start the development stack:\n {2}cd shop\n {2}docker compose up -d --build\n$/);
  });

  it('of a re-run in place: what was rewritten, which changed files were kept or overwritten, and no cd', () => {
    const text = summary({
      report: report({
        rewritten: ['README.md', 'docker-compose.yml'],
        overwritten: ['.env/.dev-sample'],
        kept: ['requirements.txt'],
        unchanged: ['manage.py'],
      }),
      answers: ANSWERS,
      stacks: { local: true, production: false },
    });
    expect(text.replace(/\n/g, ' ')).to.contain(
      'Updated this project: rewrote README.md, docker-compose.yml and .env/.dev-sample. 1 file already up to date. Overwrote your changes to .env/.dev-sample. Kept your changes to requirements.txt (run again with --force to overwrite them).',
    );
    expect(text).not.to.contain('cd ');
    expect(text).to.match(/ {2}docker compose up -d --build\n$/);
  });

  it("of :prod: the build, migrate and up commands, and the site's address", () => {
    const text = summary({
      report: report({
        created: ['docker-compose.prod.yml', '.env/.prod'],
        rewritten: ['requirements.txt'],
        unchanged: ['manage.py'],
      }),
      answers: { ...ANSWERS, prod: true, nginxPort: 8443, allowedHosts: 'localhost', flowerUser: 'ops' },
      stacks: { local: false, production: true },
    });
    expect(text.replace(/\n/g, ' ')).to.contain(
      'Updated this project: added docker-compose.prod.yml and .env/.prod; rewrote requirements.txt.',
    );
    expect(text.replace(/\n/g, ' ')).to.contain(
      'the site at http://localhost:8443/, Flower at http://localhost:8443/flower/ (login ops',
    );
    expect(text).to.match(
      /Next, build, migrate and start production:\n {2}docker compose -f docker-compose.prod.yml build\n {2}docker compose -f docker-compose.prod.yml run --rm web \\\n {4}python manage.py migrate --noinput\n {2}docker compose -f docker-compose.prod.yml up -d\n$/,
    );
    for (const line of text.split('\n')) expect(line.length, line).to.be.at.most(80);
  });

  it('of a re-run whose values the files of the user did not take: one sentence right after the files, naming each setting and its file', () => {
    const text = summary({
      report: report({ rewritten: ['README.md'] }),
      answers: ANSWERS,
      stacks: { local: true, production: false },
      unapplied: new Map([
        ['.env/.prod', ['SQL_DATABASE=shop', 'CELERY_FLOWER_USER=ops']],
        ['.env/.prod.db', ['POSTGRES_DB=shop']],
      ]),
    });
    const paragraphs = text.split('\n\n').map(paragraph => paragraph.trim().replace(/\n/g, ' '));
    expect(paragraphs[0]).to.equal(
      "Updated this project: rewrote README.md. Kept .env/.prod and .env/.prod.db as they are (yours once written), without this run's new values: to apply them, set SQL_DATABASE=shop and CELERY_FLOWER_USER=ops in .env/.prod, and POSTGRES_DB=shop in .env/.prod.db by hand.",
    );
    for (const line of text.split('\n')) expect(line.length, line).to.be.at.most(80);
    expect(
      summary({ report: report({}), answers: ANSWERS, stacks: { local: true, production: false } }),
    ).not.to.contain('Kept .env');
  });

  it("gives production's address on the first host it answers to, localhost only when that is allowed", () => {
    expect(siteUrl('localhost 127.0.0.1 [::1]', 1337)).to.equal('http://localhost:1337/');
    expect(siteUrl('example.com www.example.com', 80)).to.equal('http://example.com/');
    expect(siteUrl('.example.org', 8080, '/flower/')).to.equal('http://example.org:8080/flower/');
    expect(siteUrl('[::1] localhost', 1337)).to.equal('http://localhost:1337/');
    expect(siteUrl('*', 80)).to.equal('http://localhost/');
    const text = summary({
      report: report({ created: ['docker-compose.prod.yml'] }),
      answers: { ...ANSWERS, prod: true, nginxPort: 80, allowedHosts: 'example.com', flowerUser: 'ops' },
      stacks: { local: false, production: true },
    });
    expect(text.replace(/\n/g, ' ')).to.contain(
      'the site at http://example.com/, Flower at http://example.com/flower/',
    );
  });

  it('writes port 80 as http://localhost/', () => {
    expect(localUrl(80)).to.equal('http://localhost/');
    expect(localUrl(80, '/flower/')).to.equal('http://localhost/flower/');
    expect(localUrl(1337)).to.equal('http://localhost:1337/');
  });
});
