import { H4 } from "@blueprintjs/core";
import { Link } from "react-router";
import { useQuery } from "../../api/useQuery";
import { TasksQuery } from "./operations";
import { monitoringPaths } from "./paths";
import { TaskTable } from "./TaskTable";
import "./monitoring.css";

const SHOWN = 5;

/** The home view's task list: the worst drift first; nothing at all when no task is monitored. */
export function DriftingTasks() {
  const { data } = useQuery(TasksQuery, {});
  if (!data || data.tasks.length === 0) return null;
  return (
    <div className="drifting-tasks" data-testid="home-tasks">
      <H4>
        Monitored tasks{" "}
        {data.tasks.length > SHOWN && <Link to={monitoringPaths.tasks()}>(all {data.tasks.length})</Link>}
      </H4>
      <TaskTable tasks={data.tasks.slice(0, SHOWN)} />
    </div>
  );
}
