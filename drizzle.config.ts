// drizzle-kit configuration (`npm run db:generate`). Optuna owns its schema (alembic); the
// server never runs drizzle migrations on an Optuna database and creates a fresh one with
// Optuna's exact DDL (src/db/optuna-ddl.ts). drizzle/ holds drizzle-kit's rendering of
// src/db/schema.ts, to review changes to the mirror; it is not applied anywhere.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
