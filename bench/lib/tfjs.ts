/**
 * The tfjs-webgpu peer in Node: @tensorflow/tfjs-backend-webgpu on its own Dawn instance over the
 * same adapter. `navigator.gpu` must exist before the backend is loaded; the Dawn GPU object is kept
 * referenced at module level for as long as the backend lives.
 */
import { createRequire } from 'node:module';

type Tf = typeof import('@tensorflow/tfjs-core');

export interface TfjsPeer {
  tf: Tf;
  version: string;
  adapter: string;
  /** Submit tfjs's pending commands and wait for the queue to drain. */
  sync(): Promise<void>;
}

let gpuRef: GPU | null = null;
let peer: TfjsPeer | null = null;

export async function loadTfjsWebgpu(): Promise<TfjsPeer> {
  if (peer) return peer;
  const dawn = (await import('webgpu')) as unknown as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  gpuRef = dawn.create(['backend=vulkan']);
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpuRef, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpuRef, userAgent: 'node' }, configurable: true, writable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend failed to initialise');
  await tf.ready();
  const backend = tf.backend() as unknown as {
    device: GPUDevice;
    ensureCommandEncoderReady(): void;
    endComputePassEncoder(): void;
    submitQueue(): void;
    adapterInfo?: { vendor?: string; architecture?: string };
  };
  const require = createRequire(import.meta.url);
  const version = (require('@tensorflow/tfjs-backend-webgpu/package.json') as { version: string }).version;
  const ai = backend.adapterInfo;
  peer = {
    tf,
    version,
    adapter: ai ? `${ai.vendor ?? ''} ${ai.architecture ?? ''}`.trim() : 'unknown',
    async sync() {
      // What tfjs itself does before a readback: close the pass, submit the encoder.
      backend.ensureCommandEncoderReady();
      backend.endComputePassEncoder();
      backend.submitQueue();
      await backend.device.queue.onSubmittedWorkDone();
    },
  };
  return peer;
}

/** Tear the peer down so the process can exit. */
export function disposeTfjs(): void {
  if (!peer) return;
  try {
    peer.tf.disposeVariables();
    (peer.tf.backend() as unknown as { device: GPUDevice }).device.destroy();
  } catch {
    /* already gone */
  }
  peer = null;
  gpuRef = null;
}
