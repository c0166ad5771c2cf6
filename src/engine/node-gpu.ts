// Node side of the GPU runtime: Dawn through the `webgpu` package. Never imported by the page.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { openGpu, type OpenedGpu } from './gpu';

const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// The Vulkan loader finds installed drivers by itself (a real GPU, or Mesa's lavapipe); when the
// only driver is the SwiftShader that Debian's Chromium ships, it has to be pointed at it.
if (!process.env.VK_ICD_FILENAMES && !existsSync(LAVAPIPE_ICD) && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
process.env.XDG_RUNTIME_DIR ??= '/tmp';

Object.assign(globalThis, globals);
// Held for the life of the process: if Dawn's instance is garbage-collected, pending GPU
// promises never settle and Node exits with status 0 in the middle of the work.
const instance: GPU = create([]) as unknown as GPU;
(globalThis as unknown as { __dawnInstance: GPU }).__dawnInstance = instance;

export function openNodeGpu(): Promise<OpenedGpu> {
  return openGpu(instance, 'node');
}
