import { NonIdealState } from "@blueprintjs/core";
import { Link, useLocation } from "react-router";
import { useTitle } from "../../components/useTitle";

export function NotFoundView() {
  const location = useLocation();
  useTitle("not found");
  return (
    <div data-testid="not-found">
      <NonIdealState
        icon="path-search"
        title="No such page"
        description={
          <>
            Nothing lives at <code>{location.pathname}</code>. Type <code>help</code> in the command bar, or go to the{" "}
            <Link to="/">recent runs</Link>.
          </>
        }
      />
    </div>
  );
}
