#!/usr/bin/env node
// `create-django-celery [generator] [options]`: runs this package's generators without a
// global `yo` (with npx, in scripts, or as root, which yo refuses), with yo's own
// environment, prompts and conflict handling.
import { fileURLToPath } from 'node:url';
import {
  commandOf,
  GENERATOR_ALIASES,
  generatorNames,
  packageVersion,
  refuse,
  useEntryPoint,
} from './lib/answers/command.js';
import { strayWord } from './lib/answers/flags.js';
import { hasOwnFlag } from './lib/answers/own-flags.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const generators = generatorNames();

const args = process.argv.slice(2);
if (hasOwnFlag(args, 'version')) {
  console.log(packageVersion());
  process.exit(0);
}
const name = args[0] && !args[0].startsWith('-') ? (args.shift() as string) : 'app';
useEntryPoint();
// A word that names no generator means what it means after `yo django-celery`.
if (!generators.includes(name) && !Object.hasOwn(GENERATOR_ALIASES, name))
  refuse(strayWord(name, generators, commandOf));
// Help is this package's own page: printed before Yeoman is loaded, which would take most of a second.
if (hasOwnFlag(args, 'help')) {
  const { generatorHelp } = await import('./lib/answers/help-page.js');
  console.log(generatorHelp(name));
  process.exit(0);
}
// Yeoman's colours come from chalk, which reads FORCE_COLOR (not NO_COLOR) once, when loaded.
if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
const { createEnv } = await import('yeoman-environment');

const env = createEnv();
for (const generator of [...generators, ...Object.keys(GENERATOR_ALIASES)]) {
  env.register(`${here}${generator}/index.js`, { namespace: `django-celery:${generator}` });
}

try {
  // Conflict handling belongs to the environment too.
  await env.run([`django-celery:${name}`, ...args], { force: hasOwnFlag(args, 'force') || undefined });
} catch (error) {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
