// The precedence of answers, as a pure function: option, stored answer, default, prompt.
import { expect } from 'chai';
import { answerSpecs, ANSWERS } from '../src/generators/lib/answers/answers.js';
import {
  defaultOf,
  resolveAnswers,
  sourceOf,
  unanswered,
  type AnswerSources,
} from '../src/generators/lib/answers/resolve.js';
import { expectRejection } from './helpers.js';
import { APP_QUESTIONS } from './fixtures.js';

const webPort = answerSpecs('app').find(spec => spec.name === 'webPort')!;
const sources = (given: Partial<AnswerSources>): AnswerSources => ({
  options: {},
  stored: {},
  defaults: false,
  ...given,
});

describe('resolving an answer', () => {
  it('takes an option before a stored answer, a stored answer before the default', () => {
    expect(
      sourceOf(webPort, sources({ options: { 'web-port': '9000' }, stored: { webPort: 9100 }, defaults: true })),
    ).to.deep.equal({ raw: '9000', from: '--web-port' });
    expect(sourceOf(webPort, sources({ stored: { webPort: 9100 }, defaults: true }))).to.deep.equal({
      raw: '9100',
      from: 'The stored answer "webPort" in .yo-rc.json',
      stored: true,
    });
    expect(sourceOf(webPort, sources({ defaults: true }))).to.deep.equal({
      raw: '8010',
      from: 'The default of --web-port',
      fallback: true,
    });
  });

  it('leaves an answer to be asked when nothing gives it, except an option-only one, which takes its default', () => {
    const missing = unanswered(answerSpecs('app'), sources({}));
    expect(missing.map(spec => spec.name)).to.deep.equal(APP_QUESTIONS);
  });

  it('parses every value by its declaration', async () => {
    const answers = await resolveAnswers(
      ANSWERS,
      sources({ defaults: true, options: { 'web-port': '9000', prod: true, 'allowed-hosts': 'a.example, b.example' } }),
    );
    expect(answers).to.include({
      webPort: 9000,
      flowerPort: 5557,
      prod: true,
      allowedHosts: 'a.example b.example',
      pythonVersion: '3.13',
    });
  });

  it('names the source of an invalid value', async () => {
    await expectRejection(
      resolveAnswers([webPort], sources({ stored: { webPort: 70000 } })),
      /^The stored answer "webPort" in .yo-rc.json: "70000" is not a port/,
    );
    await expectRejection(
      resolveAnswers([webPort], sources({ options: { 'web-port': 'http' } })),
      /^--web-port: "http" is not a port/,
    );
  });

  it('refuses a stored answer of the wrong type, as a typed one of the wrong value', async () => {
    await expectRejection(
      resolveAnswers([webPort], sources({ stored: { webPort: '8010' } })),
      /^The stored answer "webPort" in .yo-rc.json: "8010" is not a number/,
    );
    const prod = answerSpecs('app').find(spec => spec.name === 'prod')!;
    await expectRejection(
      resolveAnswers([prod], sources({ stored: { prod: 'yes' } })),
      /^The stored answer "prod" in .yo-rc.json: "yes" is not a boolean/,
    );
    await expectRejection(
      resolveAnswers([prod], sources({ options: { prod: 'maybe' } })),
      /^--prod: "maybe" is not yes or no/,
    );
  });

  it('takes for a default the nearest value after the declared one that the answers given leave valid', async () => {
    const answers = await resolveAnswers(
      answerSpecs('app'),
      sources({ defaults: true, options: { 'web-port': '5557', 'mail-port': '5558' } }),
    );
    expect(answers).to.include({ webPort: 5557, flowerPort: 5559, mailPort: 5558 });
    const [name] = answerSpecs('app');
    const free = (value: string) =>
      ['django_celery_example', 'django_celery_example_2'].includes(value) ? 'taken' : true;
    expect(defaultOf(name, {}, free)).to.equal('django_celery_example_3');
  });

  it('without a way to ask, names every option to pass', async () => {
    await expectRejection(
      resolveAnswers(answerSpecs('prod'), sources({ options: { 'nginx-port': '80' } })),
      /Pass --https, --allowed-hosts, --flower-user, or --defaults/,
    );
  });

  it("asks what nothing gives, in the table's order, after settling the rest, and validates the reply", async () => {
    const asked: string[] = [];
    const answers = await resolveAnswers(
      answerSpecs('prod'),
      sources({ options: { 'flower-user': 'ops' } }),
      async spec => {
        asked.push(spec.name);
        return { https: 'off', nginxPort: '8080' }[spec.name as string] ?? 'example.com';
      },
    );
    expect(asked).to.deep.equal(['https', 'nginxPort', 'allowedHosts']);
    // Kept in the table's order, whatever order they were settled in; an option only takes its default.
    expect(Object.keys(answers)).to.deep.equal([
      'https',
      'nginxPort',
      'nginxLoopback',
      'allowedHosts',
      'flowerUser',
      'acmeEmail',
      'acmeCa',
    ]);
    expect(answers).to.deep.equal({
      https: 'off',
      acmeEmail: '',
      acmeCa: 'https://acme-v02.api.letsencrypt.org/directory',
      flowerUser: 'ops',
      nginxPort: 8080,
      nginxLoopback: false,
      allowedHosts: 'example.com',
    });
    await expectRejection(
      resolveAnswers([webPort], sources({}), async () => 'eighty'),
      /"eighty" is not a port/,
    );
  });
});

describe('a retired Python version', () => {
  const python = answerSpecs('app').filter(spec => spec.name === 'pythonVersion');

  it('is refused as an option, saying why and what to choose instead', async () => {
    await expectRejection(
      resolveAnswers(python, sources({ options: { 'python-version': '3.12' } })),
      /^--python-version: Python version 3\.12 is no longer offered to new projects: no tier can run the project on Python 3\.12 \(no Debian suite has it\)[^.]*\. Choose one of 3\.13, 3\.14\.$/,
    );
  });

  it('is kept when a project stores it, with one warning line', async () => {
    const warnings: string[] = [];
    const answers = await resolveAnswers(
      python,
      sources({ stored: { pythonVersion: '3.12' } }),
      undefined,
      {},
      message => warnings.push(message),
    );
    expect(answers.pythonVersion).to.equal('3.12');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^Warning: The stored answer "pythonVersion" in \.yo-rc\.json is 3\.12, which new projects can no longer choose: .*pass --python-version to move on\.$/,
    );
    expect(warnings[0]).not.to.contain('\n');
  });

  it('gives no warning for a version still offered', async () => {
    const warnings: string[] = [];
    await resolveAnswers(python, sources({ stored: { pythonVersion: '3.14' } }), undefined, {}, message =>
      warnings.push(message),
    );
    expect(warnings).to.deep.equal([]);
  });
});
