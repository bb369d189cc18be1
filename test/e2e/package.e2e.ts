// The package as npm publishes it, installed globally and found by `yo`.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../support/root.js';
import { runSync } from '../support/run.js';
import { shareTree, yo } from './commands.js';

describe('the published package', function () {
  this.timeout(300_000);

  const packed = () => {
    const run = runSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    expect(run.status, run.stderr).to.equal(0);
    return (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0].files.map(file => file.path);
  };

  it('holds the compiled generators, their templates and USAGE, and no sources or tests', () => {
    const files = packed();
    for (const name of ['app', 'django', 'requirements', 'env', 'local', 'project']) {
      expect(files).to.include(`generators/${name}/index.js`);
      expect(files).to.include(`generators/${name}/USAGE`);
    }
    expect(files).to.include('generators/local/templates/docker-compose.yml.ejs');
    expect(files).to.include('generators/env/templates/_env/_dev-sample.ejs');
    expect(files.filter(file => /\.ts$|^test\/|__snapshots__|^src\//.test(file))).to.deep.equal([]);
  });

  it('is found by yo after a global install of the packed tarball', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'global-'));
    try {
      const pack = runSync('npm', ['pack', '--ignore-scripts', '--pack-destination', prefix], { cwd: ROOT });
      expect(pack.status, pack.stderr).to.equal(0);
      const tarball = join(prefix, pack.stdout.trim().split('\n').pop() ?? '');
      const install = runSync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
        timeoutMs: 240_000,
      });
      expect(install.status, install.stderr).to.equal(0);
      const modules = join(prefix, 'lib', 'node_modules');
      // yo gives up root's rights: what it reads must be readable by anyone.
      shareTree(prefix);
      expect(existsSync(join(modules, 'generator-django-celery', 'generators', 'app', 'index.js'))).to.equal(true);
      const run = yo(['--generators'], { cwd: prefix, home: prefix, modules });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/django-celery/);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});
