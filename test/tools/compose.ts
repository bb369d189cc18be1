// Reading what `docker-compose config --format json` resolved.

export interface ComposePort {
  target: number;
  published?: string;
  protocol?: string;
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
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: Array<{ type: string; source?: string; target: string }>;
  deploy?: { replicas?: number };
}

export interface ComposeConfig {
  name: string;
  services: Record<string, ComposeService>;
}

/** `config` prints a literal `$` of a value as `$$`; this gives back the value the container gets. */
export const unescapeDollars = (value: string) => value.replace(/\$\$/g, '$');

/** A service's environment as its container receives it. */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, unescapeDollars(value ?? '')]));
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
      names.includes(value) ? 'localhost' : value.replace(/(:\/\/(?:[^@/]*@)?)([A-Za-z0-9_.-]+)(?=[:/]|$)/, (whole, prefix: string, host: string) => (names.includes(host) ? `${prefix}localhost` : whole)),
    ]),
  );
}
