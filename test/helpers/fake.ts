// The in-process fake Messages API as the test files use it: one server per file (or describe
// block), its recorded requests cleared before each test, and readers for what was recorded.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeApi } from '../../src/fake-api/server.js';
import type { FakeApi, FakeApiOptions, RecordedRequest } from '../../src/fake-api/types.js';

/**
 * Starts the fake API before all tests of the enclosing scope, resets it before each and closes it
 * after all. Returns a getter, since the server only exists once `beforeAll` has run.
 */
export function useFakeApi(options?: FakeApiOptions): () => FakeApi {
  let fake: FakeApi | undefined;
  beforeAll(async () => {
    fake = await startFakeApi(options);
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => fake!.reset());
  return () => {
    if (!fake) throw new Error('useFakeApi: the fake API is not started (used outside a test?)');
    return fake;
  };
}

/** The chat (streamed, unstructured) calls to the Messages API recorded so far. */
export const chatRequests = (fake: FakeApi): RecordedRequest[] =>
  fake.requests.filter((r) => r.path === '/v1/messages' && !r.body.output_config);

/** The structured-output calls (extraction, compaction) to the Messages API recorded so far. */
export const extractRequests = (fake: FakeApi): RecordedRequest[] =>
  fake.requests.filter((r) => r.path === '/v1/messages' && r.body.output_config);

/** The system prompt of a recorded request body as one string, whether sent as a string or as blocks. */
export const systemText = (body: any): string =>
  typeof body.system === 'string' ? body.system : body.system.map((b: { text: string }) => b.text).join('\n');

/**
 * A promise the test opens by hand: pass `promise` as a fake step's `until` to hold that answer
 * until the test has done what must happen first (no guessed delays, so no races on a slow CI).
 */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
