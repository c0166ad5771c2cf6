// The MNIST training worker: carries the page's requests to the backend (backend.ts, which owns
// the GPU device and the model) and its replies and events back. Messages: see protocol.ts.
import { MnistBackend, WorkerError } from './backend';
import type { Reply, Request } from './protocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;
const backend = new MnistBackend((e) => ctx.postMessage(e));

ctx.onmessage = async (e: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = e.data;
  try {
    // Each handler is checked against its request and ResultOf; only this lookup loses the pairing.
    const handler = backend.handlers[req.type] as (r: Request) => Promise<unknown>;
    const result = await handler(req);
    ctx.postMessage({ id, ok: true, result } satisfies Reply);
  } catch (err) {
    const kind = err instanceof WorkerError ? err.kind : 'other';
    ctx.postMessage({ id, ok: false, error: (err as Error).message ?? String(err), kind } satisfies Reply);
  }
};
