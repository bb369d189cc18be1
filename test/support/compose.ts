// Reading what `docker-compose config --format json` resolved: the tools tier checks
// it, the runtime tier runs each service with the environment it gives.
import { join } from 'node:path';
import { runOk } from './run.js';
import { TOOLS_BIN } from './tools.js';

interface ComposePort {
  target: number;
  published?: string;
  protocol?: string;
  /** The host address it is published on; none: every interface. */
  host_ip?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: ComposePort[];
  depends_on?: Record<string, { condition?: string }>;
  container_name?: string;
  user?: string;
  healthcheck?: { test?: string[]; disable?: boolean; start_period?: string };
  /** Bytes, as a string ("268435456"). */
  shm_size?: string;
  /** A Go duration ("1m0s"). */
  stop_grace_period?: string;
  volumes?: Array<{ type: string; source?: string; target: string }>;
  deploy?: { replicas?: number };
  logging?: { driver?: string; options?: Record<string, string> };
  networks?: Record<string, { ipv4_address?: string } | null>;
}

export interface ComposeConfig {
  name: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: Array<{ subnet?: string }> } }>;
}

/** The fixed subnet of the stack's default network, which must be set. */
export function defaultSubnet(config: ComposeConfig): string {
  const subnet = config.networks?.default?.ipam?.config?.[0]?.subnet;
  if (!subnet) throw new Error(`${config.name}: the default network has no fixed subnet (networks.default.ipam)`);
  return subnet;
}

/** `config` prints a literal `$` of a value as `$$`; this gives back the value the container gets. */
export const unescapeDollars = (value: string) => value.replace(/\$\$/g, '$');

/** Seconds in a Go duration as `config` prints it ("1m30s", "5s"). */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)];
  if (parts.length === 0 || parts.map(part => part[0]).join('') !== duration)
    throw new Error(`"${duration}" is not a duration as Compose prints one (1m30s)`);
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 } as const;
  return parts.reduce((sum, [, value, name]) => sum + Number(value) * unit[name as keyof typeof unit], 0);
}

/** A service's environment as its container receives it (a variable without a value is not set). */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).flatMap(([name, value]) =>
      value === null ? [] : [[name, unescapeDollars(value)]],
    ),
  );
}

/** The environment of the service `name`, which must exist. */
export function serviceEnvironment(config: ComposeConfig, name: string): Record<string, string> {
  const service = config.services[name];
  if (!service)
    throw new Error(
      `No service "${name}" in the Compose config (services: ${Object.keys(config.services).join(', ')})`,
    );
  return environmentOf(service);
}

/** The arguments of `docker-compose config` for `files` (none for docker-compose.yml alone, as a user types it). */
export function configArgs(files: readonly string[], json: boolean): string[] {
  const names = files.length === 1 && files[0] === 'docker-compose.yml' ? [] : files.flatMap(file => ['-f', file]);
  return [...names, 'config', ...(json ? ['--format', 'json'] : [])];
}

/** Compose's resolved config of the project in `folder`, with nothing of the test's environment interpolated. */
export function composeConfig(folder: string, files: readonly string[] = ['docker-compose.yml']): ComposeConfig {
  const out = runOk(join(TOOLS_BIN, 'docker-compose'), configArgs(files, true), {
    cwd: folder,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder },
  });
  return JSON.parse(out) as ComposeConfig;
}

/** The name of the one service that runs the given image (`postgres`, `redis`, `nginx`). */
export function serviceRunning(config: ComposeConfig, image: string): string | undefined {
  return Object.entries(config.services).find(([, service]) => service.image?.split(':')[0] === image)?.[0];
}

/** Host ports each service publishes, by service. */
export function publishedPorts(config: ComposeConfig): Record<string, string[]> {
  const ports: Record<string, string[]> = {};
  for (const [name, service] of Object.entries(config.services)) {
    const published = (service.ports ?? []).filter(port => port.published).map(port => String(port.published));
    if (published.length > 0) ports[name] = published;
  }
  return ports;
}

/**
 * The environment for running a service's code on this machine: as the container gets
 * it, with host names of other services (`db`, `redis://redis:6379`) pointed at localhost.
 */
export function localEnvironment(config: ComposeConfig, service: string): Record<string, string> {
  const names = Object.keys(config.services);
  return Object.fromEntries(
    Object.entries(environmentOf(config.services[service])).map(([key, value]) => [
      key,
      names.includes(value)
        ? 'localhost'
        : value.replace(/(:\/\/(?:[^@/]*@)?)([A-Za-z0-9_.-]+)(?=[:/]|$)/, (whole, prefix: string, host: string) =>
            names.includes(host) ? `${prefix}localhost` : whole,
          ),
    ]),
  );
}
