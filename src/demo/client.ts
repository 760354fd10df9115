// A signed-in HTTP client for the demo: one cookie jar per demo user, errors in the contract's shape.
export class DemoClient {
  cookie = '';

  constructor(readonly base: string) {}

  async json<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; retryAfter: number }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return this.read<T>(res);
  }

  async upload<T>(file: Buffer, fields: Record<string, string>): Promise<{ status: number; body: T; retryAfter: number }> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), 'demo.jpg');
    const res = await fetch(this.base + '/api/photos', { method: 'POST', headers: { accept: 'application/json', cookie: this.cookie }, body: form });
    return this.read<T>(res);
  }

  private async read<T>(res: Response): Promise<{ status: number; body: T; retryAfter: number }> {
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const body = res.status === 204 ? (undefined as T) : ((await res.json().catch(() => undefined)) as T);
    return { status: res.status, body, retryAfter: Number(res.headers.get('retry-after') ?? 0) };
  }
}
