// The checks of automatic HTTPS (--https auto) fail on what they are for: faults planted
// in copies of a generated project's Caddyfile, docker-compose.prod.yml and nginx.conf,
// each caught by the check that the tools tier runs on the matrix's project with
// automatic HTTPS (test/tools/caddy.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { AUTO_HTTPS } from '../fixtures.js';
import { runApp } from '../helpers.js';
import { configArgs, type ComposeConfig } from '../support/compose.js';
import { describeRun } from '../support/run.js';
import { runTool } from '../support/tools.js';
import { adapt, addressProblems, caddyExpected, caddyProblems, runCaddy } from './caddy.js';
import { ProjectUnderTest } from './project.js';

describe('the checks of automatic HTTPS, on a generated project (--https auto) with a planted fault', () => {
  let project: ProjectUnderTest;
  let caddyfile = '';
  let original = '';
  before(async function () {
    this.timeout(60_000);
    const run = await runApp({ defaults: true, prod: true, ...AUTO_HTTPS });
    project = new ProjectUnderTest(
      { title: 'planted fault', options: { prod: true, ...AUTO_HTTPS } },
      run.project,
      run.cwd,
    );
    caddyfile = await project.caddyfile();
    original = readFileSync(caddyfile, 'utf8');
  });
  after(() => project?.remove());

  let copies = 0;
  /** A copy of the Caddyfile changed by `plant` (which must change it), in the scratch space; its path. */
  const plantedCaddyfile = (plant: (text: string) => string) => {
    const text = plant(original);
    expect(text, 'the fault was planted').to.not.equal(original);
    const file = join(project.scratch, `Caddyfile-${++copies}`);
    writeFileSync(file, text);
    return file;
  };
  const validate = (file: string) =>
    runCaddy(project.scratch, ['validate', '--config', file, '--adapter', 'caddyfile']);
  const problemsOf = async (file: string) => caddyProblems(await adapt(project.scratch, file), caddyExpected(project));

  it('the Caddyfile as generated passes both: caddy validate, and the reading of caddy adapt', async () => {
    const file = plantedCaddyfile(text => `${text}\n`);
    const ran = await validate(file);
    expect(ran.status, describeRun(ran)).to.equal(0);
    expect(await problemsOf(file)).to.deep.equal([]);
  });

  it('caddy validate fails a misspelt directive (reverse_prxy for reverse_proxy), naming it', async () => {
    const ran = await validate(
      plantedCaddyfile(text => text.replace('\treverse_proxy nginx:80', '\treverse_prxy nginx:80')),
    );
    expect(ran.status, describeRun(ran)).to.equal(1);
    expect(ran.stderr).to.match(/unrecognized directive: reverse_prxy/);
  });

  it("a site without its tls block (Caddy's default TLS versions) is reported", async () => {
    const file = plantedCaddyfile(text => text.replace(/\ttls \{\n\t\tprotocols tls1\.2 tls1\.3\n\t\}\n/, ''));
    expect((await validate(file)).status, 'still a valid configuration').to.equal(0);
    expect(await problemsOf(file)).to.deep.equal([
      "no TLS policy names the sites: they take Caddy's default TLS versions",
    ]);
  });

  it('a site that turns TLS 1.2 away (protocols tls1.3) is reported', async () => {
    const file = plantedCaddyfile(text => text.replace('protocols tls1.2 tls1.3', 'protocols tls1.3'));
    expect(await problemsOf(file)).to.deep.equal([
      "the TLS policy of shop.example.org, www.shop.example.org allows tls1.3 to Caddy's default, not tls1.2 to tls1.3",
    ]);
  });

  it("an HSTS header of Caddy's own, even one set only where Django sent none, is reported", async () => {
    const file = plantedCaddyfile(text =>
      text.replace(
        '\treverse_proxy nginx:80',
        '\theader ?Strict-Transport-Security "max-age=3600"\n\treverse_proxy nginx:80',
      ),
    );
    const problems = await problemsOf(file);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^Caddy writes Strict-Transport-Security itself \(.*max-age=3600.*\), which is Django's alone$/,
    );
  });

  it('a site name that is not an allowed host, another CA and another upstream are reported', async () => {
    const file = plantedCaddyfile(text =>
      text
        .replace(
          'shop.example.org, www.shop.example.org {',
          'shop.example.org, www.shop.example.org, admin.example.org {',
        )
        .replace(/acme_ca \S+/, 'acme_ca https://acme-v02.api.letsencrypt.org/directory')
        .replace('reverse_proxy nginx:80', 'reverse_proxy web:8000'),
    );
    const problems = await problemsOf(file);
    expect(problems).to.have.length(4);
    expect(problems[0]).to.match(/^the sites are .*admin\.example\.org.*, not the allowed hosts/);
    expect(problems[1]).to.match(/^the TLS policies name/);
    expect(problems[2]).to.match(/^the certificates come from .*acme-v02.*, not .*acme-staging-v02.* alone$/);
    expect(problems[3]).to.equal('requests go to ["web:8000"], not nginx:80 alone');
  });

  /** The resolved docker-compose.prod.yml, from a copy changed by `plant` beside it. */
  const plantedCompose = async (plant: (text: string) => string): Promise<ComposeConfig> => {
    const text = plant(project.read('docker-compose.prod.yml'));
    expect(text, 'the fault was planted').to.not.equal(project.read('docker-compose.prod.yml'));
    writeFileSync(join(project.folder, 'docker-compose.planted.yml'), text);
    const ran = await runTool('docker-compose', configArgs(['docker-compose.planted.yml'], true), {
      cwd: project.folder,
    });
    expect(ran.status, describeRun(ran)).to.equal(0);
    return JSON.parse(ran.stdout) as ComposeConfig;
  };

  it("nginx.conf's geo trusting the stack's whole subnet, not the edge network alone, is reported", async () => {
    const config = await project.composeConfig('docker-compose.prod.yml');
    const nginxConf = project.read('compose/production/nginx/nginx.conf');
    expect(addressProblems(config, nginxConf), 'as generated').to.deep.equal([]);
    const edge = config.networks?.edge?.ipam?.config?.[0]?.subnet ?? '';
    const stack = config.networks?.default?.ipam?.config?.[0]?.subnet ?? '';
    const planted = nginxConf.replace(`${edge} 1;`, `${stack} 1;`);
    expect(planted).to.not.equal(nginxConf);
    expect(addressProblems(config, planted)).to.deep.equal([
      `nginx.conf's geo $from_tls_proxy trusts ["${stack}"], not ["${edge}"] alone`,
    ]);
  });

  it('another service on the edge network, which could claim HTTPS to nginx, is reported', async () => {
    const config = await plantedCompose(text =>
      text.replace(/^( {2}web:\n {4}<<: \*django\n)/m, '$1    networks:\n      - default\n      - edge\n'),
    );
    expect(addressProblems(config, project.read('compose/production/nginx/nginx.conf'))).to.deep.equal([
      'web is on the edge network: it could claim HTTPS to nginx',
    ]);
  });

  it('caddy on the stack network too is reported', async () => {
    const config = await plantedCompose(text =>
      text.replace(/^( {4}networks:\n {6}- edge\n)(?= {4}depends_on:\n {6}- nginx)/m, '$1      - default\n'),
    );
    expect(addressProblems(config, project.read('compose/production/nginx/nginx.conf'))).to.deep.equal([
      'caddy is on ["default","edge"], not on the edge network alone',
    ]);
  });
});
