import { TOKEN_LEEWAY_SECONDS, verifyToken, type KeyRing, type VerifiedToken } from "@wfc/tokens";

/** Tokens remembered per process; the oldest is forgotten first. */
const MAX_ENTRIES = 5_000;

/**
 * Tokens this process has verified, until they expire. A page sends the same token with every
 * request of its life (its polls, its sends, each reconnection of its feeds), and verifying one
 * means two asynchronous WebCrypto calls, about 0.1 ms each on a small machine: a request whose
 * token was verified here before costs a map lookup instead. Only tokens that verified are kept,
 * by their exact text, and each is refused again once past its expiry and the leeway, as jose
 * refuses it. The ring is fixed for the life of a process (a new ring is a new deploy), so what
 * verified stays verified; revocation is checked on every request all the same (`scoped`).
 */
export class VerifiedTokens {
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    readonly ring: KeyRing,
    private readonly maxEntries = MAX_ENTRIES,
    private readonly now = () => Date.now(),
  ) {}

  /** @throws TokenError as `verifyToken` does. */
  async verify(token: string): Promise<VerifiedToken> {
    const now = this.now();
    const known = this.verified.get(token);
    if (known && known.expiresAt + TOKEN_LEEWAY_SECONDS > now / 1000) return known;
    this.verified.delete(token);
    const verified = await verifyToken(this.ring, token, now);
    if (this.verified.size >= this.maxEntries)
      this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, verified);
    return verified;
  }
}
