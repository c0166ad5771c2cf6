// GPU failures the engine turns into errors a person can act on. WebGPU reports a bad dispatch
// (a binding past a limit, out of memory) asynchronously and then skips it: the work "runs" and
// reads back zeros or NaN. The runtime checks sizes against device.limits before allocating,
// listens for uncaptured errors, and wraps plan building and first steps in error scopes.

/** Work the GPU could not do (a validation or out-of-memory error): the run must stop. */
export class GpuError extends Error {
  override name = 'GpuError';
}

/** A buffer, binding or grid larger than this adapter allows; thrown before anything is allocated. */
export class LimitError extends GpuError {
  override name = 'LimitError';
  constructor(
    message: string,
    /** The buffer's label (e.g. "act 3") or the kernel's. */
    readonly what: string,
    readonly need: number,
    readonly allowed: number,
    readonly limit: string,
  ) {
    super(message);
  }
}

/** "130 MiB", with the exact byte count where rounding would hide a difference that matters. */
export const MiB = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 24 ? 2 : 0)} MiB`;
export const bytesText = (n: number) => `${MiB(n)} (${n.toLocaleString('en-US')} bytes)`;

/** "act 3" → "layer 3's output", "grad 3" → "the gradient of layer 3's output", "layer 2 partials" as is. */
export function describeBuffer(label: string, layerType?: (i: number) => string | undefined): string {
  const name = (i: number) => `layer ${i}${layerType?.(i) ? ` (${layerType(i)})` : ''}`;
  let m = /^act (\d+)$/.exec(label);
  if (m) return `${name(Number(m[1]))}'s output`;
  m = /^grad (\d+)$/.exec(label);
  if (m) return `the gradient of ${name(Number(m[1]))}'s output`;
  m = /^layer (\d+) (.*)$/.exec(label);
  if (m) return `${name(Number(m[1]))}'s ${m[2]}`;
  return `the ${label} buffer`;
}
