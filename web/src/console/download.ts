import { ApiError, problemOf } from "../api/problem";
import { refreshSession } from "../api/client";
import { session } from "../api/session";

/**
 * A file from the API saved by the browser: the CSV export needs the access token in a header,
 * so a plain link cannot fetch it. Refreshes the token once on a 401, like `call`.
 */
export async function downloadWithAuth(path: string, filename: string): Promise<void> {
  const get = () => fetch(path, { headers: { Authorization: `Bearer ${session.access() ?? ""}`, Accept: "text/csv" } });
  let res: Response;
  try {
    if (!session.access() && session.refresh()) await refreshSession();
    res = await get();
    if (res.status === 401 && (await refreshSession())) res = await get();
  } catch {
    throw new ApiError(0, null, null);
  }
  if (!res.ok) throw await problemOf(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
