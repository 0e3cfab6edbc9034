// The monitoring views' URLs (spelled with the other views' in model/commands/routes.ts).
import { paths } from "../../model/commands/routes";

export const monitoringPaths = {
  tasks: paths.tasks,
  task: paths.task,
};
