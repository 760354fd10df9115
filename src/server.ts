// Runs a Strobe instance: listens, and drains on SIGTERM/SIGINT within 10 s.
import type { Config } from './config.js';
import { buildStrobe, type Roles } from './app.js';
import { serveMetrics, type MetricsServer } from './http/metrics.js';
import { startControl } from './ops/backup/serve.js';

const DRAIN_DEADLINE_MS = 10_000;

export async function serve(config: Config, roles: Roles = { web: true, worker: true }): Promise<void> {
  const strobe = await buildStrobe(config, { level: config.logLevel }, roles);
  const { app } = strobe;
  // Embedded mode: `strobe backup` asks this process over DATA_DIR/run/control.sock (ops/backup).
  const control = await startControl(strobe);
  let port: number | undefined;
  let metricsServer: MetricsServer | undefined;
  if (roles.web) {
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    if (config.metricsPort !== undefined) {
      metricsServer = await serveMetrics(strobe.metrics, { port: config.metricsPort, host: config.host, log: app.log });
    }
    app.log.info({ instance: strobe.instanceId, mode: config.mode, port, metricsPort: metricsServer?.port, roles }, `Strobe is up: http://localhost:${port}`);
  } else {
    app.log.info({ instance: strobe.instanceId, mode: config.mode, roles }, 'Strobe worker is up');
  }
  // A supervisor that spawned us with an IPC channel (`strobe cluster`) learns it whatever LOG_LEVEL says.
  process.send?.({ type: 'strobe.up', instance: strobe.instanceId, port: roles.web ? port : undefined });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining');
    // Draining closes connections under work still pending on them (a presence leave, a publish);
    // a rejection from one that nobody awaits is expected now, and must not turn a clean drain into
    // a crash (exit 1). It is logged; a drain that really fails still exits 1 below.
    process.on('unhandledRejection', (err) => app.log.warn({ err }, 'a rejection nobody handled, while draining'));
    const deadline = setTimeout(() => {
      app.log.error({ stage: strobe.drainStage }, `drain deadline passed while ${strobe.drainStage}, exiting`);
      process.exit(1);
    }, DRAIN_DEADLINE_MS);
    deadline.unref();
    Promise.all([control.close().then(() => strobe.close()), metricsServer?.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
