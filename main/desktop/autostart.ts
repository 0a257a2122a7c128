import path from 'node:path';

/**
 * Start at login on Linux, where Electron's setLoginItemSettings does nothing:
 * an XDG autostart entry, `~/.config/autostart/jobtray.desktop`. Pure: the
 * file's place and text; main/electron/login-item.ts writes or removes it.
 */

export const AUTOSTART_FILE = 'jobtray.desktop';
/** Started at login: to the tray, without opening the window. */
export const HIDDEN_ARG = '--hidden';

/** `$XDG_CONFIG_HOME/autostart/jobtray.desktop`, `~/.config/…` by default. */
export function autostartPath(env: NodeJS.ProcessEnv, home: string): string {
  const config =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'autostart', AUTOSTART_FILE);
}

/**
 * The program to start: an AppImage runs from a temporary mount
 * (`/tmp/.mount_Jobtra…`) gone after it exits, so its own path, `$APPIMAGE`,
 * is what must be started; otherwise the executable itself.
 */
export function autostartProgram(env: NodeJS.ProcessEnv, execPath: string): string {
  return env.APPIMAGE && path.isAbsolute(env.APPIMAGE) ? env.APPIMAGE : execPath;
}

/**
 * One argument of an `Exec` line (Desktop Entry Specification, "The Exec
 * key"): quoted when it holds a reserved character, with `"`, `` ` ``, `$`
 * and `\` escaped inside the quotes; `%` doubled, as field codes start with it.
 */
export function quoteExecArg(arg: string): string {
  const percent = arg.replace(/%/g, '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(percent) && percent !== '') return percent;
  return `"${percent.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartDesktopFile(program: string, productName = 'Jobtray'): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${productName}`,
    'Comment=Runs your recurring local jobs; health in the tray',
    `Exec=${[program, HIDDEN_ARG].map(quoteExecArg).join(' ')}`,
    'Icon=jobtray',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}
