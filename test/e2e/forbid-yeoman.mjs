// Loaded into a run of the entry point (`node --import`) by the e2e tests of what a run
// must not load: by the build's metafile (.build/meta.json), loading any file of the
// bundle that holds a module the pattern FORBID_MODULES matches (by its path from the
// package's root) fails the run, naming the module. By default, for the paths that must
// not start Yeoman (`--help`, `--version`): any yeoman-* module, or a generator's module
// (each imports yeoman-generator).
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pattern = process.env.FORBID_MODULES ?? String.raw`node_modules/(yeoman-|@yeoman/)|src/generators/(?!lib/)[\w-]+/index\.ts$`;

const hook = `
import { readFileSync } from 'node:fs';
const bundle = ${JSON.stringify(`${pathToFileURL(join(root, 'generators', 'lib', 'bundle')).href}/`)};
const meta = JSON.parse(readFileSync(${JSON.stringify(join(root, '.build', 'meta.json'))}, 'utf8'));
/** Each output file of the bundle (its name) and the forbidden module it holds, if any. */
const forbidden = new Map(
  Object.entries(meta.outputs).map(([output, { inputs }]) => [
    output.split('/').pop(),
    Object.keys(inputs).find(input => new RegExp(${JSON.stringify(pattern)}).test(input)),
  ]),
);
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith(bundle)) {
    const held = forbidden.get(resolved.url.slice(bundle.length));
    if (held) throw new Error('this run imported ' + held.replace(/^.*node_modules\\//, ''));
  }
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
