// Opening a WebGPU device with the limits the engine needs, the same way in Chrome
// (navigator.gpu) and in Node (the `webgpu` package, Dawn). See node-gpu.ts for Node.

/** Thrown when there is no usable WebGPU adapter; `message` tells the user what to do. */
export class NoWebGPUError extends Error {
  override name = 'NoWebGPUError';
}

export interface GpuInfo {
  /** Human-readable adapter name, e.g. "google swiftshader" or "nvidia ... (vulkan)". */
  adapter: string;
  isFallback: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface OpenedGpu {
  device: GPUDevice;
  info: GpuInfo;
}

/** Limits the engine asks for: big buffers for a resident data set, 32 KiB of workgroup memory. */
const WANTED: Record<string, number> = {
  maxBufferSize: 1 << 30,
  maxStorageBufferBindingSize: 1 << 30,
  maxComputeWorkgroupStorageSize: 32768,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxStorageBuffersPerShaderStage: 10,
};
/** Below these the kernels cannot run at all. */
const REQUIRED: Record<string, number> = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxStorageBuffersPerShaderStage: 8,
};

export type Host = 'browser' | 'node';

export function noAdapterHelp(host: Host, reason: string): string {
  if (host === 'node') {
    return (
      `${reason}. Dawn (the 'webgpu' npm package) needs the Vulkan loader and a Vulkan driver: ` +
      `on Debian/Ubuntu run 'apt-get install libvulkan1 mesa-vulkan-drivers' (lavapipe, a CPU driver) ` +
      `or install your GPU's driver, or point VK_ICD_FILENAMES at an ICD json ` +
      `(Chromium ships SwiftShader's: /usr/lib/chromium/vk_swiftshader_icd.json).`
    );
  }
  return (
    `${reason}. This page needs WebGPU: Chrome or Edge 113+ on Windows, macOS or ChromeOS, ` +
    `Chrome on Linux with chrome://flags/#enable-unsafe-webgpu enabled (or started with --enable-unsafe-webgpu), ` +
    `Safari 26+, or Firefox 141+ on Windows. The page must be served from https:// or http://localhost.`
  );
}

/** `defaultLimits`: request nothing beyond WebGPU's default limits (the `defaults` tuning). */
export async function openGpu(gpu: GPU | undefined, host: Host, defaultLimits = false): Promise<OpenedGpu> {
  if (!gpu) throw new NoWebGPUError(noAdapterHelp(host, 'WebGPU is not available (navigator.gpu is missing)'));
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    throw new NoWebGPUError(noAdapterHelp(host, `requestAdapter() failed: ${(e as Error).message}`));
  }
  if (!adapter) throw new NoWebGPUError(noAdapterHelp(host, 'requestAdapter() returned null: no WebGPU adapter'));

  const requiredLimits: Record<string, number> = {};
  for (const [name, want] of Object.entries(WANTED)) {
    const has = (adapter.limits as unknown as Record<string, number>)[name];
    if (has === undefined) continue;
    if (REQUIRED[name] !== undefined && has < REQUIRED[name]) {
      throw new NoWebGPUError(`The WebGPU adapter offers ${name} = ${has}, but the kernels need at least ${REQUIRED[name]}.`);
    }
    if (!defaultLimits) requiredLimits[name] = Math.min(has, want);
  }
  const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter!.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });

  const ai = adapter.info;
  const adapter_name = [[ai?.vendor, ai?.architecture].filter(Boolean).join(' '), ai?.description].filter(Boolean).join(' — ');
  const limits: Record<string, number> = {};
  for (const name of Object.keys(WANTED).concat(['minStorageBufferOffsetAlignment', 'maxComputeWorkgroupsPerDimension'])) {
    limits[name] = (device.limits as unknown as Record<string, number>)[name];
  }
  return {
    device,
    info: {
      adapter: adapter_name || 'unknown adapter',
      isFallback: Boolean((ai as unknown as { isFallbackAdapter?: boolean })?.isFallbackAdapter),
      features: [...device.features],
      limits,
    },
  };
}
