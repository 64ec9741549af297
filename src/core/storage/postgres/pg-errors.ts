/**
 * What memagent says when PostgreSQL refuses: pg's errors (server codes, socket errors) turned
 * into one-line `ConfigError`s saying what to do, and the database named for people without its
 * password. Pure.
 */
import { ConfigError, MemagentError } from '../../errors.js';

/**
 * The database cannot be reached right now (refused, unreachable, not resolving, not answering,
 * starting up): nothing about the configuration is known to be wrong, so `chat` goes on without
 * memory and keeps its session locally for the next run. Other commands fail with it (exit 1).
 */
export class DatabaseUnavailableError extends ConfigError {}

/**
 * `PostgreSQL database <db> on <host>:<port>` from a connection URL; the password never appears.
 * A URL that does not parse is named as `the PostgreSQL database in MEMAGENT_DATABASE_URL`.
 */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `PostgreSQL database ${db} on ${host}:${u.port || '5432'}`;
  } catch {
    return 'the PostgreSQL database in MEMAGENT_DATABASE_URL';
  }
}

/**
 * `err` as memagent reports it: our own errors unchanged; a pg or socket error whose cause the
 * user can fix as a one-line ConfigError naming `where` and what to do; anything else as a
 * MemagentError with pg's (single-line) message. Never includes the password.
 */
export function translatePgError(err: unknown, where: string): Error {
  if (err instanceof MemagentError) return err;
  const e = err as { code?: string; message?: string };
  const message = String(e?.message ?? err).split('\n')[0];
  switch (e?.code) {
    case '28P01':
      return new ConfigError(`${where}: password authentication failed; check the user and password in MEMAGENT_DATABASE_URL`);
    case '28000':
      return new ConfigError(`${where}: the server refused this user (${message}); check the user in MEMAGENT_DATABASE_URL and the server's pg_hba.conf`);
    case '3D000':
      return new ConfigError(`${where}: the database does not exist; create it (createdb <name>) or fix the name in MEMAGENT_DATABASE_URL`);
    case '42501':
      return new ConfigError(`${where}: permission denied (${message}); grant this user CREATE and USAGE on the database's public schema, or use its owner`);
    case 'ECONNREFUSED':
      return new DatabaseUnavailableError(`${where}: connection refused; is the server running and listening there? (check the host and port in MEMAGENT_DATABASE_URL)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DatabaseUnavailableError(`${where}: the host name does not resolve; check the host in MEMAGENT_DATABASE_URL`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DatabaseUnavailableError(`${where}: the server cannot be reached (${e.code}); check the host, the network and any firewall`);
    case '57P03': // the server is starting up or shutting down
      return new DatabaseUnavailableError(`${where}: the server is starting up or shutting down; try again in a moment`);
    case 'ECONNRESET':
    case '57P01': // the server ended this connection (admin shutdown, pg_terminate_backend)
    case '57P02':
      return new MemagentError(`${where}: the connection was lost mid-operation (nothing was written by it); try again`);
    default:
      if (/timeout exceeded when trying to connect/i.test(message)) {
        return new DatabaseUnavailableError(`${where}: the server did not answer in time; check that it is running and reachable`);
      }
      if (/Connection terminated/i.test(message)) {
        return new MemagentError(`${where}: the connection was lost mid-operation (nothing was written by it); try again`);
      }
      return new MemagentError(`${where}: ${message}`);
  }
}
