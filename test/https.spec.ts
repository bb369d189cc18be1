// How HTTPS reaches production (--https off | proxy | auto): the answers, what each
// writes, and a re-run that changes it. The certificate flow itself runs in the runtime
// tier (test/runtime/https.runtime.ts), the files through the real tools in the tools tier.
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RunState } from '../src/generators/lib/run/state.js';
import { AUTO_HTTPS } from './fixtures.js';
import { expectRefusal, fixedSecrets, read, runApp, runGenerator, runProd, stored } from './helpers.js';

const CADDY_FILES = ['compose/production/caddy/Caddyfile', 'compose/production/caddy/Dockerfile'];

interface ComposeService {
  ports?: string[];
  volumes?: string[];
  networks?: string[];
  image?: string;
}
const compose = (project: string) =>
  parse(read(project, 'docker-compose.prod.yml')) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
    networks: Record<string, { ipam: { config: { subnet: string }[] } }>;
  };
const envSetting = (project: string, key: string) =>
  new RegExp(`^${key}=(.*)$`, 'm').exec(read(project, '.env/.prod'))?.[1];
/** The address nginx's `geo` block passes X-Forwarded-Proto on from. */
const trusted = (project: string) =>
  /geo \$from_tls_proxy \{\s*default 0;\s*(\S+) 1;/.exec(read(project, 'compose/production/nginx/nginx.conf'))?.[1];

describe('--https auto: Caddy gets the certificates, in front of nginx', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true, prod: true, ...AUTO_HTTPS }));
  });

  it('adds a caddy service on ports 80, 443 and 443/udp, its certificates in named volumes, on a network of its own with nginx', () => {
    const { services, volumes, networks } = compose(project);
    expect(services.caddy.ports).to.deep.equal(['80:80', '443:443', '443:443/udp']);
    expect(services.caddy.volumes).to.deep.equal(['caddy_data:/data', 'caddy_config:/config']);
    expect(volumes).to.include.keys('caddy_data', 'caddy_config');
    expect(services.caddy.networks).to.deep.equal(['edge']);
    expect(services.nginx.networks).to.deep.equal(['default', 'edge']);
    // No other service is on the edge network.
    for (const [name, service] of Object.entries(services))
      if (name !== 'caddy' && name !== 'nginx') expect(service.networks, name).to.equal(undefined);
    const edge = networks.edge.ipam.config[0].subnet;
    expect(edge)
      .to.match(/^172\.(2[4-9]|3[01])\.\d+\.0\/24$/)
      .and.not.equal(networks.default.ipam.config[0].subnet);
    expect(services.caddy.image).to.equal('django_celery_example_production_caddy');
  });

  it('publishes nginx on no port, and nginx trusts X-Forwarded-Proto from the edge network alone', () => {
    const { services, networks } = compose(project);
    expect(services.nginx.ports).to.equal(undefined);
    expect(trusted(project)).to.equal(networks.edge.ipam.config[0].subnet);
  });

  it('writes a Caddyfile for every allowed host name, with the CA and its contact as given, TLS 1.2 and 1.3, and nginx behind (HSTS left to Django)', () => {
    const caddyfile = read(project, 'compose/production/caddy/Caddyfile');
    expect(caddyfile).to.match(/^\temail ops@shop\.example\.org$/m);
    expect(caddyfile).to.match(/^\tacme_ca https:\/\/acme-staging-v02\.api\.letsencrypt\.org\/directory$/m);
    expect(caddyfile).to.match(/^shop\.example\.org, www\.shop\.example\.org \{$/m);
    expect(caddyfile).to.match(/^\t\tprotocols tls1\.2 tls1\.3$/m);
    // HSTS is Django's alone (DJANGO_SECURE_HSTS_*): a second source would undo its settings.
    expect(caddyfile).not.to.match(/^\s*header\b.*Strict-Transport-Security/m);
    expect(caddyfile).to.match(/^\treverse_proxy nginx:80$/m);
    // No setting of a test, or a renewal check other than Caddy's own.
    expect(caddyfile).not.to.match(/renew_interval|acme_ca_root|http_port|https_port|local_certs/);
    expect(read(project, 'compose/production/caddy/Dockerfile')).to.match(/^FROM caddy:2\.11-alpine$/m);
  });

  it("turns Django's HTTPS switch on, and stores its answers, but no nginx port", () => {
    expect(envSetting(project, 'DJANGO_SECURE_PROXY')).to.equal('1');
    expect(stored(project)).to.include({
      https: 'auto',
      acmeEmail: 'ops@shop.example.org',
      acmeCa: AUTO_HTTPS['acme-ca'],
    });
    expect(stored(project)).to.not.have.any.keys('nginxPort', 'nginxLoopback');
  });

  it('leaves Caddy out of CI, which gets no certificate, and publishes nginx there instead', () => {
    const override = parse(read(project, '.github/ci/without-caddy.yml')) as {
      services: Record<string, { profiles?: string[]; ports?: string[]; environment?: Record<string, string> }>;
    };
    expect(override.services.caddy.profiles).to.deep.equal(['caddy']);
    expect(override.services.nginx.ports).to.deep.equal(['127.0.0.1:1337:80']);
    const workflow = read(project, '.github/workflows/ci.yml');
    expect(workflow).to.contain('docker compose -f docker-compose.prod.yml -f .github/ci/without-caddy.yml up --wait');
    expect(workflow).to.contain('run --rm --no-deps caddy caddy validate --config /etc/caddy/Caddyfile');
  });

  it('a plain re-run writes the same files and keeps the answers', async () => {
    const before = ['docker-compose.prod.yml', ...CADDY_FILES, '.env/.prod'].map(file => read(project, file));
    await runProd(project);
    expect(['docker-compose.prod.yml', ...CADDY_FILES, '.env/.prod'].map(file => read(project, file))).to.deep.equal(
      before,
    );
    expect(stored(project)).to.include({ https: 'auto', acmeEmail: 'ops@shop.example.org' });
  });
});

describe('--https off and proxy: nginx published, no Caddy', () => {
  for (const [https, secureProxy] of [
    ['off', '0'],
    ['proxy', '1'],
  ] as const) {
    it(`--https ${https}: nginx on its port, trusting the stack's network; DJANGO_SECURE_PROXY=${secureProxy}; no Caddy files`, async () => {
      const { project } = await runApp({ defaults: true, prod: true, https });
      const { services, networks } = compose(project);
      expect(services.nginx.ports).to.deep.equal(['1337:80']);
      expect(services).not.to.have.property('caddy');
      expect(networks).to.have.all.keys('default');
      expect(trusted(project)).to.equal(networks.default.ipam.config[0].subnet);
      expect(envSetting(project, 'DJANGO_SECURE_PROXY')).to.equal(secureProxy);
      for (const file of [...CADDY_FILES, '.github/ci/without-caddy.yml'])
        expect(existsSync(join(project, file)), file).to.equal(false);
      expect(stored(project)).to.include({ https, nginxPort: 1337 });
      expect(stored(project)).to.not.have.any.keys('acmeEmail', 'acmeCa');
    });
  }
});

describe('the HTTPS answers, asked and refused', () => {
  it('asked: choosing automatic certificates asks for the CA contact, and not for the nginx port', async () => {
    const { result, project } = await runApp(
      { prod: true, interactive: true, 'project-name': 'shop' },
      {
        webPort: '8010',
        flowerPort: '5557',
        mailPort: '8025',
        postgresDb: 'shop',
        postgresUser: 'shop',
        postgresPassword: 'pw',
        https: 'auto',
        allowedHosts: 'shop.example.org',
        flowerUser: 'ops',
        acmeEmail: 'ops@shop.example.org',
      },
    );
    const asked = result.askedQuestions.map(question => question.name);
    expect(asked.slice(asked.indexOf('https'))).to.deep.equal(['https', 'allowedHosts', 'flowerUser', 'acmeEmail']);
    expect(stored(project)).to.include({ https: 'auto', acmeEmail: 'ops@shop.example.org' });
    expect(compose(project).services).to.have.property('caddy');
  });

  for (const [options, message] of [
    [
      { https: 'auto' },
      /The default of --allowed-hosts: "localhost" cannot get a certificate .*--allowed-hosts "example\.com/,
    ],
    [{ https: 'auto', 'allowed-hosts': 'shop.example.org' }, /The default of --acme-email: .*use --acme-email/],
    [
      { https: 'auto', 'allowed-hosts': 'shop.example.org 10.0.0.7', 'acme-email': 'a@b.org' },
      /"10\.0\.0\.7" cannot get a certificate/,
    ],
    [
      { https: 'auto', 'allowed-hosts': '.example.org', 'acme-email': 'a@b.org' },
      /"\.example\.org" cannot get a certificate/,
    ],
    [
      { 'acme-email': 'a@b.org' },
      /^--acme-email \(HTTPS is "off" here\): it is used only with automatic HTTPS\. Pass --https auto too/,
    ],
    [
      { https: 'proxy', 'acme-ca': 'https://ca.example/dir' },
      /^--acme-ca \(HTTPS is "proxy" here\): it is used only with automatic HTTPS/,
    ],
    [
      { https: 'auto', 'allowed-hosts': 'shop.example.org', 'acme-email': 'a@b.org', 'nginx-port': '8080' },
      /^--nginx-port \(HTTPS is "auto" here\): nginx is published on no port with automatic HTTPS/,
    ],
    [
      { https: 'auto', 'allowed-hosts': 'shop.example.org', 'acme-email': 'a@b.org', 'nginx-loopback': true },
      /^--nginx-loopback \(HTTPS is "auto" here\): nginx is published on no port/,
    ],
    [{ https: 'https' }, /"https" is not a HTTPS mode this generator supports: choose one of off, proxy, auto/],
    [
      { https: 'auto', 'allowed-hosts': 'shop.example.org', 'acme-email': '#ops@shop.example.org' },
      /"#ops@shop\.example\.org" is not an email address/,
    ],
    [
      { https: 'auto', 'allowed-hosts': 'shop.example.org', 'acme-email': 'a{env.HOME}@shop.example.org' },
      /is not an email address/,
    ],
    [
      { https: 'auto', 'allowed-hosts': 'shop.example.org', 'acme-email': 'me@example.com' },
      /Let's Encrypt refuses it/,
    ],
  ] as const) {
    it(`refuses ${JSON.stringify(options)}, writing nothing`, () =>
      expectRefusal({ defaults: true, prod: true, ...options }, message));
  }

  it('takes the host names given before the HTTPS mode is asked, and judges them once it is', async () => {
    let failure: unknown;
    try {
      await runApp(
        {
          prod: true,
          interactive: true,
          'allowed-hosts': 'localhost',
          'acme-email': 'ops@shop.example.org',
          'project-name': 'shop',
        },
        {
          webPort: '8010',
          flowerPort: '5557',
          mailPort: '8025',
          postgresDb: 'a',
          postgresUser: 'a',
          postgresPassword: 'a',
          https: 'auto',
          flowerUser: 'ops',
        },
      );
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.match(/--allowed-hosts: "localhost" cannot get a certificate/);
  });
});

describe('a re-run that turns automatic HTTPS on, in a project that had plain HTTP', () => {
  it("adds Caddy and unpublishes nginx, keeps the user's .env/.prod and says which setting it did not take", async () => {
    const { project } = await runApp({ defaults: true, prod: true, 'allowed-hosts': 'shop.example.org' });
    expect(envSetting(project, 'DJANGO_SECURE_PROXY')).to.equal('0');
    const result = await runProd(project, { https: 'auto', 'acme-email': 'ops@shop.example.org' });
    expect(compose(project).services).to.have.property('caddy');
    expect(compose(project).services.nginx.ports).to.equal(undefined);
    expect(envSetting(project, 'DJANGO_SECURE_PROXY'), "the user's file is kept").to.equal('0');
    const state = (result.generator as unknown as { runState: RunState }).runState;
    expect(state.unapplied.get('.env/.prod')).to.deep.equal(['DJANGO_SECURE_PROXY=1']);
    // nginx's port stays stored, for a move back.
    expect(stored(project)).to.include({ https: 'auto', nginxPort: 1337 });
    // Said again at the next run, while the file and the answer disagree.
    const again = await runProd(project);
    const next = (again.generator as unknown as { runState: RunState }).runState;
    expect(next.unapplied.get('.env/.prod')).to.deep.equal(['DJANGO_SECURE_PROXY=1']);
    // A port the unpublished nginx kept stored is free for another answer.
    await runProd(project, { 'nginx-port': undefined });
    await runGenerator('app').withOptions({ secretSource: fixedSecrets, 'web-port': '1337' }).cd(project);
    expect(read(project, 'docker-compose.yml')).to.contain('"127.0.0.1:1337:8000"');
    await runGenerator('app').withOptions({ secretSource: fixedSecrets, 'web-port': '8010' }).cd(project);
    await runProd(project, { https: 'off' });
    expect(compose(project).services.nginx.ports).to.deep.equal(['1337:80']);
    expect(compose(project).services).not.to.have.property('caddy');
    expect(stored(project)).to.include({ https: 'off', acmeEmail: 'ops@shop.example.org' });
  });
});

describe('a production stored before the HTTPS answer existed', () => {
  it('is regenerated without a terminal, asking nothing, as plain HTTP, its files unchanged', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    const rc = join(project, '.yo-rc.json');
    const before = JSON.parse(readFileSync(rc, 'utf8'));
    delete before['generator-django-celery'].https;
    writeFileSync(rc, `${JSON.stringify(before, null, 2)}\n`);
    const compose = read(project, 'docker-compose.prod.yml');
    const result = await runProd(project, { interactive: false });
    expect(result.askedQuestions).to.deep.equal([]);
    expect(read(project, 'docker-compose.prod.yml')).to.equal(compose);
    expect(stored(project)).to.include({ https: 'off' });
  });
});
