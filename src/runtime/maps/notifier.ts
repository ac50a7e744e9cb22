// One-shot waiting for "data may be available" notifications, shared by the
// ring-buffer and perf readers: the equivalent of epoll_wait on the map fd.

export class Notifier {
  private waiters: Array<(woken: boolean) => void> = [];

  /** Wake every pending wait() with true. */
  notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(true);
  }

  /** End every pending wait() with false (reader closed). */
  cancel(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(false);
  }

  /** Resolve true on notify(), false on cancel() or after timeoutMs. */
  wait(timeoutMs?: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (woken: boolean) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(woken);
      };
      this.waiters.push(done);
      if (timeoutMs !== undefined)
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== done);
          resolve(false);
        }, timeoutMs);
    });
  }
}
