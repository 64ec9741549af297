/**
 * Streaming baseline: the least a client can do with the SDK. For each line on stdin it streams
 * one answer with `client.messages.stream` and writes each text delta straight to stdout, then a
 * newline (the same output as `memagent chat` in pipe mode); exits at end of input. Bundled by
 * esbuild like the CLI, so the two start and run the same kind of code.
 *   ANTHROPIC_BASE_URL=… node sdk-stream.js < prompts.txt
 */
import readline from 'node:readline';
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY ?? 'bench-key', baseURL: process.env.ANTHROPIC_BASE_URL, maxRetries: 0 });
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
for await (const line of rl) {
  if (!line.trim()) continue;
  const stream = client.messages.stream({
    model: process.env.MEMAGENT_MODEL ?? 'claude-sonnet-5-5',
    max_tokens: 8192,
    system: 'You are a helpful assistant.',
    messages: [{ role: 'user', content: line }],
  });
  stream.on('text', (delta) => process.stdout.write(delta));
  await stream.finalMessage();
  process.stdout.write('\n');
}
