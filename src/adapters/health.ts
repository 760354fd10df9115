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
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`down: no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      check.then(
        () => 'ok',
        (err: unknown) => `down: ${err instanceof Error ? err.message : String(err)}`,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
