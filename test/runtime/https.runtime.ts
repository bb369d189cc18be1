// Runtime tier, automatic HTTPS (`--prod --https auto`): the generated Caddyfile run by
// Caddy (forky's 2.11, the caddy image's line) in front of the generated nginx.conf and
// gunicorn from the production start script, with pebble (Let's Encrypt's test ACME
// server) as the certificate authority given as --acme-ca and dnsmasq as the DNS it
// checks names through, all on loopback. The Caddyfile gets only settings that place it
// here (its ports, its address, pebble's root, a renewal check each second instead of
// every 10 minutes) and the address of the tier's nginx in place of `nginx:80`.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { Caddy, httpsGet, Pebble } from './acme.js';
import { projectHooks, RuntimeProject, TEST_SETTINGS, TLS_PROXY_ADDRESS } from './project.js';
import { Root } from './roots.js';
import { Dnsmasq, freePort, httpRequest, type Proc, sleep, stopAll, waitUntil } from './support.js';

/** The site's names: the first resolves to Caddy, the second to nothing (NXDOMAIN). */
const HOST = 'shop.test';
const UNRESOLVED = 'www.shop.test';
/** Caddy's "container" address, which the DNS stand-in gives HOST. */
const CADDY_ADDRESS = '127.0.0.32';
const WEB_ADDRESS = '127.0.0.2';
const FLOWER_ADDRESS = '127.0.0.6';
/** Another container of the stack, reaching nginx directly. */
const OTHER_CONTAINER = '127.0.0.5';
const GUNICORN_PORT = 8000;
const FLOWER_PORT = 5555;

/** The generated Caddyfile as it runs here: the test's global settings first, nginx's address here, Caddy dialling from TLS_PROXY_ADDRESS. */
function nativeCaddyfile(
  generated: string,
  place: { pebbleCa: string; httpPort: number; httpsPort: number; nginxPort: number },
): string {
  const globals = [
    `\tacme_ca_root ${place.pebbleCa}`,
    `\thttp_port ${place.httpPort}`,
    `\thttps_port ${place.httpsPort}`,
    `\tdefault_bind ${CADDY_ADDRESS}`,
    '\tadmin off',
    // Caddy checks its certificates every 10 minutes by default; pebble's here live 30 s.
    '\trenew_interval 1s',
  ].join('\n');
  const upstream = /^(\t)reverse_proxy nginx:80$/m;
  const open = /^\{$/m;
  for (const pattern of [upstream, open])
    if (!pattern.test(generated)) throw new Error(`The generated Caddyfile has no line matching ${pattern}.`);
  return generated
    .replace(open, `{\n${globals}`)
    .replace(
      upstream,
      `$1reverse_proxy 127.0.0.1:${place.nginxPort} {\n$1\ttransport http {\n$1\t\tlocal_address ${TLS_PROXY_ADDRESS}\n$1\t}\n$1}`,
    );
}

/** Flower's place behind nginx: it has no build here, so this answers as its login does (401 without it). */
function flowerStandIn(user: string, password: string): Server {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="flower"' }).end('Unauthorized');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<title>Flower</title> ${req.url}`);
  });
}

/** The TLS version agreed with Caddy when the client offers only `version`, or the error. */
function tlsVersion(port: number, version: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3', ca: string): Promise<string> {
  return new Promise(resolve => {
    const socket = connect({
      host: CADDY_ADDRESS,
      port,
      servername: HOST,
      ca,
      minVersion: version,
      maxVersion: version,
      // The client would refuse TLS 1.1 itself at OpenSSL's default level: let the server say.
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol() ?? '');
      socket.end();
    });
    socket.once('error', error => resolve(`error: ${error.message}`));
  });
}

describe('Automatic HTTPS run natively (--https auto): pebble certifies the generated Caddyfile in front of nginx and gunicorn', function () {
  this.timeout(120_000);
  const options: Record<string, unknown> = {
    defaults: true,
    prod: true,
    https: 'auto',
    'allowed-hosts': `${HOST} ${UNRESOLVED}`,
    'acme-email': 'ops@shop.test',
  };
  const app = new RuntimeProject({ options, composeFiles: ['docker-compose.prod.yml'], extraEnv: TEST_SETTINGS });
  const forky = new Root('forky');
  const dns = new Dnsmasq();
  const pebble = new Pebble(forky);
  const caddy = new Caddy(forky);
  let flower: Server | undefined;
  let web: Proc | undefined;
  let nginxPort = 0;
  let httpPort = 0;
  let httpsPort = 0;
  let root = '';
  let caddyfile = '';

  before(async function () {
    this.timeout(120_000);
    [httpPort, httpsPort] = [await freePort(CADDY_ADDRESS), await freePort(CADDY_ADDRESS)];
    await dns.start({ [HOST]: CADDY_ADDRESS, web: WEB_ADDRESS, flower: FLOWER_ADDRESS });
    // Certificates of 30 s, so that Caddy renews one while the tests run.
    await pebble.start({ httpPort, tlsPort: httpsPort, validitySeconds: 30 });
    root = await pebble.rootCertificate();
    // The CA is an answer of the project: pebble's directory, as a staging CA would be given.
    options['acme-ca'] = pebble.directory;
  });

  projectHooks(
    app,
    { lateDatabase: false },
    { port: GUNICORN_PORT, who: 'gunicorn (`--bind 0.0.0.0:8000` in compose/production/django/start)' },
    () => {
      mkdirSync(join(app.project, 'staticfiles'), { recursive: true });
      mkdirSync(join(app.project, 'mediafiles'), { recursive: true });
      writeFileSync(join(app.project, 'mediafiles', 'hello.txt'), 'an upload\n');
    },
  );

  describe('with the stack and Caddy running', () => {
    before(async function () {
      this.timeout(180_000);
      const migrate = app.startService('web', 'web run migrate', {}, ['python', 'manage.py', 'migrate', '--noinput']);
      await migrate.waitForExit(120_000);
      expect(migrate.exitCode, migrate.describe()).to.equal(0);
      web = app.startService('web', 'web', {}, undefined, {
        bind: [`0.0.0.0:${GUNICORN_PORT}`, `${WEB_ADDRESS}:${GUNICORN_PORT}`],
      });
      await web.waitFor(/Booting worker with pid/, 90_000);
      const env = app.env('flower');
      flower = flowerStandIn(env.CELERY_FLOWER_USER ?? '', env.CELERY_FLOWER_PASSWORD ?? '');
      await new Promise<void>(resolve => flower!.listen(FLOWER_PORT, FLOWER_ADDRESS, resolve));
      ({ port: nginxPort } = await app.startNginx());
      const generated = readFileSync(join(app.project, 'compose', 'production', 'caddy', 'Caddyfile'), 'utf8');
      caddyfile = nativeCaddyfile(generated, { pebbleCa: pebble.listenerCa, httpPort, httpsPort, nginxPort });
      await caddy.start(caddyfile, [pebble.dir]);
    });

    after(async function () {
      this.timeout(60_000);
      await new Promise(resolve => (flower ? flower.close(resolve) : resolve(undefined)));
      const problems = await stopAll([caddy, pebble, dns]);
      if (problems.length > 0) throw new Error(problems.join('\n'));
    });

    const get = (path: string, headers: Record<string, string> = {}) =>
      httpsGet(CADDY_ADDRESS, httpsPort, HOST, root, path, headers);

    it("gets a certificate for the host name from the CA given as --acme-ca, which chains to its root; https:// serves the site's page through nginx, with Django's HSTS", async () => {
      await caddy.obtained(HOST);
      const page = await waitUntil(
        'the page over HTTPS',
        async () => {
          const answer = await get('/');
          return answer.status === 200 ? answer : undefined;
        },
        30_000,
        () => `${caddy.proc!.describe()}\n${web!.describe()}`,
        500,
      );
      expect(page.issuer).to.match(/^Pebble Intermediate CA/);
      expect(page.body).to.contain(`<h1>${app.name}</h1>`);
      expect(page.headers['strict-transport-security']).to.equal('max-age=3600; includeSubDomains');
      // Not trusted without pebble's root.
      await httpsGet(CADDY_ADDRESS, httpsPort, HOST, undefined).then(
        () => expect.fail("a certificate trusted without pebble's root"),
        (error: Error) => expect(error.message).to.match(/self[- ]signed|unable to (get|verify)/),
      );
    });

    it('a restart reuses the certificate and the account key from its data folder: the same certificate, no new order', async function () {
      this.timeout(60_000);
      const before = await get('/');
      const pid = caddy.proc!.pid;
      // A new process on the same data folder (the caddy_data volume).
      await caddy.restart();
      const after = await waitUntil('HTTPS after the restart', () => get('/').catch(() => undefined), 20_000);
      expect(caddy.proc!.pid).to.not.equal(pid);
      expect(after.serial, 'the certificate from before the restart').to.equal(before.serial);
      const again = new RegExp(
        `"(obtaining certificate|certificate obtained successfully)","identifier":"${HOST.replaceAll('.', '\\.')}"`,
      );
      expect(caddy.proc!.output, 'no new certificate for the name that has one').not.to.match(again);
    });

    it('redirects plain HTTP to HTTPS, path kept', async () => {
      const plain = await httpRequest({
        host: CADDY_ADDRESS,
        port: httpPort,
        path: '/admin/?x=1',
        headers: { Host: HOST },
      });
      expect(plain.status).to.equal(308);
      expect(plain.headers.location).to.equal(`https://${HOST}/admin/?x=1`);
    });

    it("serves static files and uploads over HTTPS from nginx, with the uploads' own headers", async () => {
      const css = await get('/static/admin/css/base.css');
      expect(css.status).to.equal(200);
      expect(css.body).to.equal(readFileSync(join(app.project, 'staticfiles', 'admin', 'css', 'base.css'), 'utf8'));
      const upload = await get('/media/hello.txt');
      expect(upload.status).to.equal(200);
      expect(upload.body).to.equal('an upload\n');
      expect(upload.headers['x-content-type-options']).to.equal('nosniff');
    });

    it('serves /flower/ over HTTPS, behind its login', async () => {
      expect((await get('/flower/')).status).to.equal(401);
      const env = app.env('flower');
      const login = Buffer.from(`${env.CELERY_FLOWER_USER}:${env.CELERY_FLOWER_PASSWORD}`).toString('base64');
      const page = await get('/flower/', { Authorization: `Basic ${login}` });
      expect(page.status).to.equal(200);
      expect(page.body).to.contain('/flower/');
    });

    it('speaks TLS 1.2 and 1.3, and refuses TLS 1.1', async () => {
      expect(await tlsVersion(httpsPort, 'TLSv1.3', root)).to.equal('TLSv1.3');
      expect(await tlsVersion(httpsPort, 'TLSv1.2', root)).to.equal('TLSv1.2');
      expect(await tlsVersion(httpsPort, 'TLSv1.1', root)).to.match(
        /^error: .*(protocol version|unsupported protocol|alert)/i,
      );
    });

    it('X-Forwarded-Proto counts only from Caddy: another container reaching nginx and claiming HTTPS is redirected, and gets no HSTS', async () => {
      const spoofed = await httpRequest({
        port: nginxPort,
        path: '/',
        localAddress: OTHER_CONTAINER,
        headers: { Host: HOST, 'X-Forwarded-Proto': 'https' },
      });
      expect(spoofed.status).to.equal(301);
      expect(spoofed.headers.location).to.equal(`https://${HOST}/`);
      expect(spoofed.headers['strict-transport-security']).to.equal(undefined);
    });

    it('renews the certificate by itself before it expires, and the same process serves the new one', async function () {
      this.timeout(90_000);
      const first = await get('/');
      const pid = caddy.proc!.pid;
      let renewed = first;
      for (let i = 0; i < 60 && renewed.serial === first.serial; i++) {
        await sleep(1000);
        renewed = await get('/');
      }
      expect(renewed.serial, `still ${first.serial}, valid to ${first.validTo}`).to.not.equal(first.serial);
      expect(renewed.status).to.equal(200);
      expect(caddy.proc!.pid, 'no restart').to.equal(pid);
      expect(caddy.proc!.alive()).to.equal(true);
    });

    it('a host name that does not resolve gets no certificate, with the reason in the log, while HTTP keeps answering for it and the other name keeps its HTTPS', async () => {
      await waitUntil(
        `Caddy to log why ${UNRESOLVED} has no certificate`,
        () =>
          new RegExp(
            `"identifier":"${UNRESOLVED.replaceAll('.', '\\.')}".*"error":"[^"]*(DNS problem|NXDOMAIN|no valid A records|could not resolve)`,
            'i',
          ).test(caddy.proc!.output),
        60_000,
        () => caddy.proc!.describe(80),
        500,
      );
      const plain = await httpRequest({
        host: CADDY_ADDRESS,
        port: httpPort,
        path: '/',
        headers: { Host: UNRESOLVED },
      });
      expect(plain.status, 'HTTP still answers for the name it could not certify').to.equal(308);
      expect((await get('/')).status).to.equal(200);
    });
  });
});
