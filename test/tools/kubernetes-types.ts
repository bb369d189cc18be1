// Rendered Kubernetes objects validated offline and strictly against the Kubernetes
// API: kubectl's own validation needs a server, so each object is type-checked by the
// TypeScript compiler against `kubernetes-models`' interface for its apiVersion and
// kind (an object literal's excess-property check: a misspelt field fails, at any depth),
// and run through the package's run-time schema (a string where an integer belongs, a
// missing required field). Only the API versions a current release serves are known:
// kubernetes-models still ships some that Kubernetes removed (extensions/v1beta1,
// policy/v1beta1), which fail here.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/root.js';
import { runSync } from '../support/run.js';
import { idOf, type KubeObject } from './kubernetes.js';

export interface SchemaProblem {
  /** `Kind/name`. */
  object: string;
  message: string;
}

/**
 * The objects of the API a current Kubernetes release serves that manifests of this kind
 * use, by `apiVersion kind`: the module of kubernetes-models that declares each.
 */
const SERVED: Readonly<Record<string, { module: string; load: () => Promise<object> }>> = {
  'v1 Namespace': { module: 'v1/Namespace', load: () => import('kubernetes-models/v1/Namespace') },
  'v1 ConfigMap': { module: 'v1/ConfigMap', load: () => import('kubernetes-models/v1/ConfigMap') },
  'v1 Secret': { module: 'v1/Secret', load: () => import('kubernetes-models/v1/Secret') },
  'v1 Service': { module: 'v1/Service', load: () => import('kubernetes-models/v1/Service') },
  'v1 ServiceAccount': { module: 'v1/ServiceAccount', load: () => import('kubernetes-models/v1/ServiceAccount') },
  'v1 PersistentVolumeClaim': {
    module: 'v1/PersistentVolumeClaim',
    load: () => import('kubernetes-models/v1/PersistentVolumeClaim'),
  },
  'apps/v1 Deployment': { module: 'apps/v1/Deployment', load: () => import('kubernetes-models/apps/v1/Deployment') },
  'apps/v1 StatefulSet': { module: 'apps/v1/StatefulSet', load: () => import('kubernetes-models/apps/v1/StatefulSet') },
  'apps/v1 DaemonSet': { module: 'apps/v1/DaemonSet', load: () => import('kubernetes-models/apps/v1/DaemonSet') },
  'batch/v1 Job': { module: 'batch/v1/Job', load: () => import('kubernetes-models/batch/v1/Job') },
  'batch/v1 CronJob': { module: 'batch/v1/CronJob', load: () => import('kubernetes-models/batch/v1/CronJob') },
  'networking.k8s.io/v1 Ingress': {
    module: 'networking.k8s.io/v1/Ingress',
    load: () => import('kubernetes-models/networking.k8s.io/v1/Ingress'),
  },
  'networking.k8s.io/v1 NetworkPolicy': {
    module: 'networking.k8s.io/v1/NetworkPolicy',
    load: () => import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy'),
  },
  'autoscaling/v2 HorizontalPodAutoscaler': {
    module: 'autoscaling/v2/HorizontalPodAutoscaler',
    load: () => import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'),
  },
  'policy/v1 PodDisruptionBudget': {
    module: 'policy/v1/PodDisruptionBudget',
    load: () => import('kubernetes-models/policy/v1/PodDisruptionBudget'),
  },
};

/**
 * `object` as the API server decodes it: kustomize wraps a Secret's base64 values over
 * lines, which the server's base64 decoder (Go's) skips, and the package's `byte`
 * format does not.
 */
function asTheServerReadsIt(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(
    Object.entries(object.data as Record<string, string>).map(([key, value]) => [key, value.replace(/[\r\n]/g, '')]),
  );
  return { ...object, data };
}

const moduleOf = (object: KubeObject) => SERVED[`${object.apiVersion} ${object.kind}`]?.module;

/** What kubernetes-models' run-time schema refuses of `object`, whose module is `module`. */
async function runtimeProblems(object: KubeObject): Promise<string | undefined> {
  const models = (await SERVED[`${object.apiVersion} ${object.kind}`].load()) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = models[object.kind];
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** tsc, as the project installs it: the compiler's binary (TypeScript 7 has no API in-process). */
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Every problem of `objects` against the Kubernetes API's types: an apiVersion and kind
 * no current release serves, a field its type does not have, a value of the wrong type.
 */
export async function schemaProblems(rendered: readonly KubeObject[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  const checked: { object: KubeObject; module: string }[] = [];
  for (const object of rendered.map(asTheServerReadsIt)) {
    const module = moduleOf(object);
    if (module) checked.push({ object, module });
    else
      problems.push({
        object: idOf(object),
        message: `${object.apiVersion} ${object.kind} is not served by a current Kubernetes release (or is unknown to this check)`,
      });
  }
  for (const { object } of checked) {
    const why = await runtimeProblems(object);
    if (why) problems.push({ object: idOf(object), message: why });
  }
  problems.push(...typeProblems(checked));
  return problems;
}

/** One compiler run over every object, each a literal of its interface; the errors, by object. */
function typeProblems(checked: readonly { object: KubeObject; module: string }[]): SchemaProblem[] {
  if (checked.length === 0) return [];
  const folder = mkdtempSync(join(tmpdir(), 'k8s-types-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'));
    const lines: string[] = [];
    const owners: { from: number; to: number; id: string }[] = [];
    checked.forEach(({ object, module }, index) => {
      lines.push(`import type { I${object.kind} as T${index} } from 'kubernetes-models/${module}';`);
    });
    checked.forEach(({ object }, index) => {
      const body = JSON.stringify(object, null, 2).split('\n');
      const from = lines.length + 1;
      lines.push(`export const o${index}: T${index} = ${body[0]}`, ...body.slice(1));
      lines[lines.length - 1] += ';';
      owners.push({ from, to: lines.length, id: idOf(object) });
    });
    writeFileSync(join(folder, 'objects.mts'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          types: [],
        },
        files: ['objects.mts'],
      }),
    );
    const ran = runSync(process.execPath, [TSC, '-p', join(folder, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: folder,
      timeoutMs: 120_000,
    });
    if (ran.status === 0) return [];
    const found: SchemaProblem[] = [];
    for (const line of `${ran.stdout}\n${ran.stderr}`.split('\n')) {
      const match = /^objects\.mts\((\d+),\d+\): error (TS\d+: .*)$/.exec(line.trim());
      if (!match) continue;
      const at = Number(match[1]);
      const owner = owners.find(range => at >= range.from && at <= range.to);
      found.push({ object: owner?.id ?? `line ${at}`, message: match[2] });
    }
    if (found.length === 0)
      throw new Error(`tsc failed without a diagnostic on the objects:\n${ran.stdout}${ran.stderr}`);
    return found;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
