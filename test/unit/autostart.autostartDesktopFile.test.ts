import { describe, expect, it } from 'vitest';
import { autostartDesktopFile, autostartPath, autostartProgram, quoteExecArg } from '../../main/desktop/autostart.js';

describe('Linux autostart entry', () => {
  it('lives in $XDG_CONFIG_HOME/autostart, ~/.config/autostart by default', () => {
    expect(autostartPath({}, '/home/ops')).toBe('/home/ops/.config/autostart/jobtray.desktop');
    expect(autostartPath({ XDG_CONFIG_HOME: '/cfg' }, '/home/ops')).toBe('/cfg/autostart/jobtray.desktop');
    expect(autostartPath({ XDG_CONFIG_HOME: 'relative' }, '/home/ops')).toBe(
      '/home/ops/.config/autostart/jobtray.desktop',
    );
  });

  it('starts the AppImage itself ($APPIMAGE), never its temporary mount', () => {
    expect(
      autostartProgram({ APPIMAGE: '/home/ops/Apps/Jobtray-0.1.0.AppImage' }, '/tmp/.mount_JobtraXyz/jobtray'),
    ).toBe('/home/ops/Apps/Jobtray-0.1.0.AppImage');
    expect(autostartProgram({}, '/opt/Jobtray/jobtray')).toBe('/opt/Jobtray/jobtray');
  });

  it('writes a valid entry that starts hidden, quoting the Exec line per the spec', () => {
    expect(autostartDesktopFile('/opt/Jobtray/jobtray')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Jobtray',
        'Comment=Runs your recurring local jobs; health in the tray',
        'Exec=/opt/Jobtray/jobtray --hidden',
        'Icon=jobtray',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
    expect(autostartDesktopFile('/home/o p/My "Apps"/Job$tray 100%.AppImage')).toContain(
      'Exec="/home/o p/My \\"Apps\\"/Job\\$tray 100%%.AppImage" --hidden',
    );
    expect(quoteExecArg('a\\b')).toBe('"a\\\\b"');
    expect(quoteExecArg('')).toBe('""');
  });
});
