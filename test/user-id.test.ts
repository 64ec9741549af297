import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { validateUserId } from '../src/core/user-id.js';

describe('validateUserId', () => {
  it.each(['alice', 'Bob.smith_2', 'a', '7', 'x-y', 'a'.repeat(64), 'console', 'com10', 'lpt0', 'nulls'])('accepts %j', (id) => {
    expect(validateUserId(id)).toBe(id);
  });

  it.each([
    ['../x'],
    ['a/b'],
    ['a\\b'],
    [''],
    ['a'.repeat(65)],
    ['a'.repeat(300)],
    ['a\0b'],
    ['con'],
    ['CON'],
    ['nul.json'],
    ['con.txt'],
    ['com1'],
    ['LPT9.log'],
    ['aux'],
    ['prn'],
    ['..'],
    ['a..b'],
    ['.hidden'],
    ['-dash'],
    ['_under'],
    ['sp ace'],
    ['é'],
    ['a\nb'],
  ])('refuses %j with a one-line UsageError', (id) => {
    let error: unknown;
    try {
      validateUserId(id);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as UsageError).message;
    expect(message).toMatch(/letters, digits/);
    expect(message).not.toContain('\n');
    expect((error as UsageError).exitCode).toBe(2);
  });
});
