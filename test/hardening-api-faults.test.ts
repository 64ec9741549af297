// Issue 5, API faults: what the user sees when the Messages API misbehaves, and that the session
// goes on and nothing typed is lost. The built CLI in pipe mode against the fake API, except the
// retry timing, which is the model adapter's and is checked in-process.
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModelClient, type ModelEvent } from '../src/core/model.js';
import { startFakeApi } from '../src/fake-api/server.js';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { chatRequests, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

const workspace = (extra: Record<string, string> = {}, baseURL = fake().url) => apiWorkspace(baseURL, extra);

/** stderr lines that report a problem (not progress: retries, "saving memory…", the saved diff). */
function problemLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('memagent: ') && !/retrying \(attempt|saving memory/.test(l));
}

async function journalTurns(memoryDir: string, user: string) {
  const dir = path.join(memoryDir, 'journal', user);
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.jsonl'));
  expect(names).toHaveLength(1);
  const lines = (await fs.readFile(path.join(dir, names[0]), 'utf8')).split('\n').filter(Boolean);
  return lines.map((l) => JSON.parse(l)).filter((l) => l.type === 'turn');
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('retries (model adapter, real SDK)', () => {
  it('a 429 is retried after the retry-after the API asked for', async () => {
    // retryAfterMs 0: only `retry-after: 1` (seconds) is sent, as the real API does.
    fake().enqueue(
      { kind: 'error', status: 429, type: 'rate_limit_error', message: 'Rate limited', retryAfter: 1, retryAfterMs: 0 },
      { kind: 'text', text: 'after the wait' },
    );
    const events: ModelEvent[] = [];
    const client = createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 2 });
    const result = await client.streamChat(
      { model: 'claude-sonnet-5-5', system: 's', messages: [{ role: 'user', content: 'hi' }], maxTokens: 100 },
      (e) => events.push(e),
    );
    expect(result.text).toBe('after the wait');
    expect(events).toContainEqual({ type: 'retry', attempt: 1, reason: 'rate limited (429)' });
    expect(fake().requests).toHaveLength(2);
    expect(fake().requests[1].at - fake().requests[0].at).toBeGreaterThanOrEqual(950);
  });

  it.each([500, 502, 503, 529])('a %i is retried and the answer arrives', async (status) => {
    fake().enqueue(
      { kind: 'error', status, type: status === 529 ? 'overloaded_error' : 'api_error', message: 'try later' },
      { kind: 'text', text: 'recovered' },
    );
    const client = createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 1 });
    const result = await client.streamChat(
      { model: 'claude-sonnet-5-5', system: 's', messages: [{ role: 'user', content: 'hi' }], maxTokens: 100 },
      () => {},
    );
    expect(result.text).toBe('recovered');
    expect(fake().requests).toHaveLength(2);
  });
});

describe('a failed turn is one clear line and the session goes on (pipe mode)', () => {
  it.each([
    ['a cut connection', { kind: 'cut' as const, afterText: 'The first half of an answer' }, /broke off: the connection to the API was lost/],
    ['a mid-stream error event', { kind: 'stream-error' as const, afterText: 'The first half of an answer' }, /broke off: .*Overloaded/],
  ])('%s: the partial answer is shown, the next line is answered, the partial is never resent as complete', async (_name, step, says) => {
    const ws = await workspace({ MEMAGENT_MAX_RETRIES: '0' });
    fake().enqueue({ match: 'chat', ...step });
    const r = await runCli(['chat', '--user', 'cut'], { ...ws, input: 'tell me a story\nand then?\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('The first half of an answer\n');
    expect(r.stdout).toContain('You said: "and then?"');
    const problems = problemLines(r.stderr);
    expect(problems, r.stderr).toHaveLength(1);
    expect(problems[0]).toMatch(says);
    // The next request carries the cut answer only as marked, never as if it were whole.
    const [, second] = chatRequests(fake());
    const messages = second.body.messages as Array<{ role: string; content: string }>;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[1].content).not.toBe('The first half of an answer');
    expect(messages[1].content).toMatch(/^The first half of an answer[\s\S]*\[interrupted/);
    // The journal kept it flagged, so the extraction is told it was cut.
    const extract = fake().requests.find((q) => q.body?.output_config)!;
    expect(extract.body.messages[0].content).toContain('[assistant] The first half of an answer [answer interrupted]');
  });

  it('a request that times out: one line saying so, and the next line is answered', async () => {
    const ws = await workspace({ MEMAGENT_REQUEST_TIMEOUT_MS: '300', MEMAGENT_MAX_RETRIES: '1' });
    fake().enqueue({ match: 'chat', kind: 'hang' }, { match: 'chat', kind: 'hang' });
    const started = Date.now();
    const r = await runCli(['chat', '--user', 'slow'], { ...ws, input: 'are you there\nhello?\n' });
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000); // the SDK's own timeout would be 10 minutes
    const problems = problemLines(r.stderr);
    expect(problems, r.stderr).toHaveLength(1);
    expect(problems[0]).toMatch(/did not answer in time/);
    expect(r.stdout).toContain('You said: "hello?"');
    // The failed turn is not sent again as if answered: the second request starts afresh.
    const last = chatRequests(fake()).at(-1)!;
    expect(last.body.messages.map((m: { content: string }) => m.content)).toEqual(['hello?']);
    // Saved at exit: with nothing learned, that is one line saying the memory is unchanged.
    expect(r.stderr).toMatch(/Memory saved|Nothing new to remember; memory unchanged/);
  });

  it('connection refused: one line per turn naming the URL; at exit the journal is kept for next time', async () => {
    const port = await closedPort();
    const ws = await workspace({ MEMAGENT_MAX_RETRIES: '0' }, `http://127.0.0.1:${port}`);
    const r = await runCli(['chat', '--user', 'offline'], { ...ws, input: 'I live in Nowhere.\nanyone?\n' });
    expect(r.code).toBe(1);
    const problems = problemLines(r.stderr);
    expect(problems, r.stderr).toHaveLength(3); // two turns, then the save
    expect(problems[0]).toMatch(new RegExp(`could not reach http://127\\.0\\.0\\.1:${port}.*ECONNREFUSED.*ANTHROPIC_BASE_URL`));
    expect(problems[2]).toMatch(/will be saved next time/);
    const turns = await journalTurns(ws.memoryDir, 'offline');
    expect(turns.map((t) => t.text)).toEqual(['I live in Nowhere.', 'anyone?']);
  });

  it('a host that does not resolve (DNS failure): one line saying so and what to do, no stack, the line kept in the journal', async () => {
    // .invalid never resolves (RFC 2606). Not port 9: fetch refuses it outright ("bad port") before any lookup.
    const url = 'http://no-such-host.invalid:8080';
    const ws = await workspace({ MEMAGENT_MAX_RETRIES: '0' }, url);
    const r = await runCli(['chat', '--user', 'nodns'], { ...ws, input: 'I live in Nowhere.\n' });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const problems = problemLines(r.stderr);
    expect(problems, r.stderr).toHaveLength(2); // the turn, then the save at exit
    expect(problems[0]).toMatch(/could not reach http:\/\/no-such-host\.invalid:8080.*(ENOTFOUND|EAI_AGAIN).*check your network or ANTHROPIC_BASE_URL/);
    expect(problems[1]).toMatch(/could not save memory now .*will be saved next time/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/TypeError|APIConnectionError|node:internal/);
    const turns = await journalTurns(ws.memoryDir, 'nodns');
    expect(turns.map((t) => [t.role, t.text])).toEqual([['user', 'I live in Nowhere.']]);
  });

  it('a 400 invalid_request_error: the API message and the model in one line, and the next line is answered', async () => {
    const ws = await workspace({ MEMAGENT_MAX_RETRIES: '2' });
    fake().enqueue({ match: 'chat', kind: 'error', status: 400, type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' });
    const r = await runCli(['chat', '--user', 'badreq'], { ...ws, input: 'first try\nsecond try\n' });
    expect(r.code).toBe(1);
    const problems = problemLines(r.stderr);
    expect(problems, r.stderr).toHaveLength(1);
    expect(problems[0]).toContain('messages: text content blocks must be non-empty');
    expect(problems[0]).toContain('"claude-sonnet-5-5"');
    expect(r.stderr).not.toContain('retrying'); // a 400 is not retried
    expect(r.stdout).toContain('You said: "second try"');
    // The refused turn is not resent: the next request starts afresh.
    const chats = chatRequests(fake());
    expect(chats).toHaveLength(2);
    expect(chats[1].body.messages.map((m: { content: string }) => m.content)).toEqual(['second try']);
    // Saved at exit: with nothing learned, that is one line saying the memory is unchanged.
    expect(r.stderr).toMatch(/Memory saved|Nothing new to remember; memory unchanged/);
  });

  it('an unknown model (--model gpt-nope): the API message and the model asked for, in one line', async () => {
    const ws = await workspace();
    const r = await runCli(['chat', '--user', 'nope', '--model', 'gpt-nope'], { ...ws, input: 'hi\n' });
    expect(r.code).toBe(1);
    const problems = problemLines(r.stderr);
    expect(problems, r.stderr).toHaveLength(1);
    expect(problems[0]).toContain('model: gpt-nope'); // the API's own message
    expect(problems[0]).toContain('"gpt-nope"'); // and the model memagent asked for
    expect(problems[0]).toMatch(/--model|MEMAGENT_MODEL/);
  });
});

describe('the extraction at exit failing never blocks exit for long and never loses the session', () => {
  it.each([
    ['overloaded after retries', [{ match: 'extract' as const, kind: 'error' as const, status: 529, type: 'overloaded_error' as const, message: 'Overloaded' }]],
    ['a 500', [{ match: 'extract' as const, kind: 'error' as const, status: 500, type: 'api_error' as const, message: 'boom' }]],
    ['a cut answer', [{ match: 'extract' as const, kind: 'cut' as const, afterText: '{"summary":' }]],
    ['a hang (exit deadline 1.5 s)', [{ match: 'extract' as const, kind: 'hang' as const }]],
  ])('%s', async (_name, steps) => {
    const ws = await workspace({ MEMAGENT_MAX_RETRIES: '0', MEMAGENT_EXIT_TIMEOUT_MS: '1500' });
    fake().enqueue(...steps);
    const started = Date.now();
    const r = await runCli(['chat', '--user', 'exitfail'], { ...ws, input: 'I live in Keepsake.\n' });
    // Not saved: exit 1, so a script can tell (the journal is kept for the next run).
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(1500 + 8000);
    expect(r.stderr).toMatch(/could not save memory now .*will be saved next time/);
    await expect(fs.stat(path.join(ws.memoryDir, 'exitfail.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await journalTurns(ws.memoryDir, 'exitfail'))[0].text).toBe('I live in Keepsake.');
  });

  it('the API going away before the save: connection refused at exit, journal kept, recovered next run', async () => {
    const own = await startFakeApi();
    const ws = await workspace({ MEMAGENT_MAX_RETRIES: '0' }, own.url);
    const child = startCli(['chat', '--user', 'gone'], ws);
    const done = collect(child, null, 20_000);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stdin!.write('I live in Vanishing.\n');
    await waitFor(() => out, (o) => o.includes('You said'), 20_000);
    await own.close();
    child.stdin!.end();
    const r = await done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/could not save memory now \(could not reach .*\).*will be saved next time/);
    expect((await journalTurns(ws.memoryDir, 'gone'))[0].text).toBe('I live in Vanishing.');

    const next = await runCli(['chat', '--user', 'gone'], { ...ws, env: { ...ws.env, ANTHROPIC_BASE_URL: fake().url }, input: 'back\n' });
    expect(next.stderr).toMatch(/saved 1 earlier session/);
    const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'gone.json'), 'utf8'));
    expect(file.facts.map((f: { text: string }) => f.text).join('\n')).toMatch(/Vanishing/);
  });
});
