/**
 * The signed-in session. The access token lives in memory only (a short-lived JWT; a page load
 * gets a fresh one by refresh). The API takes the refresh token in a JSON body (not a cookie), so
 * the app must keep it: localStorage, so a reload or a new tab stays signed in. The CSP allows
 * scripts from our origin only, which is what keeps it from other scripts.
 */
const REFRESH_KEY = "tp.refresh";
/** What kind of account this is, as the API last said: kept so a page opened offline shows the right navigation. */
const ACCOUNT_KEY = "tp.account";

export interface KnownAccount { role: string; gateEventId: string | null }

function readAccount(): KnownAccount | null {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(ACCOUNT_KEY) ?? "null");
    if (typeof v !== "object" || v === null || !("role" in v) || typeof v.role !== "string") return null;
    const gate = "gateEventId" in v && typeof v.gateEventId === "string" ? v.gateEventId : null;
    return { role: v.role, gateEventId: gate };
  } catch {
    return null;
  }
}

let accessToken: string | null = null;
const listeners = new Set<() => void>();

export const session = {
  access: (): string | null => accessToken,
  refresh: (): string | null => localStorage.getItem(REFRESH_KEY),
  signedIn: (): boolean => accessToken !== null || localStorage.getItem(REFRESH_KEY) !== null,
  set(tokens: { access_token: string; refresh_token: string }): void {
    accessToken = tokens.access_token;
    localStorage.setItem(REFRESH_KEY, tokens.refresh_token);
    listeners.forEach((l) => l());
  },
  /** The account as last seen (null when never seen or signed out); not a credential, only what to show. */
  account: readAccount,
  rememberAccount(a: KnownAccount): void {
    localStorage.setItem(ACCOUNT_KEY, JSON.stringify(a));
  },
  clear(): void {
    accessToken = null;
    localStorage.removeItem(REFRESH_KEY);
    localStorage.removeItem(ACCOUNT_KEY);
    listeners.forEach((l) => l());
  },
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};
