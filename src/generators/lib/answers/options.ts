// The command-line options of a generator, declared from the answers table, and the
// rows `--help` shows for them.
import type Generator from 'yeoman-generator';
import { answerSpecs, type AnswerSpec, type Scope } from './answers.js';
import { KEEP_TOGETHER, type HelpOption } from './help.js';

/**
 * The answers whose options each generator takes, by scope: the one table that both the
 * options a generator declares and its `--help` (also printed without loading Yeoman) read.
 */
const OPTION_SCOPES: Readonly<Record<string, readonly Scope[]>> = { app: ['app', 'prod'], prod: ['prod'] };

/** The scopes of the answers generator `name` takes as options (none for most). */
function scopesOf(name: string): readonly Scope[] {
  return Object.hasOwn(OPTION_SCOPES, name) ? OPTION_SCOPES[name] : [];
}

/** Declares the options of generator `name`: `--defaults`, `--interactive` and the option of every answer it takes. */
export function declareOptions(generator: Generator, name: string): void {
  const scopes = scopesOf(name);
  if (scopes.length === 0) return;
  generator.option('defaults', {
    type: Boolean,
    description: 'Take the default for every answer not given as an option; ask nothing',
  });
  generator.option('interactive', {
    type: Boolean,
    description: 'Ask for missing answers even when standard output is not a terminal (standard input must be one)',
  });
  for (const spec of scopes.flatMap(scope => answerSpecs(scope))) {
    const choices = 'choices' in spec && spec.choices ? ` (${spec.choices.join(', ')})` : '';
    generator.option(spec.option, {
      type: typeof spec.default === 'boolean' ? Boolean : String,
      description: `${spec.message}${choices}; default: ${String(spec.default)}`,
    });
  }
}

/** The help row of one answer's option: its placeholder, what it accepts, its default. */
function answerRow(spec: AnswerSpec): HelpOption {
  const what = spec.message.replace(/\?$/, '');
  if (typeof spec.default === 'boolean') {
    return {
      flags: `--${spec.option}, --no-${spec.option}`,
      description: `${what}. Default: ${spec.default ? 'yes' : 'no'}.`,
    };
  }
  const accepts = 'choices' in spec && spec.choices ? `one of ${spec.choices.join(', ')}` : spec.accepts;
  const fallback = String(spec.default);
  return {
    flags: `--${spec.option} ${spec.placeholder ?? '<value>'}`,
    description: `${what}: ${accepts}. Default: ${/\s/.test(fallback) ? `"${fallback.replace(/\s+/g, KEEP_TOGETHER)}"` : fallback}.`,
  };
}

/** The options `--help` lists for generator `name`: its answers' first, then the common ones. */
export function helpOptions(name: string): HelpOption[] {
  const scopes = scopesOf(name);
  const asking: HelpOption[] = scopes.length
    ? [
        { flags: '--defaults', description: 'Take the default of every answer not given as an option; ask nothing.' },
        {
          flags: '--interactive',
          description:
            'Ask for missing answers even when standard output is not a terminal (standard input must be one).',
        },
      ]
    : [];
  return [
    ...scopes.flatMap(scope => answerSpecs(scope).map(answerRow)),
    ...asking,
    { flags: '--force', description: 'Overwrite files you changed since the generator wrote them, without asking.' },
    { flags: '-h, --help', description: 'Print this help.' },
    { flags: '--version', description: 'Print the version of generator-django-celery.' },
  ];
}
