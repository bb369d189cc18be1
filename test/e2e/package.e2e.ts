// The package as npm publishes it (install.e2e.ts installs it and runs it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../support/root.js';
import { runSync } from '../support/run.js';

describe('the published package', function () {
  this.timeout(300_000);

  const packed = () => {
    const run = runSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    expect(run.status, run.stderr).to.equal(0);
    return (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0].files.map(file => file.path);
  };

  it('holds the compiled generators, their templates and USAGE, and no sources or tests', () => {
    const files = packed();
    for (const name of ['app', 'django', 'requirements', 'env', 'local', 'repo']) {
      expect(files).to.include(`generators/${name}/index.js`);
      expect(files).to.include(`generators/${name}/USAGE`);
    }
    expect(files).to.include('generators/local/templates/docker-compose.yml.ejs');
    expect(files).to.include('generators/env/templates/_env/_dev-sample.ejs');
    expect(files.filter(file => /\.ts$|^test\/|__snapshots__|^src\//.test(file))).to.deep.equal([]);
  });

  it('runs from its bundle alone: no dependency to install, and only the bundle files the build made', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies ?? {}).to.deep.equal({});
    expect(pkg.peerDependencies ?? {}).to.deep.equal({});
    const files = packed();
    expect(files).to.include('generators/cli.js');
    expect(files).to.include('generators/lib/bundle/cli.js');
    const meta = JSON.parse(readFileSync(join(ROOT, '.build', 'meta.json'), 'utf8')) as { outputs: object };
    const built = Object.keys(meta.outputs).map(output => `generators/lib/bundle/${output.split('/').pop()}`);
    const shipped = files.filter(file => file.startsWith('generators/lib/bundle/') && file.endsWith('.js'));
    expect(shipped.filter(file => !file.startsWith('generators/lib/bundle/deps/')).sort()).to.deep.equal(built.sort());
  });
});
