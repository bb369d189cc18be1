// The `--help` page of each generator, from its USAGE file and the table of the options
// it takes. It loads no Yeoman module, so that `create-django-celery --help` prints it
// without starting Yeoman's environment, and `yo django-celery --help` prints the same page.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandOf, generatorNames, generatorOf } from './command.js';
import { readUsage, renderHelp } from './help.js';
import { helpOptions } from './options.js';

const GENERATORS = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The help of generator `name` (`app`, `prod`, ...), for the entry point in use. */
export function generatorHelp(typed: string): string {
  const name = generatorOf(typed);
  const usage = readUsage(join(GENERATORS, name, 'USAGE'));
  const asTyped = (line: string) =>
    line.replace(/^yo django-celery(?::(\w+))?/, (_, sub: string | undefined) => commandOf(sub ?? 'app'));
  // The app's page lists every other generator, which each run inside a project.
  const others = name === 'app' ? generatorNames().filter(other => other !== 'app') : [];
  return renderHelp({
    command: commandOf(name),
    usage: { ...usage, examples: usage.examples.map(asTyped) },
    options: helpOptions(name),
    generators: others.length
      ? {
          command: commandOf('<name>'),
          list: others.map(other => [other, readUsage(join(GENERATORS, other, 'USAGE')).summary]),
        }
      : undefined,
  });
}
