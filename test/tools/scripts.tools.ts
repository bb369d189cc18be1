// The project's own shell scripts, and the command that runs the runtime tier's
// services in a Debian root as a container would (scripts/in-root.sh).
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/root.js';
import { describeRun, runSync } from '../support/run.js';
import { runTool } from '../support/tools.js';

const IN_ROOT = join(ROOT, 'scripts', 'in-root.sh');

describe("the project's own scripts", () => {
  it('pass shellcheck (scripts/*.sh, .ci/run)', async () => {
    const scripts = ['scripts/install-tools.sh', 'scripts/in-root.sh', 'scripts/stack/lock-all.sh', '.ci/run'];
    const result = await runTool('shellcheck', scripts, { cwd: ROOT });
    expect(result.status, describeRun(result)).to.equal(0);
  });
});

describe('scripts/in-root.sh', () => {
  let scratch = '';
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'in-root-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const inRoot = (args: string[]) =>
    runSync(IN_ROOT, args, { env: { PATH: '/usr/bin:/bin', HOME: '/root' }, timeoutMs: 30_000 });

  for (const [root, python] of [
    ['trixie', '3.13'],
    ['forky', '3.14'],
  ] as const) {
    it(`runs a command in the ${root} root (Python ${python}, the standard library only) with a /tmp and HOME of its own: the machine's /tmp is not seen, and what it writes there lands in its --tmp folder`, () => {
      const box = mkdtempSync(join(scratch, `${root}-`));
      const [tmp, home] = ['tmp', 'home'].map(name => mkdtempSync(join(box, `${name}-`)));
      const marker = join(tmpdir(), `in-root-marker-${process.pid}`);
      writeFileSync(marker, "the machine's /tmp");
      try {
        const ran = inRoot([
          '--tmp',
          tmp,
          '--home',
          home,
          root,
          box,
          '/bin/sh',
          '-c',
          `test ! -e ${marker} && echo inside > /tmp/written && echo "$HOME" > "$HOME/home" && /usr/bin/python3 -c 'import sys, importlib.metadata as m; print(sys.version_info[:2], list(m.distributions()))' && pwd`,
        ]);
        expect(ran.status, describeRun(ran)).to.equal(0);
        expect(ran.stdout.trim().split('\n')).to.deep.equal([`(${python.replace('.', ', ')}) []`, box]);
        expect(readFileSync(join(tmp, 'written'), 'utf8')).to.equal('inside\n');
        expect(readFileSync(join(home, 'home'), 'utf8')).to.equal('/root\n');
      } finally {
        rmSync(marker, { force: true });
      }
    });
  }

  it('refuses, before mounting anything, a root that is not built, a relative folder and an unknown option, saying why', () => {
    const none = inRoot(['no-such-root', scratch, 'true']);
    expect(none.status).to.equal(1);
    expect(none.stderr).to.match(/no Debian root in .*no-such-root: run bash scripts\/install-tools\.sh/);
    const relative = inRoot(['trixie', 'relative/folder', 'true']);
    expect(relative.status).to.equal(2);
    expect(relative.stderr).to.match(/FOLDER must be an absolute path/);
    const option = inRoot(['--shared-tmp', 'trixie', scratch, 'true']);
    expect(option.status).to.equal(2);
    expect(option.stderr).to.match(/unknown option --shared-tmp/);
    const volume = inRoot(['--volume', scratch, 'trixie', scratch, 'true']);
    expect(volume.status).to.equal(2);
    expect(volume.stderr).to.match(/--volume takes DIR:PATH/);
    const missing = inRoot(['--volume', `${scratch}/missing:/var/lib/data`, 'trixie', scratch, 'true']);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.match(/missing is not a folder/);
  });

  it('mounts a --volume DIR:PATH at PATH, as Compose mounts a named volume: what one run writes there, the next one reads', () => {
    const volume = mkdtempSync(join(scratch, 'volume-'));
    const withVolume = (...command: string[]) =>
      inRoot(['--volume', `${volume}:/var/lib/in-root-test`, 'trixie', scratch, ...command]);
    const write = withVolume('/bin/sh', '-c', 'echo kept > /var/lib/in-root-test/file');
    expect(write.status, describeRun(write)).to.equal(0);
    expect(readFileSync(join(volume, 'file'), 'utf8')).to.equal('kept\n');
    const read = withVolume('/bin/cat', '/var/lib/in-root-test/file');
    expect(read.stdout, describeRun(read)).to.equal('kept\n');
    const without = inRoot(['trixie', scratch, '/bin/sh', '-c', 'test ! -e /var/lib/in-root-test/file']);
    expect(without.status, "without the --volume, PATH is the root's own (empty) folder").to.equal(0);
  });
});
