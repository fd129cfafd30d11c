// drizzle-kit configuration: `deno task db:generate` writes SQL migrations into db/migrations.
export default {
  dialect: "turso",
  schema: "./db/schema.ts",
  out: "./db/migrations",
  dbCredentials: { url: "file:./.drizzle-scratch.db" },
};
