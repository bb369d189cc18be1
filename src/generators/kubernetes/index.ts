import { fileURLToPath } from 'node:url';
import { answerSpecs, storable } from '../lib/answers/answers.js';
import { commandOf } from '../lib/answers/command.js';
import { readRegularFile } from '../lib/files/trust.js';
import { ProjectGenerator, UserFacingError } from '../lib/run/base.js';
import type { Project } from '../lib/run/project.js';
import { addMissingSettings } from '../lib/values/env-file.js';
import { kubernetesEnv } from '../lib/values/kubernetes-env.js';
import { PROD_DB_ENV_FILE, PROD_ENV_FILE } from '../prod/index.js';

/** The overlays' env files, as kustomize reads them (lib/values/kubernetes-env.ts). */
export const KUBERNETES_ENV_FILES = {
  settings: 'k8s/overlays/production/settings.env',
  secrets: 'k8s/overlays/production/secrets.env',
  services: 'k8s/overlays/production/services.env',
  db: 'k8s/overlays/trial/db.env',
} as const;

/** Pieces the manifests share (`<%- include(parts.name) %>`). */
const KUBERNETES_PARTIALS = Object.fromEntries(
  ['podSecurity', 'containerSecurity', 'resources', 'djangoEnv', 'waitForMigrations'].map(name => [
    name,
    fileURLToPath(new URL(`./partials/${name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}.ejs`, import.meta.url)),
  ]),
);

/**
 * `yo django-celery:kubernetes`: adds manifests for a Kubernetes cluster (k8s/, for
 * kustomize) to a project with production, asking only what a cluster needs. `app`
 * composes it with --kubernetes, its answers already settled.
 */
export default class KubernetesGenerator extends ProjectGenerator {
  /** Copies of .env/.prod's and .env/.prod.db's values: readable by their owner only, never shown or digested. */
  static readonly privateFiles = Object.values(KUBERNETES_ENV_FILES);

  private project!: Project;

  async prompting(): Promise<void> {
    this.project = await this._projectWith('kubernetes', known =>
      known.prod
        ? undefined
        : `This project has no production variant, which the Kubernetes manifests run (its image, its settings): run \`${commandOf('prod')}\` first, then this again.`,
    );
  }

  async configuring(): Promise<void> {
    const kept: Record<string, unknown> = storable({ ...this.project.answers, kubernetes: true });
    const names = ['kubernetes', ...answerSpecs('kubernetes').map(spec => spec.name)];
    this.config.set(Object.fromEntries(names.filter(name => name in kept).map(name => [name, kept[name]])));
    // .gitignore and .dockerignore keep the overlays' env files out of git and the images,
    // and README.md gains its Kubernetes section.
    await this._composeSibling('repo', this.project);
  }

  override async writing(): Promise<void> {
    this._render(this.project, {
      parts: KUBERNETES_PARTIALS,
      // The trial's Postgres makes Django's role with production's own script.
      trialInitdb: this.templatePath('../../prod/templates/compose/production/postgres/initdb/app-role.sh.ejs'),
    });
    // The Compose env files as this run leaves them: prod's, when it runs too, else the user's.
    const prod = this.fs.read(this.destinationPath(PROD_ENV_FILE));
    const db = this.fs.read(this.destinationPath(PROD_DB_ENV_FILE));
    if (prod === null || prod === undefined || db === null || db === undefined) {
      throw new UserFacingError(
        `${prod ? PROD_DB_ENV_FILE : PROD_ENV_FILE} is missing: the Kubernetes manifests take their settings from it. Run \`${commandOf('prod')}\` to write it again, then this again.`,
      );
    }
    const env = kubernetesEnv(prod, db);
    this.fs.write(this.destinationPath(KUBERNETES_ENV_FILES.settings), env.settings);
    this.fs.write(this.destinationPath(KUBERNETES_ENV_FILES.secrets), env.secrets);
    this.fs.write(this.destinationPath(KUBERNETES_ENV_FILES.db), env.db);
    // services.env is the user's once written: a re-run only adds the settings it lacks.
    const services = this.destinationPath(KUBERNETES_ENV_FILES.services);
    const own = readRegularFile(services);
    this.fs.write(services, own === undefined ? env.services : addMissingSettings(own, env.services));
  }

  override async end(): Promise<void> {
    // Composed by the app, whose summary tells about it too.
    if (!this._written) return;
    this._logSummary({
      report: this._written,
      answers: this.project.answers,
      cd: this._cd(),
      stacks: { local: false, production: false, kubernetes: true },
    });
  }
}
