// Dependency checks for /readyz. Each check has its own deadline, so a dependency that hangs (a
// half-open TCP connection, a pool waiting for a free client) answers "down" instead of making the
// load balancer's health check hang.

export type HealthCheck = () => Promise<void>;

/** 'ok', or 'down: <reason>'. The reason is for the logs: /readyz answers "down" (see http/health.ts). */
export type HealthReport = Record<string, string>;

export const CHECK_TIMEOUT_MS = 1_000;

export async function runChecks(checks: Record<string, HealthCheck>, timeoutMs = CHECK_TIMEOUT_MS): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => withDeadline(checks[name]!(), timeoutMs)));
  return Object.fromEntries(names.map((name, i) => [name, results[i]!]));
}

async function withDeadline(check: Promise<void>, timeoutMs: number): Promise<string> {
  const deadline = afterDeadline(timeoutMs, () => `down: no answer within ${timeoutMs} ms`);
  try {
    return await Promise.race([
      check.then(
        () => 'ok',
        (err: unknown) => `down: ${err instanceof Error ? err.message : String(err)}`,
      ),
      deadline.promise,
    ]);
  } finally {
    deadline.cancel();
  }
}

/**
 * Resolves with `value()` once `ms` have passed, but only after the I/O already received has been
 * handled. After the event loop stalled (a busy CPU, a long synchronous step), timers run before
 * the poll phase, so a plain setTimeout would call a dependency "down" whose answer is waiting in
 * the socket; setImmediate runs after that phase, so such an answer wins the race.
 */
export function afterDeadline<T>(ms: number, value: () => T): { promise: Promise<T>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const promise = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      immediate = setImmediate(() => resolve(value()));
    }, ms);
  });
  return {
    promise,
    cancel() {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}
