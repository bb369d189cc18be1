// `--help` of every generator: the options this generator reads first, with what each
// accepts, laid out for an 80-column terminal.
import { join } from 'node:path';
import { expect } from 'chai';
import helpers from 'yeoman-test';
import type Generator from 'yeoman-generator';
import { jestExpect } from 'mocha-expect-snapshot';
import { ROOT } from './support/root.js';

const NAMES = ['app', 'prod', 'django', 'requirements', 'env', 'local', 'repo'] as const;

/** The help of generator `name`, instantiated from its sources as the environment does for --help. */
async function helpOf(name: (typeof NAMES)[number]): Promise<string> {
  const resolved = join(ROOT, 'src', 'generators', name, 'index.ts');
  const { default: Class } = (await import(resolved)) as { default: new (...args: never[]) => Generator };
  const context = helpers
    .run(Class as never, { resolved, namespace: `django-celery:${name}` })
    .withOptions({ help: true });
  await context.build();
  return context.generator.help();
}

describe('--help', () => {
  // Loaded without the entry point, the generators show the help `yo` shows (the e2e tier
  // checks create-django-celery's).
  const helps = new Map<string, string>();
  before(async () => {
    for (const name of NAMES) helps.set(name, await helpOf(name));
  });

  for (const name of NAMES) {
    it(`of ${name === 'app' ? 'yo django-celery' : `yo django-celery:${name}`} matches its reviewed snapshot`, () => {
      jestExpect(helps.get(name)).toMatchSnapshot();
    });
  }

  it('names the command as yo takes it', () => {
    expect(helps.get('app')).to.match(/^Usage: yo django-celery \[options\]$/m);
    expect(helps.get('prod')).to.match(/^Usage: yo django-celery:prod \[options\]$/m);
  });

  it('never passes 80 columns, so no terminal breaks a word', () => {
    for (const [name, help] of helps) {
      for (const line of help.split('\n')) expect(line.length, `${name}: ${line}`).to.be.at.most(80);
    }
  });

  it("lists this generator's options first, each with its value placeholder, and then --force", () => {
    const options = [...helps.get('app')!.matchAll(/^ {2}(-\S.*?)(?: {2,}|$)/gm)].map(match => match[1]);
    expect(options.slice(0, 3)).to.deep.equal(['--project-name <name>', '--web-port <port>', '--flower-port <port>']);
    expect(options).to.include.members([
      '--prod, --no-prod',
      '--force',
      '-h, --help',
      '--version',
      '--allowed-hosts <hosts>',
    ]);
    expect(options.indexOf('--force')).to.be.above(options.indexOf('--flower-user <name>'));
    expect(helps.get('app')).not.to.match(/skip-cache|skip-install|force-install|ask-answered/);
  });

  it('says what each option accepts and its default', () => {
    expect(helps.get('app')).to.match(
      /--web-port <port> +Host port of the Django development server: a\s+whole number from 1 to 65535/,
    );
    expect(helps.get('app')).to.match(
      /--python-version <version> +Python version of the images: one of 3\.13,\s+3\.14\.\s+Default: 3\.13\./,
    );
  });

  it("lists every sub-generator in the app's help, one line each", () => {
    const [heading, ...list] = helps.get('app')!.split('\nGenerators, ')[1].split('\n\n')[0].split('\n');
    expect(heading).to.equal('each run as `yo django-celery:<name>` inside a project:');
    expect(list.map(line => line.trim().split(/ {2,}/)[0])).to.deep.equal([
      'django',
      'env',
      'kubernetes',
      'local',
      'prod',
      'repo',
      'requirements',
      'users',
    ]);
    for (const line of list) expect(line.trim().split(/ {2,}/)[1], line).to.match(/^[A-Z].+\.$/);
  });
});
