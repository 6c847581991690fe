/**
 * How long a process trusts what it read of a workflow's revocation: a revoked token keeps
 * working at most this long in the API processes (Lambda environments) that checked it just
 * before (the one that revokes forgets at once), and a token's requests read the database at
 * most once per workflow per this long in each.
 */
export const REVOCATION_CACHE_MS = 5_000;
/** Workflows remembered per process; the oldest is forgotten first. */
const MAX_ENTRIES = 10_000;

/** Reads and writes a workflow's revocation instant (epoch ms; undefined: never revoked). */
export interface RevocationStore {
  read(workflowId: string): Promise<number | undefined>;
  revoke(workflowId: string): Promise<number>;
}

/**
 * Whether a token was revoked: issued (whole seconds, as JWT's `iat`) before its workflow's
 * revocation. A token issued in the same second as the revocation, just after it, counts as
 * before: refused too, on the safe side.
 */
export class Revocations {
  private readonly cache = new Map<string, { until: number; revokedBefore?: number }>();

  constructor(
    private readonly store: RevocationStore,
    private readonly cacheMs = REVOCATION_CACHE_MS,
    private readonly now = () => performance.now(),
  ) {}

  async isRevoked(workflowId: string, issuedAtSeconds: number): Promise<boolean> {
    const revokedBefore = await this.revokedBefore(workflowId);
    return revokedBefore !== undefined && issuedAtSeconds * 1000 <= revokedBefore;
  }

  /** Revokes every token of `workflowId` issued until now; returns that instant (epoch ms). */
  async revoke(workflowId: string): Promise<number> {
    const at = await this.store.revoke(workflowId);
    this.remember(workflowId, at);
    return at;
  }

  private async revokedBefore(workflowId: string) {
    const cached = this.cache.get(workflowId);
    if (cached && cached.until > this.now()) return cached.revokedBefore;
    const revokedBefore = await this.store.read(workflowId);
    this.remember(workflowId, revokedBefore);
    return revokedBefore;
  }

  private remember(workflowId: string, revokedBefore: number | undefined) {
    this.cache.delete(workflowId);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(workflowId, { until: this.now() + this.cacheMs, revokedBefore });
  }
}
