import path from "node:path";

/**
 * Reads `.env` in the working directory into process.env, as dotenv did before: a variable that is
 * already set (even to "") keeps its value, and a file that is missing or cannot be read is no error.
 */
export function loadEnvFile(file = path.resolve(".env")): void {
  try {
    process.loadEnvFile(file);
  } catch {
    // No .env (or an unreadable one): the environment is what the shell gave.
  }
}
