import { H2 } from "@blueprintjs/core";
import { useQuery } from "../../api/useQuery";
import { Empty, QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { TasksQuery } from "./operations";
import { TaskTable } from "./TaskTable";
import "./monitoring.css";

/** `tasks`: every monitored task, worst drift first. */
export function TasksView() {
  useTitle("tasks");
  const state = useQuery(TasksQuery, {});
  return (
    <section data-testid="view-tasks">
      <H2>Monitored tasks</H2>
      <QueryGate what="tasks" state={state}>
        {({ tasks }) =>
          tasks.length === 0 ? (
            <Empty title="No tasks yet">
              Log what a component outputs with <code>mltrace_otel.log_output(task, value)</code> and the ground truth
              with <code>log_feedback</code>, or send OTLP log records to <code>/v1/logs</code>.
            </Empty>
          ) : (
            <TaskTable tasks={tasks} />
          )
        }
      </QueryGate>
    </section>
  );
}
