import os from 'node:os';
import path from 'node:path';

/**
 * Jobtray's data directory: `JOBTRAY_DATA_DIR`, else the OS convention
 * (XDG_DATA_HOME on Linux, Application Support on macOS, APPDATA on Windows).
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home = os.homedir(),
): string {
  if (env.JOBTRAY_DATA_DIR) return path.resolve(env.JOBTRAY_DATA_DIR);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Jobtray');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Jobtray');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'jobtray');
}
