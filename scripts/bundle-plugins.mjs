// The esbuild plugins of scripts/build.mjs.
//
// - Module locations. Code that finds files beside itself (import.meta.url, __dirname) is
//   moved into generators/lib/bundle/ by the bundler: our own modules' import.meta.url is
//   rewritten to the URL their compiled file would have had (generators/lib/files/render.js
//   still finds generators/lib/templates), and a dependency's to
//   generators/lib/bundle/deps/PACKAGE/..., where its package.json is copied (what those
//   dependencies read: their own name and version).
// - Deferred modules. Each is replaced, for the module that imports it, by a module of the
//   same exports that loads the real one (a chunk of its own) on the first call: the prompt
//   library (inquirer) until a question is asked, the environment's commit (the conflicter)
//   and package-manager steps until they run. A run with every answer given loads none of them.
// - Left out. Yeoman's generator-installing (fly-import: npm's arborist and pacote), and
//   yeoman-generator's git and npm-registry helpers (simple-git, latest-version), which no
//   generator of this package calls: calling one fails, saying so.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Where the bundle's files go, below generators/: two folders down, as lib's modules are. */
export const BUNDLE_DIR = 'lib/bundle';
const UP = '../../';

/**
 * Modules left out, for every importer or (`importer`) for the one whose path ends so:
 * their exports, each failing when called (a class's methods; with `failsNew`, its constructor).
 */
const LEFT_OUT = [
  // Installing generators from the registry (npm's arborist and pacote).
  { path: 'fly-import', classes: ['FlyRepository'], functions: ['flyImport'] },
  // yeoman-generator's git and registry helpers.
  { path: 'simple-git', functions: ['simpleGit'], objects: ['CheckRepoActions', 'CleanOptions'] },
  { path: 'latest-version', default: true },
  // Running commands: yeoman-generator's spawnCommand and the environment's `npm root -g`.
  { path: 'execa', functions: ['execa', 'execaSync', 'execaCommand', 'execaCommandSync'] },
  // Finding installed generators (`yo`'s lookup): the entry point registers its own by path.
  {
    path: './module-lookup.js',
    importer: '/yeoman-environment/dist/generator-lookup.js',
    functions: ['moduleLookupSync', 'findPackagesIn', 'getNpmPaths'],
  },
  // The environment's command-line parser (commander), for `yoe` and `env.execute`.
  {
    path: './util/command.js',
    importer: '/yeoman-environment/dist/index.js',
    classes: ['default'],
    failsNew: true,
    functions: ['addEnvironmentOptions'],
  },
  {
    path: './util/command.js',
    importer: '/yeoman-environment/dist/environment-full.js',
    classes: ['default'],
    failsNew: true,
  },
  {
    path: './util/command.js',
    importer: '/yeoman-environment/dist/commands.js',
    classes: ['default'],
    failsNew: true,
    functions: ['addEnvironmentOptions'],
  },
  // The whole of lodash that yeoman-generator offers generators as `this._`, which none of ours uses.
  { path: 'lodash-es', importer: '/yeoman-generator/dist/generator.js' },
  // An import of the conflicter's types only.
  { path: '@yeoman/conflicter', importer: '/yeoman-environment/dist/environment-base.js' },
];

/** Modules replaced by a smaller one of their own: the code of each. */
const REPLACED = [
  // The spinner the environment shows while a package manager installs (nothing of ours
  // installs): one that draws nothing.
  {
    path: 'ora',
    importer: '/@yeoman/adapter/dist/queued-adapter.js',
    code: () =>
      `export default () => ({ isSpinning: false, suffixText: '', text: '', start() { return this; }, stop() { return this; } });`,
  },
  // yeoman-generator reads its generator's package.json (normalize: false): the nearest
  // package.json above a folder, read as JSON, without read-pkg's normalizing of licences and
  // repository URLs, which it does not ask for.
  {
    path: 'read-package-up',
    importer: '/yeoman-generator/dist/generator.js',
    code: () => `import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
export function readPackageUpSync({ cwd = process.cwd() } = {}) {
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    const path = join(folder, 'package.json');
    if (existsSync(path)) return { packageJson: JSON.parse(readFileSync(path, 'utf8')), path };
    if (dirname(folder) === folder) return undefined;
  }
}`,
  },
];

const matches = (entry, args) =>
  args.path === entry.path && (!entry.importer || args.importer.replaceAll('\\', '/').endsWith(entry.importer));

/** Modules deferred, for the importers whose paths end so: the imported path and its (async or lazy) exports. */
const DEFERRED = [
  {
    importer: '/@yeoman/adapter/dist/adapter.js',
    path: './inquirer.js',
    // Called at once by the adapter's constructor; the prompt function it returns is what loads inquirer.
    code: real => `export const createAdapterPromptModule = parameter => {
  let loaded;
  const load = async () => (loaded ??= (await import(${JSON.stringify(real)})).createAdapterPromptModule(parameter));
  return async (questions, answers) => (await load())(questions, answers);
};`,
  },
  {
    importer: ['/yeoman-environment/dist/environment-base.js', '/yeoman-environment/dist/index.js'],
    path: './commit.js',
    // Run at the end of every run; this package's generators have written and cleared every
    // file by then (lib/files/write), so it loads the conflicter only when a file is left.
    code: real => `import { isFilePending } from 'mem-fs-editor/state';
export const commitSharedFsTask = async options => {
  if (!options.sharedFs.all().some(file => isFilePending(file) || file.path.endsWith('.yo-resolve'))) return;
  return (await import(${JSON.stringify(real)})).commitSharedFsTask(options);
};`,
  },
  {
    importer: ['/yeoman-environment/dist/environment-base.js', '/yeoman-environment/dist/index.js'],
    path: './package-manager.js',
    code: real =>
      `export const packageManagerInstallTask = async (...args) => (await import(${JSON.stringify(real)})).packageManagerInstallTask(...args);`,
  },
];

/** Package entries replaced by a module exporting only some of their parts: @yeoman/adapter without its test adapter (which loads inquirer). */
const PARTS = {
  '@yeoman/adapter': ['./adapter.js', './log.js', './queued-adapter.js'],
};

const leftOutCode = ({ path, classes = [], failsNew = false, functions = [], objects = [], default: hasDefault }) => {
  const fail = `() => { throw new Error(${JSON.stringify(`${path} is not part of generator-django-celery's bundle: none of its generators uses it.`)}); }`;
  return [
    `const fail = ${fail};`,
    ...classes.map(
      each =>
        `${each === 'default' ? 'export default class' : `export class ${each}`} { constructor() { ${failsNew ? 'fail();' : ''} } static { for (const key of ['install', 'import', 'resolve']) this.prototype[key] = fail; } }`,
    ),
    ...functions.map(each => `export const ${each} = fail;`),
    ...objects.map(each => `export const ${each} = Object.freeze({});`),
    ...(hasDefault ? ['export default fail;'] : []),
  ].join('\n');
};

/** The package folder holding `file`, below a node_modules folder. */
function packageRoot(file) {
  let folder = dirname(file);
  while (!existsSync(join(folder, 'package.json')) || !/node_modules$/.test(dirname(folder.replace(/\/@[^/]+$/, '')))) {
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
  return folder;
}

/**
 * The plugins. `src` is src/generators; `copies` collects the package.json files that
 * rewritten dependencies read (package folder -> its place below the bundle).
 */
export function bundlePlugins({ src, copies }) {
  const deferred = new Set();
  return [
    {
      name: 'left-out-and-deferred',
      setup(build) {
        build.onResolve({ filter: /.*/ }, args => {
          const leftOut = LEFT_OUT.find(each => matches(each, args));
          // One module per entry (an entry's path alone may name another entry's module too).
          if (leftOut)
            return { path: `${LEFT_OUT.indexOf(leftOut)}:${args.path}`, namespace: 'left-out', pluginData: leftOut };
          const replaced = REPLACED.find(each => matches(each, args));
          if (replaced)
            return { path: `${REPLACED.indexOf(replaced)}:${args.path}`, namespace: 'replaced', pluginData: replaced };
          if (Object.hasOwn(PARTS, args.path) && args.namespace !== 'parts')
            return { path: args.path, namespace: 'parts' };
          const defer = DEFERRED.find(each =>
            [each.importer].flat().some(importer => matches({ ...each, importer }, args)),
          );
          if (!defer) return undefined;
          const real = join(dirname(args.importer), args.path);
          deferred.add(real);
          return { path: real, namespace: 'deferred', pluginData: defer };
        });
        build.onLoad({ filter: /.*/, namespace: 'left-out' }, args => ({
          contents: leftOutCode(args.pluginData),
          loader: 'js',
        }));
        build.onLoad({ filter: /.*/, namespace: 'replaced' }, args => ({
          contents: args.pluginData.code(),
          loader: 'js',
          resolveDir: src,
        }));
        build.onLoad({ filter: /.*/, namespace: 'parts' }, async args => {
          const entry = await build.resolve(args.path, {
            kind: 'import-statement',
            resolveDir: src,
            namespace: 'parts',
          });
          return {
            contents: PARTS[args.path].map(part => `export * from ${JSON.stringify(part)};`).join('\n'),
            loader: 'js',
            resolveDir: dirname(entry.path),
          };
        });
        build.onLoad({ filter: /.*/, namespace: 'deferred' }, args => ({
          contents: args.pluginData.code(args.path),
          loader: 'js',
          resolveDir: dirname(args.path),
        }));
      },
    },
    {
      name: 'module-locations',
      setup(build) {
        build.onLoad({ filter: /\.ts$/ }, args => {
          if (!args.path.startsWith(`${src}${sep}`)) return undefined;
          const compiled = relative(src, args.path).replace(/\.ts$/, '.js').split(sep).join('/');
          const text = readFileSync(args.path, 'utf8');
          return {
            contents: text.replaceAll(
              'import.meta.url',
              `new URL(${JSON.stringify(UP + compiled)}, import.meta.url).href`,
            ),
            loader: 'ts',
          };
        });
        build.onLoad({ filter: /[/\\]node_modules[/\\].*\.[cm]?js$/ }, args => {
          const text = readFileSync(args.path, 'utf8');
          const esm = text.includes('import.meta.url');
          const cjs = !esm && /\b__(dirname|filename)\b/.test(text) && !/^\s*(import|export)\s/m.test(text);
          if (!esm && !cjs) return undefined;
          const pkg = packageRoot(args.path);
          if (!pkg) return undefined;
          const name = relative(join(pkg, '..'), pkg).startsWith('@')
            ? relative(join(pkg, '..', '..'), pkg)
            : relative(join(pkg, '..'), pkg);
          const place = `deps/${name.split(sep).join('/')}`;
          copies.set(pkg, place);
          const located = `./${place}/${relative(pkg, args.path).split(sep).join('/')}`;
          const contents = esm
            ? text.replaceAll('import.meta.url', `new URL(${JSON.stringify(located)}, import.meta.url).href`)
            : `var __filename = require('node:url').fileURLToPath(new URL(${JSON.stringify(located)}, __bundleUrl)), __dirname = require('node:path').dirname(__filename);\n${text}`;
          return { contents, loader: 'js' };
        });
      },
    },
  ];
}

/** The files to copy below the bundle: each rewritten package's package.json. */
export function depsCopies(copies) {
  return [...copies].map(([pkg, place]) => [join(pkg, 'package.json'), `${place}/package.json`]);
}
