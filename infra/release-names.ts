/**
 * The names a release's resources derive from its version: plain functions, no SST, so the graph
 * tests derive the same names (infra/releases.ts reads the registry, infra/worker.ts declares the
 * services).
 */

/**
 * What a deployable `APP_VERSION` may look like: it becomes the last segment of an SSM parameter
 * name and, with `.` and `_` as `-`, part of the ECS service's name and its Cloud Map DNS label.
 */
export const RELEASE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/** The SSM path under which every live version of a stage's worker is registered. */
export const releaseRegistryPath = (app: string, stage: string) =>
  `/${app}/${stage}/worker-releases`;

/** One version's registry entry: its value is the image URI that version's worker runs. */
export const releaseParameterName = (app: string, stage: string, version: string) =>
  `${releaseRegistryPath(app, stage)}/${version}`;

/**
 * The component name of one version's worker service (`WorkerV2`; SST names its ECS service,
 * task definition, roles, scaling target and Cloud Map entry after it). One name per version, so
 * a release declares a new service beside the old one instead of updating the old one in place.
 */
export const workerServiceName = (version: string) => `WorkerV${version.replace(/[._]/g, "-")}`;

/**
 * @throws Error naming the version unless it matches RELEASE_VERSION.
 */
export function assertReleaseVersion(version: string, where: string) {
  if (!RELEASE_VERSION.test(version)) {
    throw new Error(
      `${where} "${version}" cannot be deployed: a version is 1 to 40 letters, digits, ".", "_" ` +
        `or "-", starting with a letter or digit`,
    );
  }
}
