// Node side of the GPU runtime: Dawn through the `webgpu` package. Never imported by the page.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { NoWebGPUError, openGpu, type OpenedGpu } from './gpu';
import { chooseTuning, parseTuning, type Tuning, type TuningKind } from './tuning';

const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const chosenByUser = Boolean(process.env.VK_ICD_FILENAMES);

// The Vulkan loader finds installed drivers by itself (a real GPU, or Mesa's lavapipe); when the
// only driver is the SwiftShader that Debian's Chromium ships, it has to be pointed at it.
if (!chosenByUser && !existsSync(LAVAPIPE_ICD) && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
process.env.XDG_RUNTIME_DIR ??= '/tmp';

Object.assign(globalThis, globals);
// Held for the life of the process: if Dawn's instance is garbage-collected, pending GPU
// promises never settle and Node exits with status 0 in the middle of the work.
const instances: GPU[] = [];
(globalThis as unknown as { __dawnInstances: GPU[] }).__dawnInstances = instances;

function instance(): GPU {
  const gpu = create([]) as unknown as GPU;
  instances.push(gpu);
  return gpu;
}

/**
 * The device and its Tuning: `forced` (by default TUNING=gpu|cpu|defaults) chooses one; defaults
 * opens the device with WebGPU's default limits only.
 */
export async function openNodeGpu(forced: TuningKind | undefined = parseTuning(process.env.TUNING)): Promise<OpenedGpu & { tuning: Tuning }> {
  const g = await openDevice(forced === 'defaults');
  return { ...g, tuning: chooseTuning(g.info, forced) };
}

async function openDevice(defaultLimits: boolean): Promise<OpenedGpu> {
  try {
    return await openGpu(instances[0] ?? instance(), 'node', defaultLimits);
  } catch (e) {
    // A driver that Dawn cannot use (Debian 12's own lavapipe, Mesa 22, is too old) hides
    // Chromium's SwiftShader: try that before giving up, unless the user chose a driver.
    if (!(e instanceof NoWebGPUError) || chosenByUser || process.env.VK_ICD_FILENAMES === SWIFTSHADER_ICD || !existsSync(SWIFTSHADER_ICD)) throw e;
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    instances.unshift(instance());
    return openGpu(instances[0], 'node', defaultLimits);
  }
}
