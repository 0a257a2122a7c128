import { describe, expect, it } from 'vitest';
import { healthStatus } from '../../contract/health-status.js';

describe('healthStatus', () => {
  const snap = (overall: Parameters<typeof healthStatus>[0]['overall'], paused = false, config_error_count = 0) => ({
    overall,
    paused,
    config_error_count,
  });

  it('maps the worst job health to the five states the header and the tray show', () => {
    expect(healthStatus(snap('ok'))).toBe('ok');
    expect(healthStatus(snap('disabled'))).toBe('ok');
    expect(healthStatus(snap('running'))).toBe('running');
    expect(healthStatus(snap('retrying'))).toBe('warning');
    expect(healthStatus(snap('overdue'))).toBe('warning');
    expect(healthStatus(snap('invalid'))).toBe('warning');
    expect(healthStatus(snap('failing'))).toBe('failing');
  });

  it('shows paused over everything but failing, and a broken jobs file as a warning', () => {
    expect(healthStatus(snap('running', true))).toBe('paused');
    expect(healthStatus(snap('overdue', true))).toBe('paused');
    expect(healthStatus(snap('failing', true))).toBe('failing');
    expect(healthStatus(snap('ok', false, 2))).toBe('warning');
  });
});
