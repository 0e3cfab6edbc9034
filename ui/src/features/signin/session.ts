// Who the UI acts as: GET /auth/session answers the mode (off or keys), the key's name and its scopes. The session
// itself is an HttpOnly cookie no script can read; signing in exchanges a key for it, signing out ends it.

import { createContext, useContext } from "react";

export interface Session {
  mode: "off" | "keys";
  name: string;
  scopes: string[];
}

const PATH = "/auth/session";
// JSON bodies plus this header: a cross-site form can send neither (graphql_server/auth/csrf.py).
const HEADERS = { "Content-Type": "application/json", "X-Mltrace-Request": "1" };

/** The current session, null when the server wants a key (401), or an error message. */
export async function currentSession(): Promise<Session | null> {
  const response = await fetch(PATH, { headers: { Accept: "application/json" } });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`The server answered HTTP ${response.status} for ${PATH}.`);
  return (await response.json()) as Session;
}

/** Exchange a key for a session cookie; throws with the server's reason when the key is refused. */
export async function signIn(key: string): Promise<Session> {
  const response = await fetch(PATH, { method: "POST", headers: HEADERS, body: JSON.stringify({ key }) });
  const body = (await response.json().catch(() => ({}))) as Partial<Session> & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `The server answered HTTP ${response.status}.`);
  return body as Session;
}

export async function signOut(): Promise<void> {
  await fetch(PATH, { method: "DELETE", headers: HEADERS });
}

export const SessionContext = createContext<{ session: Session; signOut: () => void } | null>(null);

/** False when the signed-in key may not change flags, notes or tags (the server would refuse with 403). */
export function useCanAnnotate(): boolean {
  const context = useContext(SessionContext);
  return context === null || context.session.scopes.includes("annotate");
}
