/**
 * The wallet's IndexedDB: the device key pair (CryptoKey objects are stored as they are, so the
 * non-extractable private key never exists as bytes anywhere script can read) and each ticket's
 * signed core with what the page shows offline. A few promise wrappers, nothing more.
 */
const DB_NAME = "tp-wallet";
const DB_VERSION = 1;
export const STORES = { device: "device", tickets: "tickets" } as const;
type Store = (typeof STORES)[keyof typeof STORES];

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORES.device)) db.createObjectStore(STORES.device);
      if (!db.objectStoreNames.contains(STORES.tickets)) db.createObjectStore(STORES.tickets);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("indexedDB.open failed"));
  }).catch((e: unknown) => {
    opening = null;
    throw e;
  });
  return opening;
}

function run<T>(store: Store, mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then((db) => new Promise<T>((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = work(tx.objectStore(store));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error ?? new Error(`indexedDB ${mode} on ${store} failed`));
    tx.onabort = () => reject(tx.error ?? new Error(`indexedDB ${mode} on ${store} aborted`));
  }));
}

export const idbGet = (store: Store, key: string): Promise<unknown> => run(store, "readonly", (s) => s.get(key));
export const idbAll = (store: Store): Promise<unknown[]> => run(store, "readonly", (s) => s.getAll());
export const idbPut = (store: Store, key: string, value: unknown): Promise<IDBValidKey> => run(store, "readwrite", (s) => s.put(value, key));
/** Stores `value` unless the key is taken; resolves to whatever is stored under the key afterwards. */
export async function idbPutFirst(store: Store, key: string, value: unknown): Promise<unknown> {
  await run(store, "readwrite", (s) => s.add(value, key)).catch((e: unknown) => {
    if (!(e instanceof DOMException && e.name === "ConstraintError")) throw e;
  });
  return idbGet(store, key);
}
export const idbClear = (store: Store): Promise<undefined> => run(store, "readwrite", (s) => s.clear());
