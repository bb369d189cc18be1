import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import semver from 'semver';

interface Locked {
  engines?: { node?: string } | string[];
  optional?: boolean;
  os?: string[];
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, Locked> };

/** The oldest release of each Node line the engines range admits, e.g. 20.19.0 and 22.13.0. */
function lowestOfEachLine(range: string): string[] {
  return range.split('||').map(part => semver.minVersion(part.trim())?.version ?? part);
}

describe('the Node versions package.json promises', () => {
  const promised = lowestOfEachLine(manifest.engines.node);

  it('name at least one line, each a version npm can resolve', () => {
    expect(promised.length).to.be.greaterThan(0);
    for (const version of promised) expect(semver.valid(version), version).to.be.a('string');
  });

  for (const version of promised) {
    it(`install on Node ${version}: every locked package's engines admit it (npm ci warns EBADENGINE otherwise)`, () => {
      const refusing = Object.entries(lock.packages)
        .filter(([path]) => path !== '')
        .map(([path, entry]) => [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const)
        .filter(([, node]) => node !== undefined && !semver.satisfies(version, node))
        .map(([path, node]) => `${path.replace(/^.*node_modules\//, '')} (node ${node})`);
      expect(
        refusing,
        `raise package.json's engines or choose other versions of: ${refusing.join(', ')}`,
      ).to.deep.equal([]);
    });
  }
});
