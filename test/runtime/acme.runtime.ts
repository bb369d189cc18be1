// The certificate flow the HTTPS proof stands on, with the real pieces on loopback:
// pebble (forky's, Let's Encrypt's test ACME server) as the certificate authority,
// dnsmasq as the DNS it validates names through, Caddy (forky's 2.11, the line of the
// caddy image) as the ACME client. The Caddyfile here is the tier's own: it shows that
// these pieces issue, serve and renew a certificate on this machine, whatever a
// generated project configures.
import { expect } from 'chai';
import { Caddy, httpsGet, Pebble } from './acme.js';
import { Root } from './roots.js';
import { Dnsmasq, freePort, httpRequest, sleep, stopAll } from './support.js';

const HOST = 'shop.test';
/** Caddy's "container" address, which the DNS stand-in gives HOST. */
const ADDRESS = '127.0.0.31';

describe('ACME on loopback: pebble issues and renews the certificate of a Caddy for a name dnsmasq resolves', function () {
  this.timeout(180_000);
  const forky = new Root('forky');
  const dns = new Dnsmasq();
  const pebble = new Pebble(forky);
  const caddy = new Caddy(forky);
  let http = 0;
  let https = 0;
  let root = '';

  before(async function () {
    this.timeout(120_000);
    [http, https] = [await freePort(ADDRESS), await freePort(ADDRESS)];
    await dns.start({ [HOST]: ADDRESS });
    // Certificates of 30 s, so that Caddy renews one while the tests run.
    await pebble.start({ httpPort: http, tlsPort: https, validitySeconds: 30 });
    root = await pebble.rootCertificate();
    await caddy.start(
      [
        '{',
        `\tacme_ca ${pebble.directory}`,
        `\tacme_ca_root ${pebble.listenerCa}`,
        '\temail ops@shop.test',
        `\thttp_port ${http}`,
        `\thttps_port ${https}`,
        `\tdefault_bind ${ADDRESS}`,
        '\tadmin off',
        // Caddy checks its certificates every 10 minutes by default.
        '\trenew_interval 1s',
        '}',
        `${HOST}, nowhere.test {`,
        '\trespond "served over {http.request.scheme}"',
        '}',
        '',
      ].join('\n'),
      [pebble.dir],
    );
  });

  after(async function () {
    this.timeout(60_000);
    const problems = await stopAll([dns, pebble, caddy]);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  it("issues a certificate for the name, which chains to pebble's root: HTTPS answers, plain HTTP redirects to it", async () => {
    await caddy.obtained(HOST);
    const page = await httpsGet(ADDRESS, https, HOST, root);
    expect(page.status).to.equal(200);
    expect(page.body).to.equal('served over https');
    expect(page.issuer).to.match(/^Pebble Intermediate CA/);
    const plain = await httpRequest({ host: ADDRESS, port: http, path: '/x', headers: { Host: HOST } });
    expect(plain.status).to.equal(308);
    expect(plain.headers.location).to.equal(`https://${HOST}/x`);
    // Not trusted without pebble's root.
    await httpsGet(ADDRESS, https, HOST, undefined).then(
      () => expect.fail("a certificate trusted without pebble's root"),
      (error: Error) => expect(error.message).to.match(/self[- ]signed|unable to (get|verify)/),
    );
  });

  it('renews the certificate by itself before it expires, and the same process serves the new one', async () => {
    const first = await httpsGet(ADDRESS, https, HOST, root);
    const pid = caddy.proc!.pid;
    let renewed = first;
    for (let i = 0; i < 60 && renewed.serial === first.serial; i++) {
      await sleep(1000);
      renewed = await httpsGet(ADDRESS, https, HOST, root);
    }
    expect(renewed.serial, `still ${first.serial}, valid to ${first.validTo}`).to.not.equal(first.serial);
    expect(renewed.status).to.equal(200);
    expect(caddy.proc!.pid, 'no restart').to.equal(pid);
    expect(caddy.proc!.alive()).to.equal(true);
  });

  it('a name that does not resolve gets no certificate, with the reason in the log, while the name that does keeps being served', async () => {
    await waitForLog(
      caddy,
      /"identifier":"nowhere\.test".*"error":"[^"]*(DNS problem|NXDOMAIN|no valid A records|could not)/i,
    );
    expect((await httpsGet(ADDRESS, https, HOST, root)).status).to.equal(200);
    const plain = await httpRequest({ host: ADDRESS, port: http, path: '/', headers: { Host: 'nowhere.test' } });
    expect(plain.status, 'HTTP still answers for the name it could not certify').to.equal(308);
  });
});

async function waitForLog(caddy: Caddy, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (pattern.test(caddy.proc!.output)) return;
    await sleep(500);
  }
  throw new Error(`Caddy's log never matched ${pattern}:\n${caddy.proc!.describe(80)}`);
}
