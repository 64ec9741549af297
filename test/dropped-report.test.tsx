// Issue 16, "a dropped item is never silently lost": every item grounding did not keep is listed
// with its quote in the exit report (REPL and pipe mode), and `--review` can keep it anyway.
// The real SDK against the fake API, a real file store in a temp dir, Ink through
// ink-testing-library.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { describeChanges, describeSave } from '../src/core/describe-changes.js';
import { extractPending } from '../src/core/extraction.js';
import { createModelClient } from '../src/core/model.js';
import type { ReviewItem } from '../src/core/review.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { ExitReport } from '../src/ui/ExitReport.js';
import { ReviewPrompt } from '../src/ui/ReviewPrompt.js';
import { useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();
const AT = '2026-03-01T10:00:00.000Z';
const ZURICH = "not kept: 'Lives in Zürich' — quote not found in your words";

/** A store with `alice`'s pending journal of one session in which she never mentioned Zürich. */
async function storeWithSession(): Promise<FileMemoryStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-notkept-'));
  const store = new FileMemoryStore({ dir: path.join(dir, 'memory') });
  const journal = await store.journals.open({ userId: 'alice', sessionId: '20260301T100000Z-dddddd', model: 'm', now: new Date(AT) });
  journal.append({ type: 'turn', role: 'user', text: "I'm allergic to shellfish! We moved last spring.", at: AT });
  journal.append({ type: 'turn', role: 'assistant', text: 'Noted. Where to?', at: AT });
  await journal.close();
  return store;
}

/** The extraction model proposes one faithful item, one invented quote and one invented decision. */
function scriptExtraction() {
  fake().enqueue({
    kind: 'json',
    match: 'extract',
    value: {
      summary: 'Alice is allergic to shellfish.',
      add: [
        { text: 'Allergic to shellfish', kind: 'constraint', confidence: 'high', quote: "I'm allergic to shellfish" },
        { text: 'Lives in Zürich', kind: 'fact', confidence: 'medium', quote: 'I live in Zürich now' },
      ],
      update: [],
      supersede: [],
      retract: [],
      decisions: [{ topic: 'move', decision: 'Moves to Bern next Friday', quote: 'we decided on Bern' }],
    },
  });
}

const deps = (store: FileMemoryStore, review?: (items: ReviewItem[]) => Promise<boolean[]>) => ({
  store,
  model: createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 }),
  extractModel: 'claude-haiku-5-5',
  now: () => new Date(),
  review,
});

describe('the exit report lists each proposed item that was not kept, with why', () => {
  it('pipe mode and the REPL: one "not kept" line per dropped item, after what was saved', async () => {
    const store = await storeWithSession();
    scriptExtraction();
    const [outcome] = await extractPending(deps(store), 'alice');
    expect((await store.load('alice')).memory.facts.map((f) => f.text)).toEqual(['Allergic to shellfish']);
    const bern = "not kept: 'move: Moves to Bern next Friday' — quote not found in your words";
    const pipe = describeChanges(outcome);
    expect(pipe.slice(0, 3)).toEqual(['+ Allergic to shellfish', ZURICH, bern]);
    expect(pipe[3]).toMatch(/^Memory saved: \+1 added/);
    // Listed one by one, so no bare count of "dropped" items is left to puzzle over.
    expect(pipe[3]).not.toMatch(/dropped/);

    const repl = describeSave({ kind: 'saved', outcome }).map((l) => l.text);
    expect(repl).toEqual(expect.arrayContaining([ZURICH, bern]));
    const ui = render(<ExitReport report={{ kind: 'saved', outcome }} />);
    expect(ui.lastFrame()).toContain(ZURICH);
    ui.unmount();
  });

  it('--review offers a dropped item last, and keeping it anyway stores it and stops listing it', async () => {
    const store = await storeWithSession();
    scriptExtraction();
    let asked: ReviewItem[] = [];
    // Keep everything offered except the invented decision.
    const [outcome] = await extractPending(
      deps(store, async (items) => {
        asked = items;
        return items.map((item) => !item.text.includes('Bern'));
      }),
      'alice',
    );
    expect(asked.map((i) => [i.text, Boolean(i.dropped)])).toEqual([
      ['+ Allergic to shellfish', false],
      ['~ summary: Alice is allergic to shellfish.', false],
      [ZURICH, true],
      ["not kept: 'move: Moves to Bern next Friday' — quote not found in your words", true],
    ]);
    const { memory } = await store.load('alice');
    expect(memory.facts.map((f) => [f.text, f.kind, f.confidence, f.source.quote])).toEqual([
      ['Allergic to shellfish', 'constraint', 'high', "I'm allergic to shellfish"],
      ['Lives in Zürich', 'fact', 'medium', 'I live in Zürich now'],
    ]);
    expect(memory.decisions).toEqual([]);
    expect(outcome.dropped?.map((d) => d.text)).toEqual(['move: Moves to Bern next Friday']);
    expect(describeChanges(outcome)).toContain('+ Lives in Zürich');
  });
});

describe('ReviewPrompt with items that were not kept', () => {
  const items: ReviewItem[] = [
    { text: '+ Allergic to shellfish', op: { list: 'add', index: 0 } },
    { text: ZURICH, op: { list: 'add', index: 0 }, dropped: true },
    { text: "not kept: 'Likes Parma' — quote not found in your words", op: { list: 'add', index: 1 }, dropped: true },
  ];
  const flush = () => new Promise((r) => setTimeout(r, 20));

  async function answer(keys: string[]): Promise<{ accepted: boolean[]; frames: string }> {
    let accepted: boolean[] | null = null;
    const ui = render(<ReviewPrompt items={items} onDone={(a) => (accepted = a)} />);
    await flush();
    let frames = ui.lastFrame() ?? '';
    for (const k of keys) {
      ui.stdin.write(k);
      await flush();
      frames += `\n${ui.lastFrame() ?? ''}`;
    }
    ui.unmount();
    if (accepted === null) throw new Error(`not done after ${JSON.stringify(keys)}:\n${frames}`);
    return { accepted, frames };
  }

  it('Enter keeps a proposed change but not a dropped one; only y keeps a dropped item', async () => {
    const { accepted, frames } = await answer(['\r', '\r', 'y']);
    expect(accepted).toEqual([true, false, true]);
    expect(frames).toContain('Review what to remember (3 proposed changes, 2 of them not kept for now):');
    expect(frames).toContain('Keep it anyway? [y]es · [N]o');
  });

  it('"all the rest" keeps the proposed changes and leaves the dropped ones out', async () => {
    expect((await answer(['a'])).accepted).toEqual([true, false, false]);
  });
});
