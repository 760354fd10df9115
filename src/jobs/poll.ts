// A poll loop's sleep that work can cut short: `sleep()` waits up to `ms`, `wake()` ends it now.
export class Poll {
  private pending: (() => void) | undefined;

  constructor(private readonly ms: number) {}

  sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.ms);
      this.pending = done;
    });
  }

  wake(): void {
    this.pending?.();
  }
}
