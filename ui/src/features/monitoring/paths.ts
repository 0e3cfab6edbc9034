// The monitoring views' URLs.
const enc = encodeURIComponent;

export const monitoringPaths = {
  tasks: () => "/tasks",
  task: (name: string) => `/task/${enc(name)}`,
};
