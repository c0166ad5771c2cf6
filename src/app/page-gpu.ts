// The page's own WebGPU device (the backprop section runs on it; MNIST training has its own in a
// worker). Opened once; `error` explains in plain words why there is none.
import { NoWebGPUError, openGpu } from '../engine/gpu';
import { Runtime } from '../engine/runtime';

export type PageGpu = { rt: Runtime; error: null } | { rt: null; error: string };

let opened: Promise<PageGpu> | null = null;

export function pageGpu(): Promise<PageGpu> {
  opened ??= (async (): Promise<PageGpu> => {
    if (new URLSearchParams(location.search).has('nogpu')) return { rt: null, error: 'WebGPU is turned off for this page (the nogpu parameter is set).' };
    try {
      const { device, info } = await openGpu(navigator.gpu, 'browser');
      device.lost.then(() => {
        opened = null;
      });
      return { rt: new Runtime(device, info), error: null };
    } catch (e) {
      return { rt: null, error: e instanceof NoWebGPUError ? e.message : `WebGPU failed to start: ${(e as Error).message}` };
    }
  })();
  return opened;
}
