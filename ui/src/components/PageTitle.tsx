import { H2 } from "@blueprintjs/core";
import type { ReactNode } from "react";
import "./PageTitle.css";

/** A view's heading row: the title, status tags beside it, actions on the right. */
export function PageTitle({ children, tags, actions }: { children: ReactNode; tags?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-title">
      <H2>{children}</H2>
      {tags && <span className="title-tags">{tags}</span>}
      {actions && <span className="title-actions">{actions}</span>}
    </div>
  );
}
