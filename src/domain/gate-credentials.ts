import { toBase32, toBase64Url } from "./tickets/bytes";

/**
 * A gate account's credentials, made from random bytes (an input, so tests choose them): a login
 * id shaped like an email (the normal login takes it) that carries 80 random bits and nothing
 * else (no event, no counter, no label), so it can be neither guessed nor enumerated; and a
 * password of 128 random bits, shown once to the organizer and stored only as its hash.
 * `.invalid` is reserved (RFC 2606): no mail can ever be delivered to a gate login.
 */
export const GATE_LOGIN_DOMAIN = "gate.ticketing.invalid";
export const GATE_LOGIN_BYTES = 10;
export const GATE_PASSWORD_BYTES = 16;
export const GATE_CREDENTIAL_BYTES = GATE_LOGIN_BYTES + GATE_PASSWORD_BYTES;

export interface GateCredentials { login: string; password: string }

export function gateCredentials(random: Uint8Array): GateCredentials {
  if (random.length !== GATE_CREDENTIAL_BYTES) throw new RangeError(`gate credentials need ${GATE_CREDENTIAL_BYTES} random bytes`);
  return {
    login: `gate-${toBase32(random.subarray(0, GATE_LOGIN_BYTES)).toLowerCase()}@${GATE_LOGIN_DOMAIN}`,
    password: toBase64Url(random.subarray(GATE_LOGIN_BYTES)),
  };
}

/** Fresh credentials from the platform's CSPRNG. */
export const newGateCredentials = (): GateCredentials => gateCredentials(crypto.getRandomValues(new Uint8Array(GATE_CREDENTIAL_BYTES)));
