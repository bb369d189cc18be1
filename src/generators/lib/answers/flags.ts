// The command line, read strictly: an unknown option, a missing value, a boolean
// written any other way than the README says, or a stray word stops the run before
// anything is asked or written, with the same meaning through `yo` and through
// `create-django-celery`.
import { YO_GENERATOR_WORD } from './command.js';
import { UserFacingError } from '../run/errors.js';

export interface DeclaredOption {
  /** kebab-case, without dashes: `web-port`. */
  name: string;
  type: 'boolean' | 'string';
  alias?: string;
}

/** Options Yeoman and yo read themselves: accepted, and left to them. */
// Not --dry-run: Yeoman's would still write everything, so it is refused as unknown.
const ENVIRONMENT_FLAGS = ['insight', 'color', 'bail', 'ignore-whitespace', 'skip-yo-resolve', 'skip-local-cache'];

/** How a boolean option may be written after `=`, and what each means. */
const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['yes', true],
  ['false', false],
  ['no', false],
]);

/** The edit distance between two words, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The declared option closest to `name`, when one is close enough to be a typo. */
function closestOption(name: string, declared: readonly DeclaredOption[]): string | undefined {
  const normal = name
    .replace(/_/g, '-')
    .replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)
    .toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const option of declared) {
    const score = distance(normal, option.name);
    if (!best || score < best.score) best = { name: option.name, score };
  }
  return best && best.score <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

/**
 * What a word that is no option means, the same through both entry points: the
 * closest of `generators` when it is near one (`prdo`: did you mean `yo
 * django-celery:prod`?), else a stray word the generator does not take.
 */
export function strayWord(
  word: string,
  generators: readonly string[],
  command: (name: string) => string,
): UserFacingError {
  const close = generators
    .map(name => ({ name, score: distance(word.toLowerCase(), name) }))
    .sort((a, b) => a.score - b.score)[0];
  if (close && close.score <= Math.min(2, close.name.length - 2)) {
    return new UserFacingError(
      `Unknown generator "${word}": did you mean \`${command(close.name)}\`? The generators are ${generators.join(', ')}; run with --help to see what each writes.`,
    );
  }
  return new UserFacingError(
    `Unexpected argument "${word}": this generator takes options only, such as --project-name ${word}. Run with --help to see them.`,
  );
}

/**
 * Reads `tokens` (the command line after the generator's name) against `declared`;
 * returns the value of every option written in it, booleans as booleans. Throws an
 * UserFacingError naming the first problem and its fix.
 */
export function readCommandLine(
  tokens: readonly string[],
  declared: readonly DeclaredOption[],
  stray: (word: string) => UserFacingError = word => strayWord(word, [], name => name),
): Record<string, string | boolean> {
  const byName = new Map(
    declared.flatMap(option => [[option.name, option], ...(option.alias ? [[option.alias, option] as const] : [])]),
  );
  const values: Record<string, string | boolean> = {};
  const unknown = (written: string, name: string) => {
    const close = closestOption(name, declared);
    return new UserFacingError(
      `Unknown option ${written}${close ? `: did you mean --${close}?` : '.'} Run with --help to see the options.`,
    );
  };
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token === '--') throw new UserFacingError('Unexpected "--": this generator takes options only.');
    if (!token.startsWith('-') || token === '-') throw stray(token);
    const long = token.startsWith('--');
    const [head, ...rest] = token.slice(long ? 2 : 1).split('=');
    const inline = rest.length > 0 ? rest.join('=') : undefined;
    const negated = long && head.startsWith('no-') && !byName.has(head);
    const name = negated ? head.slice(3) : head;
    if (ENVIRONMENT_FLAGS.includes(name)) continue;
    const option = byName.get(name);
    if (!option) throw unknown(`${long ? '--' : '-'}${head}`, name);
    if (option.type === 'boolean') {
      if (negated && inline !== undefined)
        throw new UserFacingError(`--no-${name} takes no value: write --no-${name}, or --${name}=no.`);
      // A map, not an object: `constructor` or `__proto__` is no word of it.
      const word = inline === undefined ? true : BOOLEAN_WORDS.get(inline);
      if (word === undefined) {
        throw new UserFacingError(
          `--${option.name}=${inline}: write --${option.name} or --no-${option.name} (or --${option.name}=yes, --${option.name}=no).`,
        );
      }
      values[option.name] = negated ? false : word;
      continue;
    }
    if (negated) throw unknown(token, head);
    if (inline !== undefined) {
      values[option.name] = inline;
      continue;
    }
    const next = tokens[index + 1];
    if (next === undefined || next.startsWith('-')) {
      throw new UserFacingError(
        `--${option.name} needs a value: --${option.name} VALUE (write --${option.name}=VALUE for a value starting with "-").`,
      );
    }
    values[option.name] = next;
    index += 1;
  }
  return values;
}

/**
 * The words typed after the generator's name. `create-django-celery` hands them to the
 * generator as they are (`args`); `yo` parses them first, loosely, and hands on only
 * the positional ones, so under `yo` they are read again from its own command line.
 */
export function commandLineTokens(args: readonly string[]): readonly string[] {
  if (args.some(arg => arg.startsWith('-'))) return args;
  const argv = process.argv.slice(2);
  const at = argv.findIndex(arg => YO_GENERATOR_WORD.test(arg));
  return at >= 0 ? argv.slice(at + 1) : args;
}
