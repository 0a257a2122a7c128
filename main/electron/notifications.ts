import { Notification } from 'electron';
import type { JobAlert } from '../../contract/model.js';
import type { WindowTarget } from '../desktop/deep-link.js';
import {
  INITIAL_NOTICE_STATE,
  flushNotices,
  onAlert,
  type Notice,
  type NoticeContext,
  type NoticeStep,
} from '../desktop/notification-policy.js';
import type { Logger } from '../engine/logger.js';

export interface NotificationOptions {
  platform: NodeJS.Platform;
  isMuted(): boolean;
  open(target: WindowTarget): void;
  logger: Logger;
  icon: string | null;
}

/**
 * Native notifications for the engine's alerts, as the policy decides
 * (notification-policy.ts). A shown Notification is kept referenced until it is
 * clicked, closed or failed: one that is garbage-collected loses its click
 * handler. `failed` is handled: unsigned macOS builds, and a Linux session
 * without a notification daemon, emit it.
 */
export function setupNotifications(options: NotificationOptions): { onAlert(alert: JobAlert): void; close(): void } {
  const alive = new Set<Notification>();
  let state = INITIAL_NOTICE_STATE;
  let flushTimer: NodeJS.Timeout | null = null;
  const context = (): NoticeContext => ({ now: Date.now(), muted: options.isMuted(), platform: options.platform });

  const show = (notice: Notice) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({
      title: notice.title,
      body: notice.body,
      ...(notice.urgency ? { urgency: notice.urgency } : {}),
      ...(options.icon ? { icon: options.icon } : {}),
    });
    alive.add(notification);
    const release = () => alive.delete(notification);
    notification.on('click', () => {
      release();
      options.open(notice.target);
    });
    notification.on('close', release);
    notification.on('failed', (_event, error) => {
      release();
      options.logger.warn(`notification "${notice.title}" could not be shown: ${error}`);
    });
    notification.show();
  };

  const apply = (step: NoticeStep) => {
    state = step.state;
    for (const notice of step.show) show(notice);
    if (step.flushAt !== null && flushTimer === null) {
      flushTimer = setTimeout(
        () => {
          flushTimer = null;
          apply(flushNotices(state, context()));
        },
        Math.max(0, step.flushAt - Date.now()),
      );
    }
  };

  return {
    onAlert: (alert) => apply(onAlert(state, alert, context())),
    close() {
      if (flushTimer) clearTimeout(flushTimer);
      for (const notification of alive) notification.close();
      alive.clear();
    },
  };
}
