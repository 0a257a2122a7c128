/**
 * Waits `ms` milliseconds, or rejects as soon as `signal` aborts (the run was
 * cancelled or timed out). Jobs that wait should always pass ctx.signal so a
 * cancel stops them right away.
 */
export function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
