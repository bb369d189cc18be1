// What a run prints at its end: what it did to the project's files, where the stack will
// answer, and the next commands to type.
import type { ProjectAnswers } from '../values/context.js';
import { wrap } from '../answers/help.js';
import type { WriteReport } from '../files/write.js';

/** The address of a port published on this machine: `http://localhost/` for port 80. */
export function localUrl(port: number, path = '/'): string {
  return `http://localhost${port === 80 ? '' : `:${port}`}${path}`;
}

/**
 * The production site's address: on the first host it is allowed to answer to
 * (`localhost` when that is allowed, or when any host is), for `port`.
 */
export function siteUrl(allowedHosts: string | undefined, port: number, path = '/'): string {
  const hosts = (allowedHosts ?? 'localhost').split(' ').filter(Boolean);
  const first = hosts.includes('localhost') || hosts.includes('*') ? 'localhost' : (hosts[0] ?? 'localhost');
  // `.example.com` allows example.com and its subdomains.
  return `http://${first.replace(/^\./, '')}${port === 80 ? '' : `:${port}`}${path}`;
}

/** The site's first host name over HTTPS on the standard port (automatic HTTPS: every host name is a DNS name). */
function secureUrl(allowedHosts: string | undefined, path = '/'): string {
  return `https://${(allowedHosts ?? 'localhost').split(' ').find(Boolean) ?? 'localhost'}${path}`;
}

/** `a`, `a and b`, `a, b and c`. */
function list(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');
}

const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;

/** Lines saying what the run did to the files of `where` (the project's folder as the user sees it). */
function filesReport(report: WriteReport, where: string): string[] {
  const existing = report.rewritten.length + report.overwritten.length + report.kept.length + report.unchanged.length;
  if (existing === 0 && report.created.length) return [`Created ${where}: ${files(report.created.length)}.`];
  const rewritten = [...report.rewritten, ...report.overwritten];
  const done = [
    ...(report.created.length
      ? [`added ${report.created.length > 3 ? files(report.created.length) : list(report.created)}`]
      : []),
    ...(rewritten.length ? [`rewrote ${list(rewritten)}`] : []),
  ];
  const sentences = [
    done.length
      ? `Updated ${where}: ${done.join('; ')}.`
      : `Nothing to write in ${where}: ${report.unchanged.length === 1 ? 'its one file is' : `all ${files(report.unchanged.length)} are`} up to date.`,
  ];
  if (report.unchanged.length && done.length) sentences.push(`${files(report.unchanged.length)} already up to date.`);
  if (report.overwritten.length) sentences.push(`Overwrote your changes to ${list(report.overwritten)}.`);
  if (report.kept.length)
    sentences.push(`Kept your changes to ${list(report.kept)} (run again with --force to overwrite them).`);
  return wrap(sentences.join(' '), 80);
}

/**
 * The sentence saying which of this run's values the env files that are the user's once
 * written (`.env/.prod`, `.env/.prod.db`) did not take, as the settings to type there: the
 * settings that answers give, never a secret.
 */
function unappliedReport(unapplied: ReadonlyMap<string, readonly string[]>): string[] {
  if (unapplied.size === 0) return [];
  const files = [...unapplied.keys()];
  const settings = [...unapplied].map(([file, lines]) => `${list(lines)} in ${file}`);
  return wrap(
    `Kept ${list(files)} as ${files.length > 1 ? 'they are' : 'it is'} (yours once written), without this run's new values: to apply them, set ${settings.join(', and ')} by hand.`,
    80,
  );
}

/** The lines of the development stack: its addresses, then the commands that start it. */
function localSteps(answers: ProjectAnswers, cd: string | undefined): { about: string[]; commands: string[] } {
  return {
    about: wrap(
      `Django will answer at ${localUrl(answers.webPort)}, Flower at ${localUrl(answers.flowerPort)} and the mail catcher (every mail Django sends) at ${localUrl(answers.mailPort)}; README.md says how to run the tests and follow a Celery task end to end.`,
      80,
    ),
    commands: [...(cd ? [`cd ${cd}`] : []), 'docker compose up -d --build'],
  };
}

/** The lines of the production stack behind nginx. */
function productionSteps(answers: ProjectAnswers, cd: string | undefined): { about: string[]; commands: string[] } {
  const port = answers.nginxPort ?? 1337;
  const compose = 'docker compose -f docker-compose.prod.yml';
  return {
    about: wrap(
      answers.https === 'auto'
        ? `Production: the site at ${secureUrl(answers.allowedHosts)}, Flower at ${secureUrl(answers.allowedHosts, '/flower/')} (login ${answers.flowerUser ?? 'admin'}, its password in .env/.prod), once the DNS of ${list((answers.allowedHosts ?? '').split(' ').filter(Boolean))} points at this server and ports 80 and 443 are open: Caddy gets the certificates by itself (README.md, "HTTPS").`
        : `Production: the site at ${siteUrl(answers.allowedHosts, port)}, Flower at ${siteUrl(answers.allowedHosts, port, '/flower/')} (login ${answers.flowerUser ?? 'admin'}, its password in .env/.prod). ${answers.https === 'proxy' ? 'HTTPS ends in the TLS proxy in front of nginx, which must be the only way in (README.md, "HTTPS").' : 'It speaks plain HTTP; once a TLS proxy in front of it is the only way in, set DJANGO_SECURE_PROXY=1 in .env/.prod (README.md, "HTTPS").'}`,
      80,
    ),
    commands: [
      ...(cd ? [`cd ${cd}`] : []),
      `${compose} build`,
      `${compose} run --rm web \\`,
      '  python manage.py migrate --noinput',
      `${compose} up -d`,
    ],
  };
}

/** The lines of the Kubernetes manifests: what a release takes, then its commands. */
function kubernetesSteps(answers: ProjectAnswers, cd: string | undefined): { about: string[]; commands: string[] } {
  const repository = answers.imageName || answers.projectName.replace(/_+/g, '-').replace(/^-|-$/g, '');
  const image = `${answers.imageRegistry ?? 'localhost:5000'}/${repository}:${answers.imageTag ?? '0.1.0'}`;
  return {
    about: wrap(
      `Kubernetes: k8s/overlays/production runs the release ${answers.imageTag ?? '0.1.0'} at https://${answers.ingressHost ?? 'localhost'}/ through the Ingress class ${answers.ingressClass ?? 'nginx'}, with Postgres and Redis outside the cluster (their addresses and credentials in k8s/overlays/production/services.env); k8s/overlays/trial runs them in the cluster, for a trial only (README.md, "Kubernetes").`,
      80,
    ),
    commands: [
      ...(cd ? [`cd ${cd}`] : []),
      `docker build -f compose/production/django/Dockerfile -t ${image} .`,
      `docker push ${image}`,
      'kubectl apply -k k8s/overlays/production',
    ],
  };
}

export interface Summary {
  report: WriteReport;
  answers: ProjectAnswers;
  /** The project's folder as the user should type it from where they are, or undefined when they are in it. */
  cd?: string;
  /** Which stacks to tell about: the development one, production, the Kubernetes manifests. */
  stacks: { local: boolean; production: boolean; kubernetes?: boolean };
  /** The settings this run gave that a file of the user's did not take, by file (see unappliedReport). */
  unapplied?: ReadonlyMap<string, readonly string[]>;
}

/** The summary printed at the end of a run, ending with the next commands to type. */
export function summary({ report, answers, cd, stacks, unapplied = new Map() }: Summary): string {
  const out = ['', ...filesReport(report, cd ?? 'this project'), ...unappliedReport(unapplied)];
  const steps = [];
  if (stacks.local) steps.push({ title: 'Next, start the development stack:', ...localSteps(answers, cd) });
  if (stacks.production) {
    const title = stacks.local
      ? `Or build, migrate and start production${cd ? ' (in the same folder)' : ''}:`
      : 'Next, build, migrate and start production:';
    steps.push({ title, ...productionSteps(answers, stacks.local ? undefined : cd) });
  }
  if (stacks.kubernetes) {
    const title =
      steps.length > 0
        ? 'Or build and push the image, and apply it to a cluster:'
        : 'Next, build and push the image, and apply it to a cluster:';
    steps.push({ title, ...kubernetesSteps(answers, steps.length > 0 ? undefined : cd) });
  }
  for (const step of steps) out.push('', ...step.about);
  for (const step of steps) out.push('', step.title, ...step.commands.map(command => `  ${command}`));
  return `${out.join('\n')}\n`;
}
