/**
 * Calls `onIdle` once `ms` have passed since the last arm() with no cancel()
 * in between. Never keeps the process alive. For the threads an engine keeps
 * only while it is busy (the command supervisor, the log writer).
 */
export class IdleTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  arm(): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onIdle();
    }, this.ms);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
