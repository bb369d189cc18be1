// `npm run bench` (node --import tsx/esm scripts/bench/index.mjs): how fast the generator runs, and (when the runtime tools are
// installed) how fast the generated stack is ready. Prints a table and writes
// .bench/results.json. BENCH_RUNS sets the number of measured runs (default 10);
// BENCH_STACK=0 leaves the generated stack out.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cookiecutterVersion, firstDifference, makeTemplate } from './cookiecutter.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const WARMUP = 2;
const YO = join(ROOT, 'node_modules', 'yo', 'lib', 'cli.js');
const CLI = join(ROOT, 'generators', 'cli.js');
const MAXRSS = pathToFileURL(join(ROOT, 'scripts', 'bench', 'maxrss.mjs')).href;

if (!existsSync(CLI)) {
  console.error('The generators are not built: run `npm ci` (or `npm run build`) first.');
  process.exit(1);
}

const home = mkdtempSync(join(tmpdir(), 'bench-'));
process.on('exit', () => rmSync(home, { recursive: true, force: true }));

// yo finds generators through NODE_PATH: this package, and an empty generator that
// measures what yo itself costs.
const modules = join(home, 'node_modules');
mkdirSync(join(modules, 'generator-bench-empty', 'generators', 'app'), { recursive: true });
writeFileSync(
  join(modules, 'generator-bench-empty', 'package.json'),
  JSON.stringify({ name: 'generator-bench-empty', version: '1.0.0', type: 'module' }),
);
writeFileSync(
  join(modules, 'generator-bench-empty', 'generators', 'app', 'index.js'),
  "import Generator from 'yeoman-generator';\nexport default class extends Generator {\n  writing() {}\n}\n",
);
symlinkSync(join(ROOT, 'node_modules', 'yeoman-generator'), join(modules, 'yeoman-generator'));
symlinkSync(ROOT, join(modules, 'generator-django-celery'));
spawnSync('chmod', ['-R', 'a+rwX', home]);
chmodSync(home, 0o777);

/** Runs `command ARGS` in `cwd`, failing loudly if it fails. */
function run(command, args, cwd) {
  const ran = spawnSync(command, args, { cwd, env: { ...process.env, HOME: home }, encoding: 'utf8' });
  if (ran.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${ran.status}):\n${ran.stderr}`);
}

/** Runs a command that is not Node in a new folder; returns its wall time (ms). */
function measureCommand([command, ...args]) {
  const cwd = mkdtempSync(join(home, 'run-'));
  const started = process.hrtime.bigint();
  run(command, args, cwd);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(cwd, { recursive: true, force: true });
  return { ms, mb: Number.NaN };
}

/** Runs one command in a new folder; returns its wall time (ms) and peak memory (MB). */
function measure(args) {
  const cwd = mkdtempSync(join(home, 'run-'));
  chmodSync(cwd, 0o777);
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, {
    cwd,
    env: {
      ...process.env,
      HOME: home,
      NODE_PATH: modules,
      NODE_OPTIONS: `--import=${MAXRSS}`,
      NO_UPDATE_NOTIFIER: '1',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(cwd, { recursive: true, force: true });
  if (run.status !== 0) {
    throw new Error(`${args.join(' ')} failed (${run.status}):\n${run.stderr}`);
  }
  const rss = [...run.stderr.matchAll(/@@maxrss (\d+)/g)].map(match => Number(match[1]));
  return { ms, mb: Math.max(...rss) / 1024 };
}

const median = values => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
const summary = samples => {
  const ms = samples.map(sample => sample.ms);
  return {
    runs: samples.length,
    medianMs: median(ms),
    minMs: Math.min(...ms),
    maxMs: Math.max(...ms),
    peakMb: Math.max(...samples.map(sample => sample.mb)),
  };
};

const commands = {
  full: [YO, 'django-celery', '--defaults', '--prod', '--no-insight'],
  empty: [YO, 'bench-empty', '--no-insight'],
  entry: [CLI, '--defaults', '--prod'],
};

console.error(`Generation: ${WARMUP} warm-up and ${RUNS} measured runs of each command...`);
for (let i = 0; i < WARMUP; i++) for (const args of Object.values(commands)) measure(args);
const samples = { full: [], empty: [], entry: [] };
const ratios = [];
for (let i = 0; i < RUNS; i++) {
  // Paired runs, in alternating order, so drift in the machine's load hits both.
  const order = i % 2 ? ['empty', 'full'] : ['full', 'empty'];
  const pair = {};
  for (const name of order) {
    pair[name] = measure(commands[name]);
    samples[name].push(pair[name]);
  }
  ratios.push(pair.full.ms / pair.empty.ms);
  samples.entry.push(measure(commands.entry));
}

// --help and --version against Node starting and doing nothing, paired run by run: what
// the entry point adds to Node's own start (its target: at most 100 ms more).
const quick = { node: ['-e', '0'], help: [CLI, '--help'], version: [CLI, '--version'] };
console.error(`Help and version: ${WARMUP} warm-up and ${RUNS} measured runs, each paired with node -e 0...`);
for (let i = 0; i < WARMUP; i++) for (const args of Object.values(quick)) measure(args);
const extra = { help: [], version: [] };
const nodeAlone = [];
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 ? ['help', 'version', 'node'] : ['node', 'version', 'help'];
  const pair = {};
  for (const name of order) pair[name] = measure(quick[name]);
  nodeAlone.push(pair.node);
  for (const name of ['help', 'version']) extra[name].push(pair[name].ms - pair.node.ms);
}
const beyondNode = (name, values) => ({
  command: `create-django-celery ${name} beyond node -e 0, paired`,
  medianMs: median(values),
  minMs: Math.min(...values),
  maxMs: Math.max(...values),
  targetMs: 100,
});

// The peer: Debian's cookiecutter rendering the same tree, from a template made of this
// generator's own output, paired run by run with the entry point.
const peerVersion = cookiecutterVersion();
const made = mkdtempSync(join(home, 'peer-'));
chmodSync(made, 0o777);
run(CLI, ['--defaults', '--prod'], made);
const template = join(home, 'template');
makeTemplate(join(made, 'django_celery_example'), 'django_celery_example', template);
const peer = ['cookiecutter', '--no-input', '--output-dir', '.', template];
const check = mkdtempSync(join(home, 'check-'));
run(peer[0], peer.slice(1), check);
const differs = firstDifference(join(made, 'django_celery_example'), join(check, 'django_celery_example'));
if (differs) throw new Error(`cookiecutter did not render the generator's tree: ${differs}`);
console.error(
  `Peer: ${WARMUP} warm-up and ${RUNS} measured runs of ${peerVersion.split(' from ')[0]}, each paired with the entry point...`,
);
for (let i = 0; i < WARMUP; i++) measureCommand(peer);
const peerSamples = [];
const peerRatios = [];
for (let i = 0; i < RUNS; i++) {
  const ours = i % 2 ? undefined : measure(commands.entry);
  const theirs = measureCommand(peer);
  const second = ours ?? measure(commands.entry);
  peerSamples.push(theirs);
  peerRatios.push(second.ms / theirs.ms);
}
// Where the entry point's time goes: Node's own start, loading the modules, and the rest (our work).
const load = [
  '--input-type=module',
  '-e',
  `await import(${JSON.stringify(import.meta.resolve('yeoman-environment'))}); for (const name of ['app', 'django', 'env', 'local', 'prod', 'project', 'requirements', 'users']) await import(${JSON.stringify(pathToFileURL(join(ROOT, 'generators')).href)} + '/' + name + '/index.js');`,
];
const loading = [];
for (let i = 0; i < RUNS; i++) loading.push(measure(load));

const results = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  generation: {
    yoFull: { command: 'yo django-celery --defaults --prod', ...summary(samples.full) },
    yoEmpty: { command: 'yo bench-empty (an empty generator)', ...summary(samples.empty) },
    ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), target: 1.3 },
    entryPoint: { command: 'create-django-celery --defaults --prod', ...summary(samples.entry), targetMs: 1000 },
  },
  peer: {
    cookiecutter: { command: `${peerVersion.split(' from ')[0]} rendering the same tree`, ...summary(peerSamples) },
    ratio: { median: median(peerRatios), min: Math.min(...peerRatios), max: Math.max(...peerRatios), target: 1 },
    loading: { command: "node: import yeoman-environment and the generators' modules", ...summary(loading) },
  },
  start: {
    node: { command: 'node -e 0', ...summary(nodeAlone) },
    help: beyondNode('--help', extra.help),
    version: beyondNode('--version', extra.version),
  },
};

// The generated stack, when the runtime tools are installed (this script runs under tsx).
const { benchStack } = await import(pathToFileURL(join(ROOT, 'scripts', 'bench', 'stack.ts')).href);
if (process.env.BENCH_STACK !== '0') results.stack = await benchStack({ median, percentile });

const fmt = value => (typeof value === 'number' ? value.toFixed(value < 10 ? 2 : 0) : String(value));
const ratioRow = (label, ratio) => [
  label,
  fmt(ratio.median),
  fmt(ratio.min),
  fmt(ratio.max),
  '',
  `<= ${ratio.target.toFixed(1)}`,
];
const rows = [
  ['measure', 'median', 'min', 'max', 'peak MB', 'target'],
  ...[
    results.generation.yoFull,
    results.generation.yoEmpty,
    results.generation.entryPoint,
    results.peer.cookiecutter,
    results.peer.loading,
    results.start.node,
    results.start.help,
    results.start.version,
  ].map(row => [
    `${row.command} (ms)`,
    fmt(row.medianMs),
    fmt(row.minMs),
    fmt(row.maxMs),
    row.peakMb === undefined || Number.isNaN(row.peakMb) ? '' : fmt(row.peakMb),
    row.targetMs ? `< ${row.targetMs}` : '',
  ]),
  ratioRow('full / empty, paired (ratio)', results.generation.ratio),
  ratioRow('create-django-celery / cookiecutter, paired (ratio)', results.peer.ratio),
  ...(results.stack?.rows ?? []),
];
const widths = rows[0].map((_, column) => Math.max(...rows.map(row => String(row[column]).length)));
const line = row => `| ${row.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`;
console.log(line(rows[0]));
console.log(`| ${widths.map(width => '-'.repeat(width)).join(' | ')} |`);
for (const row of rows.slice(1)) console.log(line(row));
console.log(
  `\n${results.machine.cpus} x ${results.machine.cpu}, ${results.machine.memoryGb} GB, Node ${results.machine.node}`,
);

mkdirSync(join(ROOT, '.bench'), { recursive: true });
writeFileSync(join(ROOT, '.bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('Written to .bench/results.json');
