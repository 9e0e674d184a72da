/**
 * Cores a verifier may take as authentic without checking the issuer's signature again, each with
 * its device key imported. A gate sees the same core on every read of a ticket (only the phone's
 * timestamp and signature change), and the room that signed a core can recognise its own bytes;
 * either way the issuer's ECDSA verify and the device key's import are skipped. The device
 * signature, the time, the revocation and the event's key list are still checked on every read.
 */
import type { SignedCore } from "./core";
import { importDeviceKey } from "./keys";

export interface KnownCores {
  /** The device key of this signed core when it is known authentic; undefined when it must be verified. */
  known(s: SignedCore): Promise<CryptoKey> | undefined;
  /** The issuer signature over this core verified. */
  verified(s: SignedCore, deviceKey: Promise<CryptoKey>): void;
}

/**
 * Cores verified before, keyed by the whole signed core (body and signature, byte for byte): a
 * signature seen before proves nothing about another body. Bounded; least recently used go first.
 */
export class VerifiedCores implements KnownCores {
  private readonly cores = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly max = 20_000) {}

  known(s: SignedCore): Promise<CryptoKey> | undefined {
    const key = cacheKey(s);
    const found = this.cores.get(key);
    if (found) {
      this.cores.delete(key);
      this.cores.set(key, found);
    }
    return found;
  }

  verified(s: SignedCore, deviceKey: Promise<CryptoKey>): void {
    this.cores.set(cacheKey(s), deviceKey);
    if (this.cores.size > this.max) {
      const oldest = this.cores.keys().next();
      if (!oldest.done) this.cores.delete(oldest.value);
    }
  }

  get size(): number {
    return this.cores.size;
  }
}

/**
 * For the issuer itself: a core whose bytes are exactly what it signed and stored is authentic as
 * it stands (stricter than a signature check: a core signed by a leaked key but never issued is
 * not among them), so even a ticket's first scan skips the signature check.
 */
export function orIssuedHere(memo: VerifiedCores, issuedHere: (s: SignedCore) => boolean): KnownCores {
  return {
    known(s) {
      const found = memo.known(s);
      if (found || !issuedHere(s)) return found;
      const deviceKey = importedDeviceKey(s);
      memo.verified(s, deviceKey);
      return deviceKey;
    },
    verified: (s, deviceKey) => memo.verified(s, deviceKey),
  };
}

/** The core's device key for verifying; a key WebCrypto refuses fails each read the same way (verify() catches it). */
export function importedDeviceKey(s: SignedCore): Promise<CryptoKey> {
  const key = importDeviceKey(s.core.deviceKey);
  key.catch(() => undefined);
  return key;
}

/** The signed bytes as a one-byte string: compact in the engine, exact, no hashing. */
function cacheKey(s: SignedCore): string {
  let key = "";
  for (const b of s.signed) key += String.fromCharCode(b);
  return key;
}
