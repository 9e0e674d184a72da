/**
 * Cores whose issuer signature a verifier has already checked, each with its device key imported.
 * A gate sees the same core on every read of a ticket (only the phone's timestamp and signature
 * change), so the issuer's ECDSA verify and the device key's import run once per core instead of
 * once per scan; the device signature is still checked on every read.
 *
 * Keyed by the whole signed core (body and signature, byte for byte): a signature seen before
 * proves nothing about another body. Bounded; the least recently used core goes first.
 */
export class VerifiedCores {
  private readonly cores = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly max = 20_000) {}

  /** The device key of this signed core if its issuer signature was verified here before. */
  deviceKey(body: Uint8Array, signature: Uint8Array): Promise<CryptoKey> | undefined {
    const key = cacheKey(body, signature);
    const found = this.cores.get(key);
    if (found) {
      this.cores.delete(key);
      this.cores.set(key, found);
    }
    return found;
  }

  /** Call only after the issuer signature over `body` verified. */
  remember(body: Uint8Array, signature: Uint8Array, deviceKey: Promise<CryptoKey>): void {
    this.cores.set(cacheKey(body, signature), deviceKey);
    if (this.cores.size > this.max) {
      const oldest = this.cores.keys().next();
      if (!oldest.done) this.cores.delete(oldest.value);
    }
  }

  get size(): number {
    return this.cores.size;
  }
}

/** The bytes as a one-byte string (compact in the engine, exact, no hashing). */
function cacheKey(body: Uint8Array, signature: Uint8Array): string {
  let s = "";
  for (const b of body) s += String.fromCharCode(b);
  s += "|";
  for (const b of signature) s += String.fromCharCode(b);
  return s;
}
