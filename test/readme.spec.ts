// The package's README documents every answer the command line accepts.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ANSWERS } from '../src/generators/lib/answers/answers.js';

describe("this package's README", () => {
  const readme = readFileSync('README.md', 'utf8');

  it('names every option of the answers table, each as `--option`', () => {
    const missing = ANSWERS.map(spec => `--${spec.option}`).filter(option => !readme.includes(`\`${option}\``));
    expect(missing, 'document these options in the README').to.deep.equal([]);
  });

  it('lists every yes-or-no option with its --no- form', () => {
    const booleans = ANSWERS.filter(spec => typeof spec.default === 'boolean').map(spec => spec.option);
    expect(booleans.length).to.be.greaterThan(0);
    const missing = booleans.filter(option => !readme.includes(`\`--${option}\` / \`--no-${option}\``));
    expect(missing, 'write them as `--x` / `--no-x`').to.deep.equal([]);
  });
});
