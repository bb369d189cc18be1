// A re-run that moves a project to another Postgres major version. The data volume of one
// major cannot be opened by another: the new server needs a new volume, filled from a
// backup of the old one (README.md, "Upgrade Postgres"), and the run must say so before it
// writes anything.
import type { Answers } from '../answers/answers.js';
import { UserFacingError } from './errors.js';

/** The data volume of a Postgres major version, as both Compose files name it. */
export function postgresVolume(answers: Pick<Answers, 'postgresVersion' | 'postgresVolumePerMajor'>): string {
  return answers.postgresVolumePerMajor ? `postgres${answers.postgresVersion}_data` : 'postgres_data';
}

/**
 * The answers of a run that keeps the stored Postgres major, or moves to another one with
 * --postgres-upgrade (the new major then gets a volume of its own). Any other change of
 * major throws, naming what would happen to the data and the upgrade path.
 */
export function settlePostgresMajor<A extends Partial<Answers>>(
  stored: Readonly<Record<string, unknown>>,
  answers: A,
  /** Whether --no-postgres-volume-per-major was given. */
  sharedVolumeGiven: boolean,
): A {
  const from = stored.postgresVersion;
  const to = answers.postgresVersion;
  if (typeof from !== 'string' || to === undefined || from === to) return answers;
  if (Number(to) < Number(from)) {
    throw new UserFacingError(
      `This project's Postgres is ${from}; --postgres-version ${to} would go back to an older major, whose server cannot open the data of ${from} and is not promised to load its dumps. Nothing was written. Keep --postgres-version ${from}.`,
    );
  }
  if (!answers.postgresUpgrade) {
    throw new UserFacingError(
      `This project's Postgres is ${from}; --postgres-version ${to} is a major upgrade. A Postgres ${to} server cannot open the data volume of Postgres ${from}: the database would not start. Nothing was written. To upgrade, take a backup first, then run again with --postgres-version ${to} --postgres-upgrade: Postgres ${to} then starts on a new, empty volume, which you fill from the backup, keeping the old volume (README.md, "Upgrade Postgres").`,
    );
  }
  if (sharedVolumeGiven) {
    throw new UserFacingError(
      `--no-postgres-volume-per-major with --postgres-upgrade would give Postgres ${to} the volume of Postgres ${from}, which it cannot open. Nothing was written. Leave out --no-postgres-volume-per-major.`,
    );
  }
  // Even a project that kept postgres_data gets a volume of the new major's own; the old one stays.
  return { ...answers, postgresVolumePerMajor: true };
}
