// The LoCoMo bench (bench/locomo.mjs) on a tiny made-up conversation in LoCoMo's shape: the
// harness drives the built CLI, plays the perfect extractor by session content, and judges each
// question from what the model received. The real data set is never read here.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = path.join(ROOT, 'bench', 'locomo.mjs');

/** A two-person conversation of three sessions, its observations and four questions (one of category 5). */
function dataset(dates: [string, string, string]) {
  return [
    {
      sample_id: 'made-up-1',
      conversation: {
        speaker_a: 'Ana',
        speaker_b: 'Bo',
        session_1_date_time: dates[0],
        session_1: [
          { speaker: 'Ana', dia_id: 'D1:1', text: 'Hi Bo, long time no see!' },
          { speaker: 'Ana', dia_id: 'D1:2', text: 'I keep my bees on the roof of my building now, three hives.' },
          { speaker: 'Bo', dia_id: 'D1:3', text: 'Bees on a roof, that is brave.' },
        ],
        session_2_date_time: dates[1],
        session_2: [
          { speaker: 'Bo', dia_id: 'D2:1', text: 'Guess what, I started cello lessons with a teacher from Porto.' },
          { speaker: 'Ana', dia_id: 'D2:2', text: 'A cello! How are the lessons going?' },
        ],
        session_3_date_time: dates[2],
        session_3: [
          { speaker: 'Ana', dia_id: 'D3:1', text: 'The honey harvest was small this year.' },
          { speaker: 'Bo', dia_id: 'D3:2', text: 'Sorry to hear that about the harvest.' },
        ],
      },
      observation: {
        session_1_observation: { Ana: [['Ana keeps three beehives on the roof of her building.', 'D1:2']], Bo: [] },
        session_2_observation: { Bo: [['Bo takes cello lessons from a teacher who is from Porto.', 'D2:1']] },
        session_3_observation: {},
      },
      session_summary: { session_1_summary: 'Ana and Bo caught up.', session_2_summary: 'Bo talked about music.', session_3_summary: '' },
      qa: [
        { question: 'Where does Ana keep her beehives?', answer: 'On her roof', evidence: ['D1:2'], category: 4 },
        { question: 'Who teaches Bo the cello?', answer: 'A teacher from Porto', evidence: ['D2:1'], category: 1 },
        { question: 'How was the honey harvest this year?', answer: 'Small', evidence: ['D3:1'], category: 4 },
        { question: 'What colour is the cello?', answer: 'unknown', evidence: [], category: 5 },
      ],
    },
  ];
}

interface Outcome {
  q: string;
  ceiling: boolean;
  inContext: boolean;
  stored: boolean;
  memoryTokens: number;
}

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function runBench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: ROOT, timeout: 170_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function benchOn(data: unknown, driver: 'pipe' | 'import'): Promise<{ stdout: string; outcomes: Outcome[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-locomo-test-'));
  dirs.push(dir);
  const file = path.join(dir, 'locomo-shaped.json');
  const details = path.join(dir, 'details.json');
  await fs.writeFile(file, JSON.stringify(data));
  const r = await runBench([file, '--driver', driver, '--convs', '0', '--no-write', '--cli-sample', '1', '--details', details]);
  expect(r.stderr).not.toMatch(/exit [1-9]|unmatched extraction requests, [1-9]/);
  expect(r.code).toBe(0);
  return { stdout: r.stdout, outcomes: JSON.parse(await fs.readFile(details, 'utf8')) as Outcome[] };
}

describe('bench/locomo.mjs', () => {
  it('says it skipped, and exits 0, when the data set is not where the path says', async () => {
    const r = await runBench([path.join(os.tmpdir(), 'no-such-locomo.json'), '--no-write']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skipped: the LoCoMo data set is not at/);
  });

  it('finds the perfectly extracted observations in what the model received, and leaves questions without one outside the ceiling', { timeout: 180_000 }, async () => {
    const { stdout, outcomes } = await benchOn(dataset(['1:56 pm on 8 May, 2023', '10:00 am on 20 May, 2023', '9:15 pm on 2 June, 2023']), 'pipe');
    // Category 5 is left out: three questions.
    expect(outcomes.map((o) => o.q)).toEqual(['Where does Ana keep her beehives?', 'Who teaches Bo the cello?', 'How was the honey harvest this year?']);
    const [bees, cello, harvest] = outcomes;
    expect(bees).toMatchObject({ ceiling: true, inContext: true, stored: true });
    expect(cello).toMatchObject({ ceiling: true, inContext: true, stored: true });
    expect(harvest).toMatchObject({ ceiling: false, inContext: false, stored: false });
    expect(bees.memoryTokens).toBeGreaterThan(0);
    // Two of three questions: the ceiling, in context and archive recall alike.
    expect(stdout).toMatch(/\| made-up-1 \| 3 \| 3 \| 66\.7% \| \*\*66\.7%\*\* \|/);
  });

  it('answers each imported session with its own observations even when the sessions are dated out of order', { timeout: 180_000 }, async () => {
    // Session 2 is dated first, so import extracts it first: matching by order would swap the answers.
    const { outcomes } = await benchOn(dataset(['1:56 pm on 8 June, 2023', '10:00 am on 20 May, 2023', '9:15 pm on 2 July, 2023']), 'import');
    expect(outcomes.filter((o) => o.stored).map((o) => o.q)).toEqual(['Where does Ana keep her beehives?', 'Who teaches Bo the cello?']);
    expect(outcomes.filter((o) => o.inContext).map((o) => o.q)).toEqual(['Where does Ana keep her beehives?', 'Who teaches Bo the cello?']);
  });
});
