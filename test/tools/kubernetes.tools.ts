// The Kubernetes manifests of generated projects, proven by real tools, offline: every
// overlay rendered by kustomize (Debian's kubectl), every rendered object type-checked
// against the Kubernetes API's types, the policies the manifests promise, the settings
// each container gets against docker-compose.prod.yml's (resolved by the real Compose),
// nginx's configuration by nginx; and the same checks failing on planted faults.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { KUBERNETES_ENV_FILES } from '../../src/generators/kubernetes/index.js';
import { runApp, runKubernetes } from '../helpers.js';
import { describeRun, runSync } from '../support/run.js';
import { runTool } from '../support/tools.js';
import {
  environmentDifferences,
  idOf,
  type KubeObject,
  kustomize,
  OVERLAYS,
  type Overlay,
  podSpec,
  policyProblems,
  secretsInConfigMaps,
  secretValues,
} from './kubernetes.js';
import { schemaProblems } from './kubernetes-types.js';

interface Entry {
  title: string;
  options: Record<string, string | boolean>;
  /** The image every Django container runs. */
  image: string;
  job: string;
}

const ENTRIES: Entry[] = [
  {
    title: 'the defaults',
    options: { defaults: true, prod: true, kubernetes: true },
    image: 'localhost:5000/django-celery-example:0.1.0',
    job: 'migrate-0-1-0',
  },
  {
    title:
      'a TLS proxy, the database beat scheduler, Postgres 18, a registry of its own and a release tag, and a .env/.prod value holding $, # and quotes',
    options: {
      defaults: true,
      prod: true,
      kubernetes: true,
      'project-name': 'shop_backend',
      https: 'proxy',
      'allowed-hosts': 'example.com www.example.com',
      'beat-scheduler': 'database',
      'postgres-version': '18',
      'image-registry': 'registry.example.com:5000/team',
      'image-name': 'shop/web',
      'image-tag': '2026.12.1',
      'ingress-host': 'www.example.com',
      'ingress-class': 'traefik',
    },
    image: 'registry.example.com:5000/team/shop/web:2026.12.1',
    job: 'migrate-2026-12-1',
  },
];

/** A value Compose reads as `p@ss w$rd #1 'q' "d"`: the overlay must give the same. */
const HOSTILE_SETTING = `EMAIL_HOST_PASSWORD="p@ss w$$rd #1 'q' \\"d\\""\n`;

const WORKLOADS = ['Deployment/web', 'Deployment/worker', 'Deployment/beat', 'Deployment/flower', 'Deployment/nginx'];

for (const entry of ENTRIES) {
  describe(`Kubernetes manifests of a project with ${entry.title}`, () => {
    let project: string;
    let cwd: string;
    const rendered = new Map<Overlay, KubeObject[]>();
    before(async function () {
      this.timeout(120_000);
      // Random secrets, as a user's run makes them (the unit tier's fixed ones repeat across files).
      ({ project, cwd } = await runApp({ ...entry.options, secretSource: undefined }));
      if (entry.options['project-name'] === 'shop_backend') {
        writeFileSync(
          join(project, '.env/.prod'),
          `${readFileSync(join(project, '.env/.prod'), 'utf8')}${HOSTILE_SETTING}`,
        );
        await runKubernetes(project);
      }
      for (const overlay of OVERLAYS) rendered.set(overlay, await kustomize(join(project, 'k8s/overlays', overlay)));
    });
    after(() => rmSync(cwd, { recursive: true, force: true }));

    for (const overlay of OVERLAYS) {
      describe(`the ${overlay} overlay, rendered by kubectl kustomize`, () => {
        const objects = () => rendered.get(overlay) ?? [];

        it('holds every workload, its Services, the Ingress, autoscalers and budgets, all in the namespace', () => {
          const ids = objects().map(idOf);
          expect(ids).to.include.members([
            ...WORKLOADS,
            `Job/${entry.job}`,
            'Service/web',
            'Service/flower',
            'Service/nginx',
            'Ingress/site',
            'HorizontalPodAutoscaler/web',
            'HorizontalPodAutoscaler/worker',
            'PodDisruptionBudget/web',
            'PodDisruptionBudget/worker',
          ]);
          if (overlay === 'trial')
            expect(ids).to.include.members(['StatefulSet/db', 'StatefulSet/redis', 'Service/db', 'Service/redis']);
          else expect(ids).not.to.include('StatefulSet/db');
          const namespaces = new Set(
            objects()
              .filter(o => o.kind !== 'Namespace')
              .map(o => o.metadata.namespace),
          );
          expect([...namespaces]).to.have.length(1);
        });

        it("validates strictly against the Kubernetes API's types (kubernetes-models), and only API versions a current release serves", async () => {
          expect(await schemaProblems(objects())).to.deep.equal([]);
        });

        it('holds the policies: tagged images, probes and limits on every container, one beat, non-root pods', () => {
          expect(policyProblems(objects())).to.deep.equal([]);
        });

        it("runs the release's image in every Django container, and names the migration Job after it", () => {
          const django = objects()
            .filter(object => podSpec(object))
            .flatMap(object => [...(podSpec(object)?.initContainers ?? []), ...(podSpec(object)?.containers ?? [])])
            .filter((container: KubeObject) => !/^(nginx|postgres|redis):/.test(container.image));
          expect(django.length).to.be.above(8);
          for (const container of django) expect(container.image, container.name).to.equal(entry.image);
        });

        it('holds no secret value of the production env files in any ConfigMap', () => {
          const secrets = secretValues(
            readFileSync(join(project, '.env/.prod'), 'utf8'),
            readFileSync(join(project, '.env/.prod.db'), 'utf8'),
          );
          expect(secrets.length).to.be.above(3);
          expect(secretsInConfigMaps(objects(), secrets)).to.deep.equal([]);
        });

        it('gives each container the variables and values of its service in docker-compose.prod.yml, key by key', () => {
          expect(environmentDifferences(project, objects())).to.deep.equal([]);
        });
      });
    }

    it('commits no secret: every file git would take holds none of the production secrets', () => {
      const copy = mkdtempSync(join(tmpdir(), 'k8s-git-'));
      try {
        cpSync(project, copy, { recursive: true });
        const git = (args: string[]) => runSync('git', args, { cwd: copy });
        expect(git(['init', '-q']).status).to.equal(0);
        const listed = git(['add', '--dry-run', '-A']);
        expect(listed.status, describeRun(listed)).to.equal(0);
        const files = listed.stdout
          .split('\n')
          .filter(Boolean)
          .map(line => line.replace(/^add '(.*)'$/, '$1'));
        expect(files).to.include('k8s/base/web.yaml');
        for (const file of Object.values(KUBERNETES_ENV_FILES)) expect(files).not.to.include(file);
        const secrets = secretValues(
          readFileSync(join(project, '.env/.prod'), 'utf8'),
          readFileSync(join(project, '.env/.prod.db'), 'utf8'),
        );
        for (const file of files) {
          const text = readFileSync(join(copy, file), 'utf8');
          for (const secret of secrets) expect(text.includes(secret), `${file} holds a secret`).to.equal(false);
        }
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    });

    it("passes nginx -t: the cluster's nginx.conf, its Service names given an address", async () => {
      const result = await nginxTest(readFileSync(join(project, 'k8s/base/nginx.conf'), 'utf8'));
      expect(result.status, describeRun(result)).to.equal(0);
    });
  });
}

/** `nginx -t` of the cluster's nginx.conf (`text`): the name of the Service web, which the cluster's DNS gives, is 127.0.0.1 here. */
async function nginxTest(text: string) {
  const prefix = mkdtempSync(join(tmpdir(), 'k8s-nginx-'));
  try {
    const conf = text.replace(/server web:8000;/, 'server 127.0.0.1:8000;');
    if (conf === text) throw new Error('nginx.conf names no upstream web:8000');
    writeFileSync(join(prefix, 'nginx.conf'), conf);
    return await runTool(
      'nginx',
      ['-t', '-p', `${prefix}/`, '-e', `${prefix}/error.log`, '-c', `${prefix}/nginx.conf`],
      {
        cwd: prefix,
      },
    );
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

describe('the Kubernetes checks, on a generated project with a planted fault', () => {
  let cwd: string;
  let project: string;
  let copies = 0;
  before(async function () {
    this.timeout(60_000);
    ({ project, cwd } = await runApp({ defaults: true, prod: true, kubernetes: true }));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  /** A copy of the project with `file` changed by `plant` (which must change it); the overlay rendered from it. */
  async function planted(file: string, plant: (text: string) => string, overlay: Overlay = 'trial') {
    const copy = join(cwd, `planted-${++copies}`);
    mkdirSync(copy);
    cpSync(project, copy, { recursive: true });
    const original = readFileSync(join(copy, file), 'utf8');
    const changed = plant(original);
    expect(changed, 'the fault was planted').not.to.equal(original);
    writeFileSync(join(copy, file), changed);
    return { copy, objects: await kustomize(join(copy, 'k8s/overlays', overlay)) };
  }

  it('fails a beat with two replicas, or one replaced the rolling way', async () => {
    const { objects } = await planted('k8s/base/beat.yaml', text => text.replace('  replicas: 1\n', '  replicas: 2\n'));
    expect(policyProblems(objects)).to.include('Deployment/beat: 2 replicas, where exactly 1 may run');
    const rolling = await planted('k8s/base/beat.yaml', text => text.replace('type: Recreate', 'type: RollingUpdate'));
    expect(policyProblems(rolling.objects).join('\n')).to.match(/Deployment\/beat: not the Recreate strategy/);
  });

  it('fails a misspelt field, a string for a number, and an API version Kubernetes removed', async () => {
    const misspelt = await planted('k8s/base/web.yaml', text => text.replace('readinessProbe:', 'readinessProbes:'));
    const typo = await schemaProblems(misspelt.objects);
    expect(typo.map(problem => problem.object)).to.deep.equal(['Deployment/web']);
    expect(typo[0].message).to.match(/readinessProbes/);
    const deep = await planted('k8s/base/worker.yaml', text => text.replace('timeoutSeconds: 20', 'timeoutSecond: 20'));
    expect((await schemaProblems(deep.objects)).map(problem => problem.object)).to.deep.equal(['Deployment/worker']);
    const text = await planted('k8s/base/beat.yaml', beat => beat.replace('  replicas: 1\n', '  replicas: "1"\n'));
    const wrong = await schemaProblems(text.objects);
    expect(wrong.map(problem => problem.object)).to.include('Deployment/beat');
    expect(wrong.map(problem => problem.message).join('\n')).to.match(/replicas/);
    const removed = await planted('k8s/base/web.yaml', web =>
      web.replace(
        'apiVersion: policy/v1\nkind: PodDisruptionBudget',
        'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget',
      ),
    );
    expect(await schemaProblems(removed.objects)).to.deep.equal([
      {
        object: 'PodDisruptionBudget/web',
        message:
          'policy/v1beta1 PodDisruptionBudget is not served by a current Kubernetes release (or is unknown to this check)',
      },
    ]);
  });

  it('fails a container without a probe or limits, and an image without a release tag', async () => {
    const { objects } = await planted('k8s/base/flower.yaml', text =>
      text.replace(/ {10}livenessProbe:\n( {12}.*\n)+/, '').replace(/ {14}memory: 384Mi\n/, ''),
    );
    const problems = policyProblems(objects);
    expect(problems).to.include('Deployment/flower container flower: no livenessProbe');
    expect(problems).to.include('Deployment/flower container flower: no memory in resources.limits');
    const untagged = await planted('k8s/base/nginx.yaml', text =>
      text.replace(/image: nginx:[^\n]+/, 'image: nginx:latest'),
    );
    expect(policyProblems(untagged.objects).join('\n')).to.match(
      /container nginx: image nginx:latest names no release/,
    );
  });

  it('fails a secret in the ConfigMap, and a setting that differs from Compose', async () => {
    const secret = readFileSync(join(project, '.env/.prod'), 'utf8').match(/^SECRET_KEY=(.+)$/m)?.[1] ?? '';
    const leaked = await planted(KUBERNETES_ENV_FILES.settings, text => `${text}LEAKED=${secret}\n`);
    const secrets = secretValues(
      readFileSync(join(project, '.env/.prod'), 'utf8'),
      readFileSync(join(project, '.env/.prod.db'), 'utf8'),
    );
    expect(secretsInConfigMaps(leaked.objects, secrets)).to.have.length(1);
    const drifted = await planted(KUBERNETES_ENV_FILES.settings, text =>
      text.replace('GUNICORN_WORKERS=3', 'GUNICORN_WORKERS=4'),
    );
    expect(environmentDifferences(drifted.copy, drifted.objects)).to.include(
      "Deployment/web/web: GUNICORN_WORKERS differs from Compose's web",
    );
  });

  it('fails an nginx.conf that nginx refuses', async () => {
    const text = readFileSync(join(project, 'k8s/base/nginx.conf'), 'utf8');
    const result = await nginxTest(text.replace('listen 8080;', 'listen 8080'));
    expect(result.status).not.to.equal(0);
    expect(result.stderr).to.match(/nginx/);
  });
});
