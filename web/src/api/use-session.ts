import { useSyncExternalStore } from "react";
import { session } from "./session";

/** Whether someone is signed in, re-rendering when that changes. */
export const useSignedIn = (): boolean => useSyncExternalStore(session.subscribe, session.signedIn);
