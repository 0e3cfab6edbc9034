import { Tag } from "@blueprintjs/core";
import { Link } from "react-router";
import type { ComponentInfo } from "../../api/operations";
import { paths } from "../../model/commands/routes";
import "./runs.css";

export function TagLinks({ tags }: { tags: string[] }) {
  if (!tags.length) return <span className="muted">no tags</span>;
  return (
    <span className="tag-links">
      {tags.map((t) => (
        <Link key={t} to={paths.tag(t)}>
          <Tag minimal round interactive icon="tag">
            {t}
          </Tag>
        </Link>
      ))}
    </span>
  );
}

export function ComponentFacts({ component }: { component: ComponentInfo }) {
  return (
    <div className="component-facts">
      <span>
        <span className="muted">owner</span> {component.owner ?? <span className="muted">—</span>}
      </span>
      <span>
        <span className="muted">tags</span> <TagLinks tags={component.tags} />
      </span>
      {component.description && <p className="description">{component.description}</p>}
    </div>
  );
}
