// A production project with automatic HTTPS (--https auto): the Caddyfile its caddy
// image holds, read by the real Caddy (Debian forky's, the line of the image) with
// `caddy validate` and `caddy adapt`; the caddy service as Compose resolves it, with
// the one address nginx trusts; and the stack CI starts without it
// (.github/ci/without-caddy.yml on top of docker-compose.prod.yml).
import { expect } from 'chai';
import { splitHosts } from '../../src/generators/lib/answers/answers.js';
import { CADDY_IMAGE } from '../../src/generators/lib/values/versions.js';
import { environmentOf, type ComposeConfig, type ComposeService } from '../support/compose.js';
import { describeRun, type Ran } from '../support/run.js';
import { typed, type MatrixEntry, type ProjectUnderTest } from './project.js';
import { inDebianRoot } from './quality.js';

/** Where the caddy image reads its configuration from. */
export const CADDYFILE = '/etc/caddy/Caddyfile';
/** The Compose file CI puts on top of docker-compose.prod.yml. */
const WITHOUT_CADDY = '.github/ci/without-caddy.yml';

/**
 * Runs Debian forky's caddy (2.11, the line of the caddy image) inside its root, in
 * `folder` (seen at its own path), with a /tmp and HOME of its own.
 */
export function runCaddy(folder: string, args: string[]): Promise<Ran> {
  return inDebianRoot('forky', folder, ['/usr/bin/caddy', ...args], {
    PATH: '/usr/bin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
  });
}

/** Caddy's log lines (JSON, on stderr) at level warn or above. */
function caddyWarnings(ran: Ran): string[] {
  return ran.stderr
    .split('\n')
    .filter(line => /^\{.*"level":"(warn|error|panic|fatal)"/.test(line) || /^(WARN|ERROR)\b/.test(line));
}

interface CaddyHandler {
  handler: string;
  routes?: CaddyRoute[];
  upstreams?: Array<{ dial?: string }>;
  response?: {
    set?: Record<string, string[]>;
    add?: Record<string, string[]>;
    replace?: Record<string, unknown>;
    delete?: string[];
  };
}

interface CaddyRoute {
  match?: Array<{ host?: string[] }>;
  handle?: CaddyHandler[];
}

interface CaddyServer {
  listen?: string[];
  protocols?: string[];
  routes?: CaddyRoute[];
  tls_connection_policies?: Array<{ match?: { sni?: string[] }; protocol_min?: string; protocol_max?: string }>;
  automatic_https?: { disable?: boolean; disable_redirects?: boolean };
}

/** What `caddy adapt` prints: the Caddyfile as Caddy's JSON configuration. */
export interface CaddyConfig {
  apps?: {
    http?: { http_port?: number; https_port?: number; servers?: Record<string, CaddyServer> };
    tls?: {
      automation?: {
        policies?: Array<{ subjects?: string[]; issuers?: Array<{ module: string; ca?: string; email?: string }> }>;
      };
    };
  };
}

/** What the Caddyfile of a project must say. */
export interface CaddyExpected {
  /** The sites: the allowed host names. */
  hosts: string[];
  email: string;
  ca: string;
  /** Where every request goes (nginx:80). */
  upstream: string;
}

/** Every handler of the routes, those of subroutes too. */
function handlers(routes: readonly CaddyRoute[]): CaddyHandler[] {
  return routes.flatMap(route => (route.handle ?? []).flatMap(handler => [handler, ...handlers(handler.routes ?? [])]));
}

const sorted = (values: readonly string[]) => [...values].sort();
const same = (a: readonly string[], b: readonly string[]) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** What the adapted configuration lacks against `expected`, one line each. */
export function caddyProblems(config: CaddyConfig, expected: CaddyExpected): string[] {
  const problems: string[] = [];
  const servers = Object.values(config.apps?.http?.servers ?? {});
  if (servers.length === 0) return ['no HTTP server'];
  const routes = servers.flatMap(server => server.routes ?? []);

  const sites = routes.flatMap(route => (route.match ?? []).flatMap(match => match.host ?? []));
  if (!same(sites, expected.hosts))
    problems.push(`the sites are ${JSON.stringify(sites)}, not the allowed hosts ${JSON.stringify(expected.hosts)}`);
  if (routes.some(route => !route.match?.some(match => match.host)))
    problems.push('a route matches no host name: it answers for any site');

  const policies = servers.flatMap(server => server.tls_connection_policies ?? []);
  const ofSites = policies.filter(policy => policy.match?.sni);
  const named = ofSites.flatMap(policy => policy.match!.sni!);
  if (ofSites.length === 0) problems.push("no TLS policy names the sites: they take Caddy's default TLS versions");
  else if (!same(named, expected.hosts))
    problems.push(`the TLS policies name ${JSON.stringify(ofSites.map(policy => policy.match?.sni))}, not the sites`);
  for (const policy of ofSites)
    if (policy.protocol_min !== 'tls1.2' || policy.protocol_max !== 'tls1.3')
      problems.push(
        `the TLS policy of ${policy.match!.sni!.join(', ')} allows ${policy.protocol_min ?? "Caddy's default"} to ${policy.protocol_max ?? "Caddy's default"}, not tls1.2 to tls1.3`,
      );
  for (const policy of policies.filter(candidate => !candidate.match?.sni))
    if (policy.protocol_min !== undefined && policy.protocol_min !== 'tls1.2' && policy.protocol_min !== 'tls1.3')
      problems.push(`a TLS policy allows ${policy.protocol_min}`);

  const issuers = (config.apps?.tls?.automation?.policies ?? []).flatMap(policy => policy.issuers ?? []);
  const acme = { module: 'acme', ca: expected.ca, email: expected.email };
  const issuerText = (issuer: Record<string, unknown>) => JSON.stringify(Object.entries(issuer).sort());
  if (issuers.length !== 1 || issuerText(issuers[0]) !== issuerText(acme))
    problems.push(`the certificates come from ${JSON.stringify(issuers)}, not ${JSON.stringify(acme)} alone`);

  const all = handlers(routes);
  const dials = all
    .filter(handler => handler.handler === 'reverse_proxy')
    .flatMap(handler => (handler.upstreams ?? []).map(upstream => upstream.dial ?? ''));
  if (JSON.stringify(dials) !== JSON.stringify([expected.upstream]))
    problems.push(`requests go to ${JSON.stringify(dials)}, not ${expected.upstream} alone`);

  // HSTS is Django's alone (DJANGO_SECURE_HSTS_*): a header of Caddy's own would outlast a change of them.
  const hsts = all.filter(handler => {
    const { set = {}, add = {}, replace = {}, delete: deleted = [] } = handler.response ?? {};
    return [...Object.keys(set), ...Object.keys(add), ...Object.keys(replace), ...deleted].some(
      name => name.replace(/^[-+?>]/, '').toLowerCase() === 'strict-transport-security',
    );
  });
  if (hsts.length > 0)
    problems.push(
      `Caddy writes Strict-Transport-Security itself (${JSON.stringify(hsts.map(handler => handler.response))}), which is Django's alone`,
    );
  return problems;
}

/** The ports Caddy listens on with this configuration (`443/tcp`), the HTTP-to-HTTPS redirects' own included. */
export function caddyListening(config: CaddyConfig): string[] {
  const http = config.apps?.http ?? {};
  const httpsPort = http.https_port ?? 443;
  const ports = new Set<string>();
  for (const server of Object.values(http.servers ?? {})) {
    for (const address of server.listen ?? []) {
      const port = Number(/:(\d+)$/.exec(address)?.[1]);
      ports.add(`${port}/tcp`);
      // HTTP/3 (QUIC, on UDP) on every TLS server, unless its protocols leave it out.
      const tls = (server.tls_connection_policies ?? []).length > 0 || port === httpsPort;
      if (tls && (server.protocols ?? ['h1', 'h2', 'h3']).includes('h3')) ports.add(`${port}/udp`);
      if (port === httpsPort && !server.automatic_https?.disable && !server.automatic_https?.disable_redirects)
        ports.add(`${http.http_port ?? 80}/tcp`);
    }
  }
  return sorted([...ports]);
}

type NetworkedService = ComposeService & { networks?: Record<string, unknown> };

/** An IPv4 address, or a CIDR range, as a number and a mask. */
function ipv4(text: string): { address: number; mask: number } {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(text);
  if (!match) throw new Error(`"${text}" is not an IPv4 address or range`);
  const address = match.slice(1, 5).reduce((sum, part) => sum * 256 + Number(part), 0);
  const bits = match[5] === undefined ? 32 : Number(match[5]);
  return { address, mask: bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0 };
}

/** Whether `address` lies in `range` (a CIDR). */
function inRange(address: string, range: string): boolean {
  const { address: value } = ipv4(address);
  const { address: base, mask } = ipv4(range);
  return (value & mask) >>> 0 === (base & mask) >>> 0;
}

/** The addresses nginx.conf's `geo $from_tls_proxy` block trusts (value 1), and its default. */
function trustedByNginx(nginxConf: string): { trusted: string[]; fallback?: string } {
  const block = /\bgeo\s+\$from_tls_proxy\s*\{([^}]*)\}/.exec(nginxConf)?.[1];
  if (block === undefined) return { trusted: [] };
  const entries = [...block.matchAll(/^\s*(\S+)\s+(\S+)\s*;/gm)].map(match => [match[1], match[2]] as const);
  return {
    trusted: entries.filter(([key, value]) => key !== 'default' && value === '1').map(([key]) => key),
    fallback: entries.find(([key]) => key === 'default')?.[1],
  };
}

/**
 * What keeps the edge network (Caddy's and nginx's alone) from being the only source
 * nginx trusts X-Forwarded-Proto from: a fixed subnet of its own apart from the stack's,
 * Caddy on it alone, nginx on it and on the stack's, no other service on it, and it the
 * only entry of nginx.conf's geo block.
 */
export function addressProblems(config: ComposeConfig, nginxConf: string): string[] {
  const problems: string[] = [];
  const subnetOf = (name: string) => config.networks?.[name]?.ipam?.config?.[0]?.subnet;
  const edge = subnetOf('edge');
  const stack = subnetOf('default');
  if (!edge) problems.push('the edge network has no fixed subnet');
  if (!stack) problems.push('the default network has no fixed subnet');
  if (edge && stack && (inRange(edge.replace(/\/\d+$/, ''), stack) || inRange(stack.replace(/\/\d+$/, ''), edge)))
    problems.push(`the edge network's ${edge} overlaps the stack's ${stack}`);
  const networksOf = (name: string) =>
    Object.keys((config.services[name] as NetworkedService | undefined)?.networks ?? { default: null }).sort();
  if (JSON.stringify(networksOf('caddy')) !== '["edge"]')
    problems.push(`caddy is on ${JSON.stringify(networksOf('caddy'))}, not on the edge network alone`);
  if (JSON.stringify(networksOf('nginx')) !== '["default","edge"]')
    problems.push(`nginx is on ${JSON.stringify(networksOf('nginx'))}, not on the stack's and the edge network`);
  for (const name of Object.keys(config.services).filter(name => name !== 'caddy' && name !== 'nginx'))
    if (networksOf(name).includes('edge'))
      problems.push(`${name} is on the edge network: it could claim HTTPS to nginx`);
  const { trusted, fallback } = trustedByNginx(nginxConf);
  if (JSON.stringify(trusted) !== JSON.stringify([edge]))
    problems.push(`nginx.conf's geo $from_tls_proxy trusts ${JSON.stringify(trusted)}, not ["${edge}"] alone`);
  if (fallback !== '0') problems.push(`nginx.conf's geo $from_tls_proxy gives others ${fallback ?? 'nothing'}, not 0`);
  return problems;
}

/** What the project's Caddyfile must say, from its answers. */
export function caddyExpected(project: ProjectUnderTest): CaddyExpected {
  const { entry } = project;
  return {
    hosts: splitHosts(typed(entry, 'allowedHosts')),
    email: typed(entry, 'acmeEmail'),
    ca: typed(entry, 'acmeCa'),
    upstream: 'nginx:80',
  };
}

/** `caddy adapt` of a Caddyfile of the project (a path in it or in its scratch space), which must succeed. */
export async function adapt(folder: string, caddyfile: string): Promise<CaddyConfig> {
  const ran = await runCaddy(folder, ['adapt', '--config', caddyfile, '--adapter', 'caddyfile']);
  if (ran.status !== 0) throw new Error(describeRun(ran));
  return JSON.parse(ran.stdout) as CaddyConfig;
}

const expectQuiet = (ran: Ran) => {
  expect(ran.status, describeRun(ran)).to.equal(0);
  expect(ran.stderr, `\`${ran.command}\` succeeded but warned:\n${ran.stderr}`).to.equal('');
};

/** Each published port of a service, as `HOST_IP:PUBLISHED->TARGET/PROTOCOL`. */
const bindings = (service: ComposeService | undefined) =>
  (service?.ports ?? []).map(
    port => `${port.host_ip ?? '*'}:${port.published}->${port.target}/${port.protocol ?? 'tcp'}`,
  );

export function describeCaddy(entry: MatrixEntry, project: () => ProjectUnderTest): void {
  const prodConfig = () => project().composeConfig('docker-compose.prod.yml');

  describe('Caddy (--https auto)', () => {
    it(`passes \`caddy validate\` (Caddy 2.11, Debian forky's) on the Caddyfile its image holds at ${CADDYFILE}, with no warning`, async () => {
      expect(project().read('compose/production/caddy/Dockerfile')).to.match(
        new RegExp(`^FROM ${CADDY_IMAGE.replaceAll('.', '\\.')}$`, 'm'),
      );
      const ran = await project().caddy('validate');
      expect(ran.status, describeRun(ran)).to.equal(0);
      expect(ran.stdout, describeRun(ran)).to.match(/^Valid configuration$/m);
      expect(caddyWarnings(ran), describeRun(ran)).to.deep.equal([]);
    });

    it("`caddy adapt` of it serves exactly the allowed hosts on TLS 1.2 and 1.3 only, with certificates from the ACME CA and contact given, everything passed on to nginx:80, and no HSTS header of its own (Django's alone)", async () => {
      const ran = await project().caddy('adapt');
      expect(ran.status, describeRun(ran)).to.equal(0);
      expect(caddyWarnings(ran), describeRun(ran)).to.deep.equal([]);
      expect(caddyProblems(JSON.parse(ran.stdout) as CaddyConfig, caddyExpected(project()))).to.deep.equal([]);
      // nginx, a service of the stack, listens on the port Caddy sends to.
      expect(Object.keys((await prodConfig()).services)).to.include('nginx');
      expect(project().read('compose/production/nginx/nginx.conf')).to.match(/^\s*listen 80;$/m);
    });

    it("puts caddy on a network of its own with nginx alone (a fixed subnet apart from the stack's), which nginx.conf's geo alone trusts", async () => {
      expect(addressProblems(await prodConfig(), project().read('compose/production/nginx/nginx.conf'))).to.deep.equal(
        [],
      );
    });

    it("keeps caddy's certificates and configuration in named volumes, caddy_data on /data and caddy_config on /config", async () => {
      const resolved = await prodConfig();
      const volumes = (resolved.services.caddy?.volumes ?? []).map(
        volume => `${volume.type} ${volume.source}:${volume.target}`,
      );
      expect(volumes).to.deep.equal(['volume caddy_data:/data', 'volume caddy_config:/config']);
      const declared = (resolved as { volumes?: Record<string, unknown> }).volumes ?? {};
      expect(Object.keys(declared)).to.include.members(['caddy_data', 'caddy_config']);
    });

    describe(`the stack CI starts: docker-compose.prod.yml with ${WITHOUT_CADDY} on top`, () => {
      it(`is what ci.yml's production job starts, and docker-compose config resolves it with no warning`, async () => {
        expect(await project().ciFiles()).to.deep.equal(['docker-compose.prod.yml', WITHOUT_CADDY]);
        expectQuiet(await project().ciCompose(['config', '--quiet']));
      });

      it('starts every service of docker-compose.prod.yml but caddy, which is left to a profile of its own', async () => {
        const ran = await project().ciCompose(['config', '--services']);
        expect(ran.status, describeRun(ran)).to.equal(0);
        const services = ran.stdout.split('\n').filter(Boolean).sort();
        const all = Object.keys((await prodConfig()).services).sort();
        expect(all).to.include('caddy');
        expect(services).to.deep.equal(all.filter(name => name !== 'caddy'));
        const profiled = await project().ciCompose(['--profile', 'caddy', 'config', '--services']);
        expect(profiled.stdout.split('\n').filter(Boolean).sort(), describeRun(profiled)).to.deep.equal(all);
      });

      it(`publishes nginx on the runner's loopback only, 127.0.0.1:${typed(entry, 'nginxPort')}, onto its port 80, and nothing else`, async () => {
        const resolved = await project().ciConfig();
        const published = Object.entries(resolved.services).flatMap(([name, service]) =>
          bindings(service).map(binding => `${name}: ${binding}`),
        );
        expect(published).to.deep.equal([`nginx: 127.0.0.1:${typed(entry, 'nginxPort')}->80/tcp`]);
      });

      it("gives web DJANGO_SECURE_PROXY=0 (plain HTTP from the runner), the other services of .env/.prod its 1, and web's environment otherwise as in docker-compose.prod.yml", async () => {
        const production = await prodConfig();
        const ci = await project().ciConfig();
        const readers = Object.entries(production.services)
          .filter(([, service]) => environmentOf(service).DJANGO_SECURE_PROXY !== undefined)
          .map(([name]) => name)
          .sort();
        expect(readers).to.include.members(['web', 'celery_worker', 'celery_beat', 'flower']);
        const secureProxy = (config: ComposeConfig) =>
          Object.fromEntries(readers.map(name => [name, environmentOf(config.services[name]).DJANGO_SECURE_PROXY]));
        expect(secureProxy(production)).to.deep.equal(Object.fromEntries(readers.map(name => [name, '1'])));
        expect(secureProxy(ci)).to.deep.equal(
          Object.fromEntries(readers.map(name => [name, name === 'web' ? '0' : '1'])),
        );
        // ci.yml's `run -e DJANGO_SECURE_PROXY=1 web ... check --deploy` gets the settings of docker-compose.prod.yml.
        expect({ ...environmentOf(ci.services.web), DJANGO_SECURE_PROXY: '1' }).to.deep.equal(
          environmentOf(production.services.web),
        );
      });
    });
  });
}
