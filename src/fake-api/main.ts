/**
 * `npm run fake-api`: run the fake Messages API until SIGINT/SIGTERM, for trying memagent by hand.
 *
 *   node dist/fake-api.js [--port N] [--default-port N] [--latency-ms N]
 *
 * The port comes from `--port`, else `FAKE_API_PORT`, else `--default-port` (`npm run fake-api`
 * passes 8787, the port `.env.example` names), else any free port (what tests use). The first line on stdout
 * is exactly `ANTHROPIC_BASE_URL=http://127.0.0.1:<port>` (scripts can read it); hints and a line
 * per request go to stderr. `--latency-ms` is the delay between text deltas, in ms.
 */
import { startFakeApi } from './server.js';

const USAGE = 'usage: fake-api [--port N] [--default-port N] [--latency-ms N]';

function fail(message: string): never {
  process.stderr.write(`fake-api: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** A non-negative integer from a flag or variable, or exit 2 naming `what`. */
function count(value: string | undefined, what: string): number {
  if (value === undefined || !/^\d+$/.test(value)) fail(`${what} needs a non-negative integer, got ${value ?? 'nothing'}`);
  return Number(value);
}

function parseArgs(argv: string[]): { port: number; latencyMs: number } {
  let port: number | undefined = process.env.FAKE_API_PORT ? count(process.env.FAKE_API_PORT, 'FAKE_API_PORT') : undefined;
  let defaultPort = 0;
  let latencyMs = 0;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--port') port = count(value(), '--port');
    else if (flag === '--default-port') defaultPort = count(value(), '--default-port');
    else if (flag === '--latency-ms') latencyMs = count(value(), '--latency-ms');
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${argv[i]}`);
  }
  port ??= defaultPort;
  if (port > 65535) fail(`--port must be at most 65535, got ${port}`);
  return { port, latencyMs };
}

const { port, latencyMs } = parseArgs(process.argv.slice(2));
const fake = await startFakeApi({
  port,
  chunkDelayMs: latencyMs,
  log: (line) => process.stderr.write(`fake-api: ${line}\n`),
}).catch((error: unknown) => {
  const code = (error as { code?: string }).code;
  const why = code === 'EADDRINUSE' ? 'the port is in use' : error instanceof Error ? error.message : String(error);
  process.stderr.write(`fake-api: cannot listen on 127.0.0.1:${port}: ${why}\n`);
  process.exit(1);
});

process.stdout.write(`ANTHROPIC_BASE_URL=${fake.url}\n`);
process.stderr.write(
  [
    `fake-api: listening on ${fake.url}; also set ANTHROPIC_API_KEY=fake-key (any non-empty key works).`,
    'fake-api: say "markdown", "long 500", "what do you know", or [[fault:529|429|500|401|cut|stream-error]]. Ctrl+C stops.',
    'fake-api: memory tools: "remember that …", "search memory for …", "correct <id>: …", "forget <id> because …", [[tool:<name> {json}]].',
  ].join('\n') + '\n',
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    void fake.close().then(() => process.exit(0));
  });
}
