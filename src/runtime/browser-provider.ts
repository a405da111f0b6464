/** Browser device acquisition: navigator.gpu behind the same Runtime interface as Node. */
import { Runtime, type RuntimeOptions } from './runtime.js';

export async function createBrowserRuntime(opts: RuntimeOptions & { powerPreference?: GPUPowerPreference } = {}): Promise<Runtime> {
  const gpu = typeof navigator !== 'undefined' ? (navigator as Navigator & { gpu?: GPU }).gpu : undefined;
  return Runtime.fromGPU(gpu, { ...opts, backend: opts.backend ?? 'browser', adapterOptions: { powerPreference: opts.powerPreference } });
}
