import { describe, expect, it } from 'vitest';
import type { AttachedRecall } from '../src/core/recall/auto-recall.js';
import { chooseRecall } from '../src/core/recall/recall.js';
import { parseInput, type CommandContext } from '../src/ui/slash-commands.js';

async function recallCommand(lastRecall: AttachedRecall | null, recallBudgetTokens?: number): Promise<string[]> {
  const ctx = { session: { lastRecall, options: { recallBudgetTokens } }, memoryView: () => '' } as unknown as CommandContext;
  const parsed = parseInput('/recall');
  if (parsed.kind !== 'command') throw new Error('/recall is not a command');
  return (await parsed.command.run('', ctx)).lines.map((l) => l.text);
}

describe('/recall', () => {
  it('shows each memory attached to the last message, as the model got it', async () => {
    const base = { kind: 'fact' as const, status: 'active' as const, sessionId: 's1', inMemoryFile: false, confidence: 'high' as const };
    const block = chooseRecall(
      [
        { ...base, id: 'f_tea', text: 'Prefers green tea', date: '2026-03-02T10:00:00.000Z', score: 3 },
        { ...base, id: 's1:0', kind: 'turn', role: 'user', text: 'the pricing page needs a toggle', date: '2026-01-05T10:00:00.000Z', score: 2 },
      ],
      { inCore: new Set(), budgetTokens: 500 },
    )!;
    expect(await recallCommand({ ...block, at: '2026-04-01T00:00:00.000Z' })).toEqual([
      `Recalled for your last message (2 memories, ~${block.tokens} tokens):`,
      '  - [2026-03-02] Prefers green tea',
      '  - [2026-01-05] you said: the pricing page needs a toggle',
    ]);
  });

  it('says when nothing was recalled, and when recall is off', async () => {
    expect(await recallCommand(null, 500)).toEqual(['Nothing was recalled for your last message.']);
    expect(await recallCommand(null, 0)).toEqual(['Automatic recall is off (MEMAGENT_RECALL_BUDGET=0).']);
  });
});
