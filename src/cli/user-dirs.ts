/**
 * Where memagent keeps a person's things when nothing says otherwise: the platform's user data dir
 * (memory files, journals, history), user config dir (an optional `.env`) and user cache dir. The same rules as the
 * `env-paths` package (not used: its current major pulls in a dependency for two paths), written
 * as a pure function of the environment so tests can pass any platform.
 */
import path from 'node:path';

/** The app's directory name under the platform dirs. */
export const APP_DIR_NAME = 'memagent';

/** Absolute paths; neither is created here. */
export interface UserDirs {
  /** Memory files, journals, history: `$XDG_DATA_HOME/memagent` (Linux), `~/Library/Application Support/memagent`, `%LOCALAPPDATA%\memagent\Data`. */
  data: string;
  /** An optional `.env`: `$XDG_CONFIG_HOME/memagent` (Linux), `~/Library/Preferences/memagent`, `%APPDATA%\memagent\Config`. */
  config: string;
  /** Files that only make things faster and may be deleted any time (V8's code cache): `$XDG_CACHE_HOME/memagent` (Linux), `~/Library/Caches/memagent`, `%LOCALAPPDATA%\memagent\Cache`. */
  cache: string;
}

/**
 * The user data and config dirs for `platform` (as `process.platform`), from `env` and the home
 * dir `home`. XDG variables count only when absolute (the XDG spec says to ignore relative ones);
 * on Windows, a missing `LOCALAPPDATA`/`APPDATA` falls back under `home` as env-paths does. Pure.
 */
export function userDirs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): UserDirs {
  if (platform === 'darwin') {
    const library = path.posix.join(home, 'Library');
    return {
      data: path.posix.join(library, 'Application Support', APP_DIR_NAME),
      config: path.posix.join(library, 'Preferences', APP_DIR_NAME),
      cache: path.posix.join(library, 'Caches', APP_DIR_NAME),
    };
  }
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local');
    const roaming = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return {
      data: path.win32.join(local, APP_DIR_NAME, 'Data'),
      config: path.win32.join(roaming, APP_DIR_NAME, 'Config'),
      cache: path.win32.join(local, APP_DIR_NAME, 'Cache'),
    };
  }
  const xdg = (name: string, fallback: string): string => {
    const value = env[name];
    return value && path.posix.isAbsolute(value) ? value : path.posix.join(home, fallback);
  };
  return {
    data: path.posix.join(xdg('XDG_DATA_HOME', '.local/share'), APP_DIR_NAME),
    config: path.posix.join(xdg('XDG_CONFIG_HOME', '.config'), APP_DIR_NAME),
    cache: path.posix.join(xdg('XDG_CACHE_HOME', '.cache'), APP_DIR_NAME),
  };
}
