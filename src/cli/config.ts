/**
 * Configuration: flags win over the environment, which wins over defaults. `.env` is loaded by
 * `main.ts` (dotenv) before this runs. This is the only place besides `main.ts` that reads
 * `process.env`; the core receives the resolved values as parameters.
 */
import path from 'node:path';
import * as z from 'zod';
import { ConfigError, UsageError, validateUserId, DEFAULT_EXIT_TIMEOUT_MS, DEFAULT_EXTRACT_MODEL, DEFAULT_HISTORY_VERSIONS, DEFAULT_MAX_RETRIES, DEFAULT_MEMORY_BUDGET_TOKENS, DEFAULT_MODEL, DEFAULT_REQUEST_TIMEOUT_MS } from '../core/index.js';


export { DEFAULT_EXIT_TIMEOUT_MS, DEFAULT_EXTRACT_MODEL, DEFAULT_MODEL };

/** Flags every command shares (commander's parsed options, before validation). */
export interface CommonFlags {
  memoryDir?: string;
  model?: string;
  user?: string;
}

/** Resolved settings. Times in ms, budgets in tokens. */
export interface Config {
  memoryDir: string;
  model: string;
  extractModel: string;
  apiKey?: string;
  baseURL?: string;
  memoryBudgetTokens: number;
  exitTimeoutMs: number;
  maxRetries: number;
  requestTimeoutMs: number;
  /** Earlier versions of each memory file kept for `undo` (0 keeps none). */
  historyVersions: number;
}

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n > 0, `${name} must be greater than 0`);

const envSchema = z.object({
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: z.string().url('ANTHROPIC_BASE_URL must be a URL').optional(),
  MEMAGENT_MEMORY_DIR: z.string().min(1).optional(),
  MEMAGENT_MODEL: z.string().min(1).optional(),
  MEMAGENT_EXTRACT_MODEL: z.string().min(1).optional(),
  MEMAGENT_MEMORY_BUDGET: positiveInt('MEMAGENT_MEMORY_BUDGET').optional(),
  MEMAGENT_EXIT_TIMEOUT_MS: positiveInt('MEMAGENT_EXIT_TIMEOUT_MS').optional(),
  MEMAGENT_MAX_RETRIES: z.string().regex(/^\d+$/, 'MEMAGENT_MAX_RETRIES must be a whole number').transform(Number).optional(),
  MEMAGENT_REQUEST_TIMEOUT_MS: positiveInt('MEMAGENT_REQUEST_TIMEOUT_MS').optional(),
  MEMAGENT_HISTORY_VERSIONS: z.string().regex(/^\d+$/, 'MEMAGENT_HISTORY_VERSIONS must be a whole number').transform(Number).optional(),
});

/**
 * Resolves the configuration from flags and an environment (pass `process.env`).
 * Empty environment values count as unset, as in most CLIs.
 * @throws UsageError for a malformed value (exit 2).
 */
export function resolveConfig(flags: CommonFlags, env: NodeJS.ProcessEnv, cwd: string): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid environment');
  }
  const e = parsed.data;
  return {
    memoryDir: path.resolve(cwd, flags.memoryDir ?? e.MEMAGENT_MEMORY_DIR ?? 'memory'),
    model: flags.model ?? e.MEMAGENT_MODEL ?? DEFAULT_MODEL,
    extractModel: e.MEMAGENT_EXTRACT_MODEL ?? DEFAULT_EXTRACT_MODEL,
    apiKey: e.ANTHROPIC_API_KEY,
    baseURL: e.ANTHROPIC_BASE_URL,
    memoryBudgetTokens: e.MEMAGENT_MEMORY_BUDGET ?? DEFAULT_MEMORY_BUDGET_TOKENS,
    exitTimeoutMs: e.MEMAGENT_EXIT_TIMEOUT_MS ?? DEFAULT_EXIT_TIMEOUT_MS,
    maxRetries: e.MEMAGENT_MAX_RETRIES ?? DEFAULT_MAX_RETRIES,
    requestTimeoutMs: e.MEMAGENT_REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS,
    historyVersions: e.MEMAGENT_HISTORY_VERSIONS ?? DEFAULT_HISTORY_VERSIONS,
  };
}

/**
 * The API key, or a ConfigError naming `ANTHROPIC_API_KEY` and `.env.example` (exit 1).
 */
export function requireApiKey(config: Config): string {
  if (!config.apiKey) {
    throw new ConfigError(
      'ANTHROPIC_API_KEY is not set: put it in your environment or in a .env file (copy .env.example)',
    );
  }
  return config.apiKey;
}

/** Validates `--user` (exit 2 with one line when missing or malformed). */
export function requireUser(user: string | undefined): string {
  if (user === undefined) throw new UsageError('--user <id> is required (e.g. --user alice)');
  return validateUserId(user);
}
