import { Button, Callout, Card, FormGroup, InputGroup } from "@blueprintjs/core";
import { type SyntheticEvent, useState } from "react";
import { type Session, signIn } from "./session";
import "./signin.css";

/** Asks for an API key and exchanges it for a session; the key itself is never kept by the page. */
export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <Card className="signin-card">
        <h1 className="brand">mltrace</h1>
        <p className="muted">
          This server asks for an API key. An administrator makes one with{" "}
          <code>mltrace keys create --name YOU --scope annotate</code>.
        </p>
        <form onSubmit={(e) => void submit(e)} data-testid="signin-form">
          <FormGroup label="API key" labelFor="signin-key">
            <InputGroup
              id="signin-key"
              type="password"
              autoComplete="current-password"
              autoFocus
              value={key}
              data-testid="signin-key"
              onChange={(e) => setKey(e.target.value)}
            />
          </FormGroup>
          {error && (
            <Callout intent="danger" className="signin-error" data-testid="signin-error">
              {error}
            </Callout>
          )}
          <Button type="submit" intent="primary" text="Sign in" loading={busy} disabled={!key.trim()} fill />
        </form>
      </Card>
    </main>
  );
}
