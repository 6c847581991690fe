/**
 * The release registry (docs/operations/releases.md): one SSM String parameter per live worker
 * version, `/<app>/<stage>/worker-releases/<version>`, whose value is the image that version's
 * worker runs. The deploy of a version creates its own entry (infra/worker.ts); the old version's
 * worker deletes its entry once it has retired (functions/worker/src/retirement.ts); every deploy
 * reads the registry and keeps a service for the one other version still listed.
 */

import {
  assertReleaseVersion,
  releaseParameterName,
  releaseRegistryPath,
  workerServiceName,
} from "./release-names";

/** A version whose worker keeps running beside the current one until it has retired. */
export interface DrainingRelease {
  version: string;
  /** The exact image URI it ran as the current version. */
  image: string;
}

/** The registry's entries: version -> image URI. */
export type Registry = Record<string, string>;

/** The name of this stage's registry entry for `version`. */
export const releaseParameter = (version: string) =>
  releaseParameterName($app.name, $app.stage, version);

/**
 * Reads this stage's registry with the `aws.ssm.getParametersByPath` invoke (one level below the
 * registry's path).
 */
export async function readRegistry(): Promise<Registry> {
  const path = releaseRegistryPath($app.name, $app.stage);
  const { names, values } = await aws.ssm.getParametersByPath({ path, recursive: false });
  return Object.fromEntries(names.map((name, i) => [name.slice(path.length + 1), values[i]!]));
}

/**
 * The version to keep draining beside `current`: the one other version the registry lists, if
 * any (an entry for `current` itself is its own, from an earlier deploy of the same version).
 * @throws Error when more than one other version is listed, naming them and how to watch them
 *   drain: the connection budget counts one draining service, so such a deploy must wait.
 * @throws Error when a version cannot be deployed (RELEASE_VERSION) or two versions would share
 *   a service name.
 */
export function drainingRelease(registry: Registry, current: string, registryPath: string) {
  assertReleaseVersion(current, "APP_VERSION");
  const others = Object.keys(registry)
    .filter((version) => version !== current)
    .sort();
  if (others.length > 1) {
    throw new Error(
      `Cannot deploy version ${current}: versions ${others.join(", ")} are all still draining, ` +
        `and at most one other version may run beside the one deployed. Watch their in-flight ` +
        `workflows with GET /versions; each retires by itself (its entry under ${registryPath} ` +
        `disappears) once nothing of it is PENDING or ENQUEUED. Deploy again when at most one ` +
        `remains.`,
    );
  }
  const [version] = others;
  if (version === undefined) return undefined;
  assertReleaseVersion(version, `The registry's version`);
  if (workerServiceName(version) === workerServiceName(current)) {
    throw new Error(
      `Cannot deploy version ${current} while version ${version} drains: both would be the ` +
        `service ${workerServiceName(current)}. Choose another APP_VERSION.`,
    );
  }
  return { version, image: registry[version]! } satisfies DrainingRelease;
}

/**
 * The release this deploy keeps draining beside `current`, read from the registry.
 * @throws Error as `drainingRelease` does.
 */
export async function readDrainingRelease(current: string) {
  return drainingRelease(await readRegistry(), current, releaseRegistryPath($app.name, $app.stage));
}
