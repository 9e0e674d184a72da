/**
 * Refresh tokens are opaque: "<token id>.<secret>". Only a SHA-256 of the secret is stored, so a
 * database leak does not hand out sessions. Each use rotates the token within its family; a
 * second use of a spent token means it was stolen, and the whole family is revoked.
 */
export interface IssuedRefreshToken { tokenId: string; token: string; hash: string }

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function newRefreshToken(): Promise<IssuedRefreshToken> {
  const tokenId = crypto.randomUUID();
  const secret = b64url(crypto.getRandomValues(new Uint8Array(32)));
  return { tokenId, token: `${tokenId}.${secret}`, hash: await sha256Hex(secret) };
}

export async function parseRefreshToken(token: string): Promise<{ tokenId: string; hash: string } | null> {
  const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  return { tokenId: m[1]!, hash: await sha256Hex(m[2]!) };
}
