// The command line's own flags (the answers' options aside), in a module of their own
// that imports nothing: the entry point reads it before anything else loads.

/** One of the command line's own flags (the answers' options aside). */
export interface OwnFlag {
  /** As typed after `--`. */
  readonly name: string;
  /** As typed after `-`. */
  readonly alias?: string;
  /** Whether `--help` shows the alias (`-h, --help`). */
  readonly aliasShown?: boolean;
  /** Taken only by the generators that ask for answers (those with option scopes). */
  readonly asking?: boolean;
  /** Declared by Yeoman itself, or handled by the entry point before Yeoman loads: not declared again. */
  readonly yeoman?: boolean;
  /** Its row in `--help`. */
  readonly help: string;
}

/**
 * The command line's own flags, all booleans: the one table that the generators' options,
 * the strict reader (lib/answers/flags), the entry point (cli.ts) and `--help` read.
 */
export const OWN_FLAGS: readonly OwnFlag[] = [
  { name: 'defaults', asking: true, help: 'Take the default of every answer not given as an option; ask nothing.' },
  {
    name: 'interactive',
    asking: true,
    help: 'Ask for missing answers even when standard output is not a terminal (standard input must be one).',
  },
  {
    name: 'force',
    alias: 'f',
    yeoman: true,
    help: 'Overwrite files you changed since the generator wrote them, without asking.',
  },
  { name: 'help', alias: 'h', aliasShown: true, yeoman: true, help: 'Print this help.' },
  { name: 'version', alias: 'v', yeoman: true, help: 'Print the version of generator-django-celery.' },
];

/** Whether `args` (a command line's words) hold the own flag `name`, by its name or its alias. */
export function hasOwnFlag(args: readonly string[], name: string): boolean {
  const flag = OWN_FLAGS.find(candidate => candidate.name === name);
  if (!flag) throw new Error(`No own flag --${name} in OWN_FLAGS`);
  return args.includes(`--${flag.name}`) || (flag.alias !== undefined && args.includes(`-${flag.alias}`));
}
