// `npm run bench` (node --import tsx/esm scripts/bench/index.mjs): how fast the generator runs, and (when the runtime tools are
// installed) how fast the generated stack is ready. Prints a table and writes
// .bench/results.json. BENCH_RUNS sets the number of measured runs (default 10).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
};

// The generated stack, when the runtime tools are installed (this script runs under tsx).
const { benchStack } = await import(pathToFileURL(join(ROOT, 'scripts', 'bench', 'stack.ts')).href);
results.stack = await benchStack({ median, percentile });

const fmt = value => (typeof value === 'number' ? value.toFixed(value < 10 ? 2 : 0) : String(value));
const rows = [
  ['measure', 'median', 'min', 'max', 'peak MB', 'target'],
  ...[results.generation.yoFull, results.generation.yoEmpty, results.generation.entryPoint].map(row => [
    `${row.command} (ms)`,
    fmt(row.medianMs),
    fmt(row.minMs),
    fmt(row.maxMs),
    fmt(row.peakMb),
    row.targetMs ? `< ${row.targetMs}` : '',
  ]),
  [
    'full / empty, paired (ratio)',
    fmt(results.generation.ratio.median),
    fmt(results.generation.ratio.min),
    fmt(results.generation.ratio.max),
    '',
    '<= 1.3',
  ],
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
