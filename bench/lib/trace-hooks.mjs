// Module loader hooks (registered by trace-preload.mjs): appends every URL the ES module loader
// loads to the file passed in `data.out`.
import { appendFileSync } from 'node:fs';

let out;
export function initialize(data) {
  out = data.out;
}
export async function load(url, context, next) {
  const result = await next(url, context);
  appendFileSync(out, `esm ${url}\n`);
  return result;
}
