// The pure parts of where memory lives, the default user, one-shot prompts and user suggestions.
import { describe, expect, it } from 'vitest';
import { suggestUser } from '../src/cli/commands/show.js';
import { requireUser } from '../src/cli/config.js';
import { oneShotPrompt } from '../src/cli/one-shot.js';
import { userDirs } from '../src/cli/user-dirs.js';

describe('userDirs', () => {
  it('Linux: XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME when absolute, else ~/.local/share, ~/.config and ~/.cache', () => {
    expect(userDirs({}, 'linux', '/home/al')).toEqual({ data: '/home/al/.local/share/memagent', config: '/home/al/.config/memagent', cache: '/home/al/.cache/memagent' });
    expect(userDirs({ XDG_DATA_HOME: '/d', XDG_CONFIG_HOME: '/c', XDG_CACHE_HOME: '/k' }, 'linux', '/home/al')).toEqual({ data: '/d/memagent', config: '/c/memagent', cache: '/k/memagent' });
    expect(userDirs({ XDG_DATA_HOME: 'rel', XDG_CONFIG_HOME: '', XDG_CACHE_HOME: 'rel' }, 'freebsd', '/home/al')).toEqual({
      data: '/home/al/.local/share/memagent',
      config: '/home/al/.config/memagent',
      cache: '/home/al/.cache/memagent',
    });
  });

  it('macOS: Application Support, Preferences and Caches under ~/Library, whatever XDG says', () => {
    expect(userDirs({ XDG_DATA_HOME: '/d', XDG_CACHE_HOME: '/k' }, 'darwin', '/Users/al')).toEqual({
      data: '/Users/al/Library/Application Support/memagent',
      config: '/Users/al/Library/Preferences/memagent',
      cache: '/Users/al/Library/Caches/memagent',
    });
  });

  it('Windows: %LOCALAPPDATA%\\memagent\\Data and \\Cache, %APPDATA%\\memagent\\Config, with the usual fallbacks', () => {
    expect(userDirs({ LOCALAPPDATA: 'C:\\Users\\al\\AppData\\Local', APPDATA: 'C:\\Users\\al\\AppData\\Roaming' }, 'win32', 'C:\\Users\\al')).toEqual({
      data: 'C:\\Users\\al\\AppData\\Local\\memagent\\Data',
      config: 'C:\\Users\\al\\AppData\\Roaming\\memagent\\Config',
      cache: 'C:\\Users\\al\\AppData\\Local\\memagent\\Cache',
    });
    expect(userDirs({}, 'win32', 'C:\\Users\\al').data).toBe('C:\\Users\\al\\AppData\\Local\\memagent\\Data');
  });
});

describe('requireUser', () => {
  it('--user wins; without it the OS user name is the user', () => {
    expect(requireUser('alice', () => 'root')).toBe('alice');
    expect(requireUser(undefined, () => 'al.smith')).toBe('al.smith');
  });

  it('an OS user name that is not a valid id, or none, is one line saying to pass --user', () => {
    expect(() => requireUser(undefined, () => 'Al Smith')).toThrow(/^your OS user name "Al Smith" is not a valid memagent user id: pass --user <id>/);
    expect(() => requireUser(undefined, () => undefined)).toThrow(/--user <id> is required/);
    expect(() => requireUser('../x', () => 'root')).toThrow(/invalid user id/);
  });
});

describe('oneShotPrompt', () => {
  it('without piped text, the question alone; blank piped text counts as none', () => {
    expect(oneShotPrompt('hi', null)).toBe('hi');
    expect(oneShotPrompt('hi', ' \n\n')).toBe('hi');
  });

  it('piped text goes first in a fence longer than any backtick run in it', () => {
    expect(oneShotPrompt('review this', 'a\nb\n')).toBe('```\na\nb\n```\n\nreview this');
    expect(oneShotPrompt('q', 'x ```` y')).toBe('`````\nx ```` y\n`````\n\nq');
  });
});

describe('suggestUser', () => {
  it('the same id in another case first, then one letter off; nothing for ids unlike any', () => {
    expect(suggestUser('Alice', ['alice', 'bob'])).toBe('alice');
    expect(suggestUser('alcie', ['alice'])).toBe(null); // two letters swapped is two edits
    expect(suggestUser('alie', ['alice'])).toBe('alice');
    expect(suggestUser('bobb', ['alice', 'bob'])).toBe('bob');
    expect(suggestUser('zed', ['alice', 'bob'])).toBe(null);
    expect(suggestUser('al', ['ab'])).toBe(null); // too short to guess
  });
});
