import { defineConfig } from "vite";

// The page is static: `vite build` writes it to dist/, which any static
// server can serve. The PyAirtable server it talks to must list the page's
// origin in PYAIRTABLE_CORS_ORIGINS.
export default defineConfig({
  build: { target: "es2022" },
});
