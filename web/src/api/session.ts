/**
 * The signed-in session. The access token lives in memory only (a short-lived JWT; a page load
 * gets a fresh one by refresh). The API takes the refresh token in a JSON body (not a cookie), so
 * the app must keep it: localStorage, so a reload or a new tab stays signed in. The CSP allows
 * scripts from our origin only, which is what keeps it from other scripts.
 */
const REFRESH_KEY = "tp.refresh";

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
  clear(): void {
    accessToken = null;
    localStorage.removeItem(REFRESH_KEY);
    listeners.forEach((l) => l());
  },
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};
