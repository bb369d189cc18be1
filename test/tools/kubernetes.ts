// The checks of a generated project's Kubernetes manifests (k8s/): each overlay rendered
// by the real kustomize (`kubectl kustomize`, Debian's kubectl), and what it renders held
// to the cluster's policies and to docker-compose.prod.yml's settings.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readEnvFile } from '../../src/generators/lib/values/env-file.js';
import { LIMITS } from '../../src/generators/lib/values/context.js';
import { composeConfig, serviceEnvironment } from '../support/compose.js';
import { describeRun } from '../support/run.js';
import { INSTALL_COMMAND, runTool, TOOLS_BIN } from '../support/tools.js';

export const OVERLAYS = ['production', 'trial'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** An object as kustomize renders it. */
// biome-ignore lint/suspicious/noExplicitAny: rendered JSON, walked by the checks
export type KubeObject = Record<string, any>;

/** `Kind/name`, as the checks name an object. */
export const idOf = (object: KubeObject) => `${object.kind}/${object.metadata?.name}`;

/** The objects `kubectl kustomize DIR` renders; a failed render fails with kustomize's own words. */
export async function kustomize(folder: string): Promise<KubeObject[]> {
  const kubectl = join(TOOLS_BIN, 'kubectl');
  if (!existsSync(kubectl)) throw new Error(`kubectl is not installed in ${TOOLS_BIN}: run \`${INSTALL_COMMAND}\`.`);
  const ran = await runTool(kubectl, ['kustomize', folder], { cwd: folder });
  if (ran.status !== 0) throw new Error(`kubectl kustomize ${folder} failed: ${describeRun(ran)}`);
  const documents = parseAllDocuments(ran.stdout);
  const objects: KubeObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0)
      throw new Error(`kubectl kustomize ${folder} printed invalid YAML: ${document.errors[0].message}`);
    const object = document.toJS();
    if (object) objects.push(object);
  }
  return objects;
}

/** The pod template of a workload (Deployment, StatefulSet, Job), if it is one. */
export function podSpec(object: KubeObject): KubeObject | undefined {
  return ['Deployment', 'StatefulSet', 'Job'].includes(object.kind) ? object.spec?.template?.spec : undefined;
}

const find = (objects: readonly KubeObject[], kind: string, name: string) =>
  objects.find(object => object.kind === kind && object.metadata?.name === name);

/**
 * What the rendered objects break of the policies the manifests promise, each a sentence
 * naming the object; none when they hold.
 */
export function policyProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const pod = podSpec(object);
    if (!pod) continue;
    const id = idOf(object);
    const long = object.kind !== 'Job';
    const containers: KubeObject[] = pod.containers ?? [];
    const all: KubeObject[] = [...(pod.initContainers ?? []), ...containers];
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${id}: its pod may run as root (runAsNonRoot)`);
    if (pod.automountServiceAccountToken !== false) problems.push(`${id}: its pod mounts an API token`);
    for (const container of all) {
      const where = `${id} container ${container.name}`;
      const [, tag] = /^[^@]*:([^:/@]+)$/.exec(String(container.image)) ?? [];
      if (!tag || tag === 'latest')
        problems.push(`${where}: image ${container.image} names no release (no tag, or latest)`);
      for (const bound of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (container.resources?.[bound]?.[resource] === undefined)
            problems.push(`${where}: no ${resource} in resources.${bound}`);
        }
      }
      const security = container.securityContext ?? {};
      if (security.allowPrivilegeEscalation !== false) problems.push(`${where}: privilege escalation is allowed`);
      if (!(security.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: keeps Linux capabilities`);
      // Beat alone writes into its image (its pid file in /app).
      if (security.readOnlyRootFilesystem !== true && !(object.metadata.name === 'beat' && container.name === 'beat'))
        problems.push(`${where}: its root file system is writable`);
    }
    if (long) {
      for (const container of containers) {
        for (const probe of ['readinessProbe', 'livenessProbe'])
          if (!container[probe]) problems.push(`${id} container ${container.name}: no ${probe}`);
      }
    }
  }
  const beat = find(objects, 'Deployment', 'beat');
  if (!beat) problems.push('no Deployment beat');
  else {
    if (beat.spec.replicas !== 1)
      problems.push(`Deployment/beat: ${beat.spec.replicas} replicas, where exactly 1 may run`);
    if (beat.spec.strategy?.type !== 'Recreate')
      problems.push('Deployment/beat: not the Recreate strategy, so a rollout runs two beats at once');
  }
  for (const hpa of objects.filter(object => object.kind === 'HorizontalPodAutoscaler')) {
    if (hpa.spec?.scaleTargetRef?.name === 'beat') problems.push(`${idOf(hpa)}: scales beat`);
  }
  const web = find(objects, 'Deployment', 'web');
  const worker = find(objects, 'Deployment', 'worker');
  const webGrace = web?.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  if (webGrace < LIMITS.gunicornGracefulTimeout + 5)
    problems.push(
      `Deployment/web: a grace of ${webGrace} s, less than gunicorn's graceful timeout and the preStop pause`,
    );
  const workerGrace = worker?.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  if (workerGrace < LIMITS.taskTimeLimit)
    problems.push(
      `Deployment/worker: a grace of ${workerGrace} s, less than a task's time limit (${LIMITS.taskTimeLimit} s)`,
    );
  return problems;
}

/** The secret values of the production env files: what no ConfigMap and no committed file may hold. */
export function secretValues(prodEnv: string, dbEnv: string): string[] {
  const values = new Set<string>();
  for (const text of [prodEnv, dbEnv]) {
    for (const [key, entry] of readEnvFile(text)) {
      if (/PASSWORD|SECRET/.test(key) && 'value' in entry && entry.value.length >= 8) values.add(entry.value);
    }
  }
  return [...values];
}

/** ConfigMaps of `objects` holding one of `secrets`. */
export function secretsInConfigMaps(objects: readonly KubeObject[], secrets: readonly string[]): string[] {
  return objects
    .filter(object => object.kind === 'ConfigMap')
    .flatMap(object =>
      Object.entries(object.data ?? {})
        .filter(([, value]) => secrets.some(secret => String(value).includes(secret)))
        .map(([key]) => `${idOf(object)}: ${key} holds a secret of the production env files`),
    );
}

/** The variables a container receives: its envFrom ConfigMaps and Secrets (Secrets decoded), then its env. */
function containerEnvironment(objects: readonly KubeObject[], container: KubeObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const object = find(objects, kind, ref.name);
    if (!object) throw new Error(`container ${container.name}: no ${kind} ${ref.name} among the rendered objects`);
    for (const [key, value] of Object.entries(object.data ?? {})) {
      env[key] = kind === 'Secret' ? Buffer.from(String(value), 'base64').toString('utf8') : String(value);
    }
  }
  for (const variable of container.env ?? []) env[variable.name] = String(variable.value);
  return env;
}

/** Which Compose service of docker-compose.prod.yml each workload's container stands for. */
const COMPOSE_SERVICE: Readonly<Record<string, string>> = {
  'Deployment/web/web': 'web',
  'Deployment/worker/worker': 'celery_worker',
  'Deployment/beat/beat': 'celery_beat',
  'Deployment/flower/flower': 'flower',
  'StatefulSet/db/postgres': 'db',
};

/**
 * Variables a container gets beside its Compose service's, each with why: the trial's
 * Postgres keeps its data below its volume's root.
 */
const KUBERNETES_ONLY: Readonly<Record<string, readonly string[]>> = { 'StatefulSet/db/postgres': ['PGDATA'] };

/**
 * Each difference between what a container receives and what its service of
 * docker-compose.prod.yml (resolved by the real Compose) receives: a key on one side
 * only, or another value.
 */
export function environmentDifferences(project: string, objects: readonly KubeObject[]): string[] {
  const config = composeConfig(project, ['docker-compose.prod.yml']);
  const differences: string[] = [];
  for (const [path, service] of Object.entries(COMPOSE_SERVICE)) {
    const [kind, name, containerName] = path.split('/');
    const object = find(objects, kind, name);
    if (!object) continue;
    const container = (podSpec(object)?.containers ?? []).find(
      (candidate: KubeObject) => candidate.name === containerName,
    );
    if (!container) {
      differences.push(`${kind}/${name}: no container ${containerName}`);
      continue;
    }
    const mine = containerEnvironment(objects, container);
    for (const extra of KUBERNETES_ONLY[path] ?? []) delete mine[extra];
    const compose = serviceEnvironment(config, service);
    for (const key of new Set([...Object.keys(mine), ...Object.keys(compose)])) {
      if (!(key in compose)) differences.push(`${path}: ${key} is not in Compose's ${service}`);
      else if (!(key in mine)) differences.push(`${path}: lacks ${key} of Compose's ${service}`);
      else if (mine[key] !== compose[key]) differences.push(`${path}: ${key} differs from Compose's ${service}`);
    }
  }
  return differences;
}
