/**
 * Configuration: flags win over the environment, which wins over defaults. `main.ts` loads the
 * current directory's `.env`, then the config dir's (`userDirs().config/.env`), with dotenv (which
 * never overrides a variable already set: real variables, then cwd, then config dir) before this
 * runs. This is the only place besides `main.ts` that reads `process.env`; the core receives the
 * resolved values as parameters.
 */
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { userDirs, type UserDirs } from './user-dirs.js';
import { ConfigError, UsageError, validateUserId, DEFAULT_EXIT_TIMEOUT_MS, DEFAULT_EXTRACT_MODEL, DEFAULT_HISTORY_VERSIONS, DEFAULT_MAX_RETRIES, DEFAULT_MEMORY_BUDGET_TOKENS, DEFAULT_MODEL, DEFAULT_RECALL_BUDGET_TOKENS, DEFAULT_REQUEST_TIMEOUT_MS } from '../core/index.js';


export { DEFAULT_EXIT_TIMEOUT_MS, DEFAULT_EXTRACT_MODEL, DEFAULT_MODEL };

/** The identity file's name in the config dir when `MEMAGENT_IDENTITY_FILE` is not set. */
export const IDENTITY_FILE_NAME = 'identity.txt';

/** Flags every command shares (commander's parsed options, before validation). */
export interface CommonFlags {
  memoryDir?: string;
  databaseUrl?: string;
  model?: string;
  user?: string;
}

/** Resolved settings. Times in ms, budgets in tokens. */
export interface Config {
  /** Absolute. `--memory-dir`, else `MEMAGENT_MEMORY_DIR` (relative to the cwd), else the user data dir. */
  memoryDir: string;
  /**
   * `--database-url`, else `MEMAGENT_DATABASE_URL`: a `postgres://` or `postgresql://` URL whose
   * database holds the memories (journals and input history stay in `memoryDir`). Undefined: files.
   */
  databaseUrl?: string;
  /** Whether `memoryDir` is the platform default (no flag, no variable): then an old `./memory` gets a hint. */
  memoryDirIsDefault: boolean;
  /** The user config dir whose `.env` main.ts loads (named in the missing-key message). */
  configDir: string;
  model: string;
  extractModel: string;
  apiKey?: string;
  baseURL?: string;
  memoryBudgetTokens: number;
  /** `MEMAGENT_RECALL_BUDGET`: tokens of memory recalled into each user message (0: automatic recall off). */
  recallBudgetTokens: number;
  exitTimeoutMs: number;
  maxRetries: number;
  requestTimeoutMs: number;
  /** Earlier versions of each memory file kept for `undo` (0 keeps none). */
  historyVersions: number;
  /** `MEMAGENT_ARCHIVE_DAYS`: kept sessions (episodic memory) older than this many days are removed. Undefined: keep all. */
  archiveDays?: number;
  /**
   * The age identity file: `MEMAGENT_IDENTITY_FILE` (relative to the cwd), else `identity.txt` in
   * the config dir. Encryption at rest is on when it exists (see identity.ts); `keygen` writes it.
   */
  identityFile: string;
  /** Whether `identityFile` was named by `MEMAGENT_IDENTITY_FILE` (then a missing file is an error, not "encryption off"). */
  identityFileExplicit: boolean;
  /** `MEMAGENT_PASSPHRASE`: unlocks a passphrase-protected identity file without asking. */
  passphrase?: string;
  /**
   * Test-only tuning from `MEMAGENT_TEST_*` variables, for the process tests: the memory lock's
   * stale time (ms, ≥ 2000) and a pause (SIGSTOP of this process) once the first memory write has
   * written its temp file. Undefined in normal use.
   */
  test?: { lockStaleMs?: number; pauseAfterTempFile?: boolean };
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
  MEMAGENT_DATABASE_URL: z.string().optional(),
  MEMAGENT_MODEL: z.string().min(1).optional(),
  MEMAGENT_EXTRACT_MODEL: z.string().min(1).optional(),
  MEMAGENT_MEMORY_BUDGET: positiveInt('MEMAGENT_MEMORY_BUDGET').optional(),
  MEMAGENT_RECALL_BUDGET: z.string().regex(/^\d+$/, 'MEMAGENT_RECALL_BUDGET must be a whole number (0 turns automatic recall off)').transform(Number).optional(),
  MEMAGENT_EXIT_TIMEOUT_MS: positiveInt('MEMAGENT_EXIT_TIMEOUT_MS').optional(),
  MEMAGENT_MAX_RETRIES: z.string().regex(/^\d+$/, 'MEMAGENT_MAX_RETRIES must be a whole number').transform(Number).optional(),
  MEMAGENT_REQUEST_TIMEOUT_MS: positiveInt('MEMAGENT_REQUEST_TIMEOUT_MS').optional(),
  MEMAGENT_IDENTITY_FILE: z.string().min(1).optional(),
  MEMAGENT_PASSPHRASE: z.string().optional(),
  MEMAGENT_HISTORY_VERSIONS: z.string().regex(/^\d+$/, 'MEMAGENT_HISTORY_VERSIONS must be a whole number').transform(Number).optional(),
  MEMAGENT_ARCHIVE_DAYS: positiveInt('MEMAGENT_ARCHIVE_DAYS').optional(),
  MEMAGENT_TEST_LOCK_STALE_MS: positiveInt('MEMAGENT_TEST_LOCK_STALE_MS').optional(),
  MEMAGENT_TEST_PAUSE_AFTER_TEMP_FILE: z.literal('1').optional(),
});

/**
 * Resolves the configuration from flags and an environment (pass `process.env`).
 * Empty environment values count as unset, as in most CLIs.
 * @throws UsageError for a malformed value (exit 2).
 */
export function resolveConfig(
  flags: CommonFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
  dirs: UserDirs = userDirs(env, process.platform, os.homedir()),
): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid environment');
  }
  const e = parsed.data;
  const databaseUrl = flags.databaseUrl ?? e.MEMAGENT_DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/./.test(databaseUrl)) {
    throw new UsageError(`${flags.databaseUrl !== undefined ? '--database-url' : 'MEMAGENT_DATABASE_URL'} must be a postgres:// URL (postgres://user:password@host:port/database)`);
  }
  return {
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    memoryDir: path.resolve(cwd, flags.memoryDir ?? e.MEMAGENT_MEMORY_DIR ?? dirs.data),
    memoryDirIsDefault: flags.memoryDir === undefined && e.MEMAGENT_MEMORY_DIR === undefined,
    configDir: dirs.config,
    model: flags.model ?? e.MEMAGENT_MODEL ?? DEFAULT_MODEL,
    extractModel: e.MEMAGENT_EXTRACT_MODEL ?? DEFAULT_EXTRACT_MODEL,
    apiKey: e.ANTHROPIC_API_KEY,
    baseURL: e.ANTHROPIC_BASE_URL,
    memoryBudgetTokens: e.MEMAGENT_MEMORY_BUDGET ?? DEFAULT_MEMORY_BUDGET_TOKENS,
    recallBudgetTokens: e.MEMAGENT_RECALL_BUDGET ?? DEFAULT_RECALL_BUDGET_TOKENS,
    exitTimeoutMs: e.MEMAGENT_EXIT_TIMEOUT_MS ?? DEFAULT_EXIT_TIMEOUT_MS,
    maxRetries: e.MEMAGENT_MAX_RETRIES ?? DEFAULT_MAX_RETRIES,
    requestTimeoutMs: e.MEMAGENT_REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS,
    historyVersions: e.MEMAGENT_HISTORY_VERSIONS ?? DEFAULT_HISTORY_VERSIONS,
    identityFile: path.resolve(cwd, e.MEMAGENT_IDENTITY_FILE ?? path.join(dirs.config, IDENTITY_FILE_NAME)),
    identityFileExplicit: e.MEMAGENT_IDENTITY_FILE !== undefined,
    ...(e.MEMAGENT_PASSPHRASE !== undefined ? { passphrase: e.MEMAGENT_PASSPHRASE } : {}),
    ...(e.MEMAGENT_ARCHIVE_DAYS !== undefined ? { archiveDays: e.MEMAGENT_ARCHIVE_DAYS } : {}),
    ...(e.MEMAGENT_TEST_LOCK_STALE_MS || e.MEMAGENT_TEST_PAUSE_AFTER_TEMP_FILE
      ? { test: { lockStaleMs: e.MEMAGENT_TEST_LOCK_STALE_MS, pauseAfterTempFile: e.MEMAGENT_TEST_PAUSE_AFTER_TEMP_FILE === '1' } }
      : {}),
  };
}

/**
 * The API key, or a ConfigError naming `ANTHROPIC_API_KEY`, `.env.example` and the config dir's `.env` (exit 1).
 */
export function requireApiKey(config: Config): string {
  if (!config.apiKey) {
    throw new ConfigError(
      `ANTHROPIC_API_KEY is not set: put it in your environment, in ${path.join(config.configDir, '.env')} or in a .env file here (see .env.example)`,
    );
  }
  return config.apiKey;
}

/**
 * The user a command works for: `--user` when given, else the OS user name (`os.userInfo()`, or
 * `osUser` in tests), so `memagent` alone opens the person's own chat.
 * @throws UsageError (exit 2, one line) for a malformed `--user`, or when there is no usable OS
 *   user name (none, or not a valid id), saying to pass `--user`.
 */
export function requireUser(user: string | undefined, osUser: () => string | undefined = osUserName): string {
  if (user !== undefined) return validateUserId(user);
  const name = osUser();
  if (name === undefined) throw new UsageError('--user <id> is required here: there is no OS user name to default to (e.g. --user alice)');
  try {
    return validateUserId(name);
  } catch {
    throw new UsageError(
      `your OS user name ${JSON.stringify(name)} is not a valid memagent user id: pass --user <id> (1-64 letters, digits, '.', '_' or '-')`,
    );
  }
}

/** `os.userInfo().username`, or undefined when the OS has none for this process (e.g. no passwd entry). */
function osUserName(): string | undefined {
  try {
    return os.userInfo().username || undefined;
  } catch {
    return undefined;
  }
}
