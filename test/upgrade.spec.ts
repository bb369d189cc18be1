// A re-run with another Postgres major: refused unless --postgres-upgrade says so, and then
// the new major gets a data volume of its own, the old one left as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { expectRefusedUnchanged, fixedSecrets, read, runApp, runGenerator, stored } from './helpers.js';

/** The volume the db service of `file` mounts, and the volumes the file declares. */
function dbVolume(project: string, file: string): { mounted: string; declared: string[] } {
  const text = read(project, file);
  const mounted = /^ {6}- (\w+):\/var\/lib\/postgresql/m.exec(text)?.[1] ?? '';
  const declared = [...(text.split(/^volumes:$/m)[1] ?? '').matchAll(/^ {2}(\w+):$/gm)].map(match => match[1]);
  return { mounted, declared };
}

const rerun = (project: string, options: Record<string, unknown>) =>
  runGenerator('app')
    .withOptions({ secretSource: fixedSecrets, ...options })
    .cd(project);

describe('a re-run that changes the Postgres major version', () => {
  it('refuses --postgres-version 18 in a Postgres 17 project, saying what would happen to the data and how to upgrade, and writes nothing', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    await expectRefusedUnchanged(
      project,
      rerun(project, { 'postgres-version': '18' }),
      /Postgres is 17; --postgres-version 18 is a major upgrade\. A Postgres 18 server cannot open the data volume of Postgres 17: the database would not start\. Nothing was written\. To upgrade, take a backup first, then run again with --postgres-version 18 --postgres-upgrade.*"Upgrade Postgres"/,
    );
  });

  it('refuses going back to an older major, even with --postgres-upgrade', async () => {
    const { project } = await runApp({ defaults: true });
    await expectRefusedUnchanged(
      project,
      rerun(project, { 'postgres-version': '16', 'postgres-upgrade': true }),
      /Postgres is 17; --postgres-version 16 would go back to an older major.*Keep --postgres-version 17/,
    );
  });

  it('leaves a same-major re-run alone: the same image and volume', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    const before = read(project, 'docker-compose.prod.yml');
    await rerun(project, { 'postgres-version': '17' });
    expect(read(project, 'docker-compose.prod.yml')).to.equal(before);
    expect(dbVolume(project, 'docker-compose.prod.yml').mounted).to.equal('postgres17_data');
  });

  it('with --postgres-upgrade, gives the new major a new volume in both stacks and does not store the permission', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    await rerun(project, { 'postgres-version': '18', 'postgres-upgrade': true });
    for (const file of ['docker-compose.yml', 'docker-compose.prod.yml']) {
      expect(read(project, file), file).to.contain('image: postgres:18-alpine');
      expect(dbVolume(project, file), file).to.deep.include({ mounted: 'postgres18_data' });
      expect(dbVolume(project, file).declared, file).to.include('postgres18_data');
    }
    expect(stored(project)).to.include({ postgresVersion: '18', postgresVolumePerMajor: true });
    expect(stored(project)).not.to.have.property('postgresUpgrade');
  });

  it('refuses --no-postgres-volume-per-major with --postgres-upgrade: the new server would get the old volume', async () => {
    const { project } = await runApp({ defaults: true });
    await expectRefusedUnchanged(
      project,
      rerun(project, { 'postgres-version': '18', 'postgres-upgrade': true, 'postgres-volume-per-major': false }),
      /would give Postgres 18 the volume of Postgres 17, which it cannot open\. Nothing was written/,
    );
  });
});

describe('a project whose stored answers predate the per-major volume', () => {
  /** A project as made before postgresVolumePerMajor existed: its answers lack it, its files say postgres_data. */
  async function predating(): Promise<string> {
    const { project } = await runApp({ defaults: true, prod: true, 'postgres-volume-per-major': false });
    const file = join(project, '.yo-rc.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    delete config['generator-django-celery'].postgresVolumePerMajor;
    writeFileSync(file, JSON.stringify(config));
    return project;
  }

  it('keeps postgres_data on a re-run, and stores that it does', async () => {
    const project = await predating();
    await rerun(project, {});
    for (const file of ['docker-compose.yml', 'docker-compose.prod.yml']) {
      expect(dbVolume(project, file).mounted, file).to.equal('postgres_data');
      expect(dbVolume(project, file).declared, file).to.include('postgres_data');
    }
    expect(stored(project).postgresVolumePerMajor).to.equal(false);
  });

  it('moves to a volume of the new major on an upgrade, leaving postgres_data undeclared (kept, not removed by down -v)', async () => {
    const project = await predating();
    await rerun(project, { 'postgres-version': '18', 'postgres-upgrade': true });
    const volume = dbVolume(project, 'docker-compose.prod.yml');
    expect(volume.mounted).to.equal('postgres18_data');
    expect(volume.declared).not.to.include('postgres_data');
  });
});
