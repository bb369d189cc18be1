// The pieces the HTTPS proof runs on, all on loopback: pebble (Let's Encrypt's test ACME
// server, RFC 8555) as the certificate authority, and Caddy as the ACME client, each
// from the forky root (Debian's pebble 2.10 and caddy 2.11), with dnsmasq (Dnsmasq) as
// the resolver pebble validates names through.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { container, type Root } from './roots.js';
import { DOCKER_DNS, freePort, HOST_PATH, start, TempServer, waitUntil } from './support.js';

/** openssl on the machine (ca-certificates needs it): the key and certificate `name` signed by `ca`, or self-signed. */
function certificate(dir: string, name: string, subject: string, ca?: string): void {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key];
  if (!ca) {
    execFileSync('openssl', ['req', '-x509', ...ec, '-out', cert, '-days', '2', '-subj', `/CN=${subject}`], {
      stdio: 'ignore',
    });
    return;
  }
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  execFileSync('openssl', ['req', ...ec, '-out', csr, '-subj', `/CN=${subject}`], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(dir, `${ca}.pem`),
      '-CAkey',
      join(dir, `${ca}.key`),
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      '2',
      '-extfile',
      ext,
    ],
    { stdio: 'ignore' },
  );
}

/** GET over HTTPS from `address`:`port` as `host`, trusting `ca` only (Node's own roots without it): the status, body and the certificate served. */
export function httpsGet(
  address: string,
  port: number,
  host: string,
  ca: string | undefined,
  path = '/',
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
  serial: string;
  issuer: string;
  validTo: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        path,
        servername: host,
        headers: { Host: host, ...headers },
        ca,
        agent: false,
        timeout: 10_000,
      },
      res => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk as Buffer));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
            serial: cert?.serialNumber ?? '',
            issuer: String(cert?.issuer?.CN ?? ''),
            validTo: cert?.valid_to ?? '',
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`https://${host}:${port}${path} did not answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** A server run from `root` as the tier runs it, its files in a folder of its own that the root's processes can read. */
abstract class ServerInRoot extends TempServer {
  constructor(
    readonly root: Root,
    private readonly label: string,
  ) {
    super(label);
    chmodSync(this.dir, 0o755);
  }

  /** Starts `argv` inside the root (the folders `binds` shared), then waits for `ready` in its output. */
  protected async run(argv: string[], env: Record<string, string>, ready: RegExp, binds: string[] = []): Promise<void> {
    const [program, args] = this.root.argv({ cwd: this.dir, container: container(this.label), binds }, argv);
    this.proc = start(`${this.label} (${this.root.name} root)`, program, args, {
      cwd: this.dir,
      env: { PATH: HOST_PATH, ...env },
      stopSignal: 'SIGTERM',
    });
    await this.proc.waitFor(ready, 30_000);
  }
}

/**
 * pebble on 127.0.0.1, validating names through the DNS stand-in (dnsmasq at Docker's
 * DNS address) on the ports given: HTTP-01 at `httpPort`, TLS-ALPN-01 at `tlsPort`. Its
 * certificates live `validitySeconds`. No random nonce rejections or validation delays
 * (PEBBLE_WFE_NONCEREJECT, PEBBLE_VA_NOSLEEP): a run is as fast each time.
 */
export class Pebble extends ServerInRoot {
  port = 0;
  managementPort = 0;

  constructor(root: Root) {
    super(root, 'pebble');
  }

  /** The ACME directory URL. */
  get directory(): string {
    return `https://127.0.0.1:${this.port}/dir`;
  }

  /** The certificate authority of pebble's own HTTPS listener, for the ACME client to trust. */
  get listenerCa(): string {
    return join(this.dir, 'listener-ca.pem');
  }

  async start({
    httpPort,
    tlsPort,
    validitySeconds,
  }: {
    httpPort: number;
    tlsPort: number;
    validitySeconds: number;
  }): Promise<void> {
    certificate(this.dir, 'listener-ca', 'pebble listener CA');
    certificate(this.dir, 'listener', 'localhost', 'listener-ca');
    this.port = await freePort();
    this.managementPort = await freePort();
    const config = join(this.dir, 'pebble-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${this.port}`,
          managementListenAddress: `127.0.0.1:${this.managementPort}`,
          certificate: join(this.dir, 'listener.pem'),
          privateKey: join(this.dir, 'listener.key'),
          httpPort,
          tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
          retryAfter: { authz: 1, order: 1 },
          keyAlgorithm: 'ecdsa',
          profiles: { default: { description: 'the runtime tier', validityPeriod: validitySeconds } },
        },
      }),
    );
    await this.run(
      ['/usr/bin/pebble', '-config', config, '-dnsserver', `${DOCKER_DNS}:53`],
      { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
      /Listening on: 127\.0\.0\.1:\d+/,
    );
  }

  /** The root certificate pebble signs with (made afresh at each start), from its management API. */
  async rootCertificate(): Promise<string> {
    const ca = readFileSync(this.listenerCa, 'utf8');
    const { status, body } = await httpsGet('127.0.0.1', this.managementPort, 'localhost', ca, '/roots/0');
    if (status !== 200) throw new Error(`pebble's /roots/0 answered ${status}: ${body}`);
    return body;
  }
}

/** Caddy run from the forky root with `caddyfile`, its data (certificates, account keys) in its own folder. */
export class Caddy extends ServerInRoot {
  constructor(root: Root) {
    super(root, 'caddy');
  }

  private started?: { caddyfile: string; binds: string[] };

  async start(caddyfile: string, binds: string[] = []): Promise<void> {
    this.started = { caddyfile, binds };
    const file = join(this.dir, 'Caddyfile');
    writeFileSync(file, caddyfile);
    await this.run(
      ['/usr/bin/caddy', 'run', '--config', file, '--adapter', 'caddyfile'],
      { XDG_DATA_HOME: join(this.dir, 'data'), XDG_CONFIG_HOME: join(this.dir, 'config') },
      /"serving initial configuration"/,
      binds,
    );
  }

  /** Stops Caddy and starts it again on the same data folder, as a new container on the same volume. */
  async restart(): Promise<void> {
    if (!this.started) throw new Error('Caddy was not started: nothing to restart.');
    await this.stop();
    await this.start(this.started.caddyfile, this.started.binds);
  }

  /** Waits until Caddy's log says it has a certificate for `host` from its ACME issuer. */
  async obtained(host: string, timeoutMs = 60_000, from = 0): Promise<void> {
    await waitUntil(
      `Caddy to obtain a certificate for ${host}`,
      () =>
        this.proc!.output.slice(from)
          .split('\n')
          .some(line => /certificate (obtained|renewed) successfully/.test(line) && line.includes(`"${host}"`)),
      timeoutMs,
      () => this.proc!.describe(),
    );
  }
}
