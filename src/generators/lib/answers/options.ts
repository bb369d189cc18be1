// The command-line options of a generator, declared from the answers table, and the
// rows `--help` shows for them.
import type Generator from 'yeoman-generator';
import { answerSpecs, type AnswerSpec, type Scope } from './answers.js';
import { KEEP_TOGETHER, type HelpOption } from './help.js';
import { OWN_FLAGS, type OwnFlag } from './own-flags.js';

/**
 * The answers whose options each generator takes, by scope: the one table that both the
 * options a generator declares and its `--help` (also printed without loading Yeoman) read.
 */
const OPTION_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  app: ['app', 'prod', 'kubernetes'],
  prod: ['prod'],
  kubernetes: ['kubernetes'],
};

/** The own flags generator `name` takes. */
export function ownFlags(name: string): OwnFlag[] {
  const asking = scopesOf(name).length > 0;
  return OWN_FLAGS.filter(flag => asking || !flag.asking);
}

/** The scopes of the answers generator `name` takes as options (none for most). */
function scopesOf(name: string): readonly Scope[] {
  return Object.hasOwn(OPTION_SCOPES, name) ? OPTION_SCOPES[name] : [];
}

/** Declares the options of generator `name`: its own flags that Yeoman does not declare, and the option of every answer it takes. */
export function declareOptions(generator: Generator, name: string): void {
  for (const flag of ownFlags(name).filter(own => !own.yeoman)) {
    generator.option(flag.name, { type: Boolean, description: flag.help.replace(/\.$/, '') });
  }
  for (const spec of scopesOf(name).flatMap(scope => answerSpecs(scope))) {
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
    description: `${what}: ${accepts}. ${fallback === '' ? 'No default' : `Default: ${/\s/.test(fallback) ? `"${fallback.replace(/\s+/g, KEEP_TOGETHER)}"` : fallback}`}.`,
  };
}

/** The options `--help` lists for generator `name`: its answers' first, then the common ones. */
export function helpOptions(name: string): HelpOption[] {
  return [
    ...scopesOf(name).flatMap(scope => answerSpecs(scope).map(answerRow)),
    ...ownFlags(name).map(flag => ({
      flags: flag.aliasShown ? `-${flag.alias}, --${flag.name}` : `--${flag.name}`,
      description: flag.help,
    })),
  ];
}
