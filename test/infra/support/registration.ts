/** One registered resource, as the engine would receive it (recorded by stack-runner.ts). */
export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  /** False for SST's components, true for what AWS would create. */
  custom: boolean;
  /** The inputs as AWS would receive them (secrets unwrapped). */
  inputs: Record<string, any>;
  /** What a component registered as its outputs (e.g. a DevCommand's `_dev`). */
  outputs?: Record<string, any>;
  dependencies: string[];
  retainOnDelete: boolean;
  protect: boolean;
}
