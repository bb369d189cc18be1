// The command line read strictly: what each entry point hands the generator.
import { expect } from 'chai';
import { readCommandLine, strayWord, type DeclaredOption } from '../src/generators/lib/answers/flags.js';
import { helpOptions, ownFlags } from '../src/generators/lib/answers/options.js';
import { hasOwnFlag, OWN_FLAGS } from '../src/generators/lib/answers/own-flags.js';

const DECLARED: DeclaredOption[] = [
  { name: 'prod', type: 'boolean' },
  { name: 'defaults', type: 'boolean' },
  { name: 'force', type: 'boolean', alias: 'f' },
  { name: 'web-port', type: 'string' },
  { name: 'postgres-password', type: 'string' },
  { name: 'nginx-port', type: 'string' },
  { name: 'allowed-hosts', type: 'string' },
];
const read = (...tokens: string[]) => readCommandLine(tokens, DECLARED);
const refusal = (...tokens: string[]) => {
  try {
    read(...tokens);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${tokens.join(' ')} was accepted`);
};

describe('the command line', () => {
  it('gives a boolean option exactly the values the README lists', () => {
    for (const [token, value] of [
      ['--prod', true],
      ['--no-prod', false],
      ['--prod=yes', true],
      ['--prod=true', true],
      ['--prod=no', false],
      ['--prod=false', false],
    ] as const) {
      expect(read(token), token).to.deep.equal({ prod: value });
    }
    for (const token of [
      '--prod=0',
      '--prod=1',
      '--prod=maybe',
      '--prod=',
      '--prod=NO',
      '--prod=constructor',
      '--prod=toString',
      '--prod=__proto__',
      '--prod=hasOwnProperty',
    ]) {
      expect(refusal(token), token).to.match(/^--prod=.*: write --prod or --no-prod \(or --prod=yes, --prod=no\)\.$/);
    }
    expect(refusal('--no-prod=yes')).to.equal('--no-prod takes no value: write --no-prod, or --prod=no.');
  });

  it('takes a value after the option or after =, and refuses a missing one', () => {
    expect(read('--web-port', '9000', '--postgres-password=a=b c', '-f')).to.deep.equal({
      'web-port': '9000',
      'postgres-password': 'a=b c',
      force: true,
    });
    expect(refusal('--web-port')).to.match(/^--web-port needs a value/);
    expect(refusal('--web-port', '--prod')).to.match(/^--web-port needs a value/);
    expect(read('--postgres-password=-starts-with-a-dash')).to.deep.equal({
      'postgres-password': '-starts-with-a-dash',
    });
  });

  it('refuses an unknown option, naming the closest known one', () => {
    expect(refusal('--postgres-pasword', 's3cret')).to.match(
      /^Unknown option --postgres-pasword: did you mean --postgres-password\?/,
    );
    expect(refusal('--nginx_port', '80')).to.match(/^Unknown option --nginx_port: did you mean --nginx-port\?/);
    expect(refusal('--allowed-host', 'example.com')).to.match(/did you mean --allowed-hosts\?/);
    expect(refusal('--webPort', '80')).to.match(/did you mean --web-port\?/);
    expect(refusal('--colour-scheme')).to.equal('Unknown option --colour-scheme. Run with --help to see the options.');
    expect(refusal('--no-web-port')).to.match(/^Unknown option --no-web-port/);
  });

  it('refuses a stray word', () => {
    expect(refusal('--defaults', 'myproject')).to.match(
      /^Unexpected argument "myproject": this generator takes options only, such as --project-name myproject/,
    );
  });

  it("takes a word near a generator's name for a mistyped generator, naming it as the entry point in use runs it", () => {
    const generators = ['app', 'django', 'env', 'local', 'prod', 'project'];
    const yo = (name: string) => `yo django-celery:${name}`;
    expect(strayWord('prdo', generators, yo).message).to.match(
      /^Unknown generator "prdo": did you mean `yo django-celery:prod`\?/,
    );
    // One sentence naming every generator there is.
    expect(strayWord('prdo', generators, yo).message).to.equal(
      'Unknown generator "prdo": did you mean `yo django-celery:prod`? The generators are app, django, env, local, prod, project; run with --help to see what each writes.',
    );
    expect(strayWord('Prod', generators, name => `create-django-celery ${name}`).message).to.match(
      /did you mean `create-django-celery prod`\?/,
    );
    expect(strayWord('djnago', generators, yo).message).to.match(/did you mean `yo django-celery:django`\?/);
    // A short name is no typo of a short word: `ab` is no `app`, `myproject` no `project` misspelt twice over.
    for (const word of ['ab', 'myapp', 'stray', 'nope'])
      expect(strayWord(word, generators, yo).message, word).to.match(/^Unexpected argument/);
  });

  it('leaves the options of Yeoman and yo to them', () => {
    expect(read('--no-insight', '--bail', '--defaults')).to.deep.equal({ defaults: true });
    // Yeoman's --dry-run writes everything all the same: unknown here, like any other word.
    expect(refusal('--dry-run')).to.equal('Unknown option --dry-run. Run with --help to see the options.');
  });
});

describe("the command line's own flags (one table: lib/answers/own-flags.ts)", () => {
  it('are what each generator lists in --help: --defaults and --interactive only where answers are asked', () => {
    for (const [name, expected] of [
      ['app', ['--defaults', '--interactive', '--force', '-h, --help', '--version']],
      ['prod', ['--defaults', '--interactive', '--force', '-h, --help', '--version']],
      ['local', ['--force', '-h, --help', '--version']],
    ] as const) {
      const rows = helpOptions(name).map(row => row.flags);
      expect(rows.filter(flags => !/^--[a-z-]+ <|, --no-/.test(flags)).slice(-expected.length), name).to.deep.equal([
        ...expected,
      ]);
      expect(ownFlags(name).map(flag => flag.name)).to.deep.equal(
        expected.map(flags => flags.replace(/^-h, /, '').slice(2)),
      );
    }
  });

  it('are found in a command line by name or alias, as the entry point looks for them before Yeoman loads', () => {
    expect(hasOwnFlag(['--defaults', '-h'], 'help')).to.equal(true);
    expect(hasOwnFlag(['--version'], 'version')).to.equal(true);
    expect(hasOwnFlag(['-v'], 'version')).to.equal(true);
    expect(hasOwnFlag(['-f'], 'force')).to.equal(true);
    expect(hasOwnFlag(['--forced'], 'force')).to.equal(false);
    expect(() => hasOwnFlag([], 'verbose')).to.throw(/No own flag --verbose/);
    expect(OWN_FLAGS.map(flag => flag.name)).to.include.members([
      'defaults',
      'interactive',
      'force',
      'help',
      'version',
    ]);
  });
});
