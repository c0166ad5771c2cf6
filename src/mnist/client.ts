// The page's side of the training worker: typed requests that resolve with the worker's reply.
import type { Reply, Request, ResultOf, WorkerEvent } from './protocol';

export class WorkerCallError extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
  }
}

export class MnistClient {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(onEvent: (e: WorkerEvent) => void) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'mnist-trainer' });
    this.worker.onmessage = (e: MessageEvent<Reply | WorkerEvent>) => {
      const m = e.data;
      if ('event' in m) return onEvent(m);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new WorkerCallError(m.error, m.kind));
    };
    this.worker.onerror = (e) => {
      const err = new WorkerCallError(`the training worker failed: ${e.message}`, 'other');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  call<T extends Request>(req: T, transfer: Transferable[] = []): Promise<ResultOf[T['type']]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req }, transfer);
    });
  }

  terminate(): void {
    this.worker.terminate();
  }
}
