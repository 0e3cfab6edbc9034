import { Button, Tag } from "@blueprintjs/core";
import { useContext } from "react";
import { SessionContext } from "./session";

/** In keys mode: who is signed in, with which scopes, and the way out. Nothing when access control is off. */
export function SessionMenu() {
  const context = useContext(SessionContext);
  if (context?.session.mode !== "keys") return null;
  const { session, signOut } = context;
  return (
    <>
      <Tag minimal round icon="user" title={`Scopes: ${session.scopes.join(", ")}`} data-testid="signed-in-as">
        {session.name}
      </Tag>
      <Button variant="minimal" icon="log-out" text="Sign out" data-testid="sign-out" onClick={signOut} />
    </>
  );
}
