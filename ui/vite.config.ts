/// <reference types="vitest/config" />
// The production build lands inside the Python package, which serves it at "/" (graphql_server/ui_routes.py).
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const outDir = fileURLToPath(new URL("../graphql_server/static", import.meta.url));
const server = process.env.MLTRACE_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    // Two pages: the app, and the GraphQL playground the server answers GET /graphql with (offline, no CDN).
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL("index.html", import.meta.url)),
        graphiql: fileURLToPath(new URL("graphiql.html", import.meta.url)),
      },
    },
  },
  // `npm run dev` talks to a running `mltrace serve`, like the built UI does.
  server: {
    proxy: {
      "/graphql": { target: server, ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
