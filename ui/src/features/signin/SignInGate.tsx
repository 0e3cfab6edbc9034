// Renders the app once the server says who we are; in keys mode without a session, the sign-in page instead.

import { type ReactNode, useCallback, useEffect, useState } from "react";
import { SIGNED_OUT_EVENT } from "../../api/client";
import { Empty, Loading } from "../../components/States";
import { currentSession, type Session, SessionContext, signOut } from "./session";
import { SignInPage } from "./SignInPage";

type State = { kind: "loading" } | { kind: "signedOut" } | { kind: "error"; message: string } | Session;

export function SignInGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  useEffect(() => {
    let cancelled = false;
    currentSession().then(
      (session) => !cancelled && setState(session ?? { kind: "signedOut" }),
      (e: unknown) => !cancelled && setState({ kind: "error", message: String(e) }),
    );
    const onSignedOut = () => setState({ kind: "signedOut" });
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => {
      cancelled = true;
      window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
    };
  }, []);
  const leave = useCallback(() => {
    void signOut().then(() => setState({ kind: "signedOut" }));
  }, []);
  if ("mode" in state)
    return <SessionContext.Provider value={{ session: state, signOut: leave }}>{children}</SessionContext.Provider>;
  if (state.kind === "loading") return <Loading what="session" />;
  if (state.kind === "error") return <Empty title="The server did not say who you are">{state.message}</Empty>;
  return <SignInPage onSignedIn={setState} />;
}
