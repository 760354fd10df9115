// How a stopping runner waits for its running jobs: all of them, or at most a grace period.

/** Resolves when every job has settled, or after `graceMs` (never, when it is Infinity). */
export async function settleWithin(running: Iterable<Promise<unknown>>, graceMs: number): Promise<void> {
  const settled = Promise.allSettled([...running]);
  // A timer cannot hold Infinity (Node would fire it at once): wait for the jobs alone.
  if (!Number.isFinite(graceMs)) return void (await settled);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
}
