/** Builds real keys, cores and codes for the ticket tests (no mocks: WebCrypto in workerd). */
import { fromBase32, toBase32, type Bytes } from "../../src/domain/tickets/bytes";
import { CODE_PREFIX, makeTicketCode } from "../../src/domain/tickets/code";
import { generateHolderSecret, holderRef, signTicketCore, type CoreFields } from "../../src/domain/tickets/issue";
import { compressDeviceKey, generateDeviceKey, generateEventSigningKey, importIssuerKeys, importSigner, type EventSigningKey, type IssuerKeyRing } from "../../src/domain/tickets/keys";

export const NOW = Date.UTC(2026, 10, 27, 18, 0, 0);
export const WINDOW = 30;
export const SKEW = 10;

export interface Issued { eventId: string; signingKey: EventSigningKey; keys: IssuerKeyRing; device: CryptoKeyPair; signedCore: Bytes; fields: CoreFields }

export async function issueTicket(over: Partial<CoreFields> = {}, signingKey?: EventSigningKey): Promise<Issued> {
  const eventId = over.eventId ?? crypto.randomUUID();
  const key = signingKey ?? (await generateEventSigningKey());
  const device = await generateDeviceKey();
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", device.publicKey)) as ArrayBuffer);
  const deviceKey = await compressDeviceKey(raw);
  if (!deviceKey) throw new Error("device key refused");
  const fields: CoreFields = {
    eventId, ticketId: crypto.randomUUID(), version: 1, holderRef: await holderRef(generateHolderSecret(), eventId, crypto.randomUUID()),
    validFrom: NOW / 1000 - 3600, validUntil: NOW / 1000 + 6 * 3600, deviceKey, label: "A구역 12열 7번", ...over,
  };
  const signedCore = await signTicketCore(fields, await importSigner(key.privateJwk));
  return { eventId, signingKey: key, keys: await importIssuerKeys([key.publicJwk]), device, signedCore, fields };
}

export const codeAt = (t: Issued, atMs: number, deviceKey = t.device.privateKey) => makeTicketCode(t.signedCore, deviceKey, atMs);

/** The code with one byte of its binary form changed (still canonical base32). */
export function flipByte(code: string, index: number, mask = 0x01): string {
  const bytes = fromBase32(code.slice(CODE_PREFIX.length));
  if (!bytes) throw new Error("not a code");
  bytes[index] = (bytes[index] ?? 0) ^ mask;
  return CODE_PREFIX + toBase32(bytes);
}
