// Starts a baseline server (bench/baselines/*.ts) as its own process and waits for its port.
import { spawn, type ChildProcess } from 'node:child_process';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface Baseline {
  child: ChildProcess;
  port: number;
  url: string;
  stop(): Promise<void>;
}

export function startBaseline(file: string, env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<Baseline> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', `${ROOT}bench/baselines/${file}`], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout!.resume();
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening`)));
    child.on('message', (msg: { type?: string; port?: number }) => {
      if (msg?.type !== 'listening' || !msg.port) return;
      clearTimeout(timer);
      resolve({ child, port: msg.port, url: `http://127.0.0.1:${msg.port}`, stop });
    });
  });
}
