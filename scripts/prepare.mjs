// npm's `prepare` step: builds generators/ from the sources. `npm install --global .`
// (and `npm link`) in a fresh clone run it before any dependency of the clone is
// installed, and the installed command runs from the clone itself: so the clone's
// dependencies (the build's and the generators') are installed here first, as
// `npm ci` would, and a failure says so in one sentence.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const needed = ['esbuild/package.json', 'yeoman-generator/package.json', 'yeoman-environment/package.json'];

if (!needed.every(path => existsSync(join(root, 'node_modules', path)))) {
  const npm = process.env.npm_execpath;
  // The global install's settings are not this one's: the clone gets its own node_modules.
  // npm refuses --allow-scripts (which its own warning suggests for the global install) in a
  // project's install, and the nested `npm ci` ignores scripts anyway.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_config_(global|location|prefix|allow_scripts)$/i.test(name)),
  );
  console.error('Installing the dependencies of generator-django-celery in this folder (npm ci), to build it...');
  try {
    execFileSync(
      npm ? process.execPath : 'npm',
      [...(npm ? [npm] : []), 'ci', '--ignore-scripts', '--no-audit', '--no-fund'],
      { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  } catch {
    console.error(
      `Could not install the dependencies of generator-django-celery in ${root} (npm ci failed, above): fix that, run \`npm ci\` there, then run your command again.`,
    );
    process.exit(1);
  }
}
await import('./build.mjs');
