/**
 * Node-only device acquisition through Dawn (npm `webgpu`): Vulkan first, then the OpenGL ES
 * compatibility fallback. The Dawn instance must stay referenced while any device made from it
 * lives (else Dawn tears down under the device and the process dies at random), so it is held at
 * module level and dropped when the last runtime is destroyed, letting the process exit.
 */
import { setPriority } from 'node:os';
import { AdapterError } from './errors.js';
import { DAWN_LIMIT_WARNING, filterNativeStderr } from './native-stderr.js';
import { Runtime, type RuntimeOptions } from './runtime.js';

export type NodeBackend = 'auto' | 'vulkan' | 'opengles' | 'swiftshader';

export interface NodeRuntimeOptions extends RuntimeOptions {
  /** 'auto' tries Vulkan (lavapipe or a real GPU) then OpenGL ES. 'swiftshader' uses Chromium's Vulkan ICD. */
  backend?: NodeBackend;
  powerPreference?: GPUPowerPreference;
  /**
   * Renice the main Node thread (Linux) after the first submit. Dawn busy-polls while a map or
   * onSubmittedWorkDone promise is pending and steals a core from lavapipe's workers; lowering only
   * the main thread's priority gives that core back. Off by default; `true` sets niceness 19.
   */
  niceMainThread?: boolean | number;
  /**
   * Extra flags for Dawn's `create()`, e.g. `disable-dawn-features=timestamp_quantization` for
   * unquantised timestamp queries when profiling (see Runtime.startProfiling).
   */
  dawnFlags?: string[];
  /**
   * Let through Dawn's two "Warning: maxDynamic…PerPipelineLayout artificially reduced" lines, which
   * it prints to stderr while creating a lavapipe adapter (harmless: 16 dynamic buffers remain, cmhash uses none).
   * Default false: those two lines are filtered out, everything else Dawn prints still shows.
   */
  showDawnLimitWarnings?: boolean;
}

type DawnModule = { create: (flags: string[]) => GPU; globals: Record<string, unknown> };

let dawn: DawnModule | null = null;
/** Live Dawn instances keyed by flag set; each is kept alive while a runtime uses it. */
const instances = new Map<string, { gpu: GPU; users: number }>();

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  let mod: DawnModule;
  try {
    mod = (await import('webgpu')) as unknown as DawnModule;
  } catch (e) {
    throw new AdapterError(`cannot load the 'webgpu' package (Dawn for Node): ${(e as Error).message}. Run \`npm install\`.`);
  }
  // WebGPU constants (GPUBufferUsage, GPUMapMode, ...) as globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  dawn = mod;
  return mod;
}

function acquireInstance(mod: DawnModule, flags: string[]): GPU {
  const key = flags.join(' ');
  let inst = instances.get(key);
  if (!inst) {
    inst = { gpu: mod.create(flags), users: 0 };
    instances.set(key, inst);
  }
  inst.users++;
  return inst.gpu;
}

function releaseInstance(flags: string[]): void {
  const key = flags.join(' ');
  const inst = instances.get(key);
  if (inst && --inst.users <= 0) instances.delete(key);
}

export const INSTALL_HINT = [
  'No WebGPU adapter was found. On Debian 12 (bookworm) install a Vulkan driver with WebGPU support (Mesa ≥ 24):',
  '  add bookworm-backports to apt sources, then',
  '  apt-get install -y -t bookworm-backports mesa-vulkan-drivers libvulkan1',
  'Or install Chromium (apt-get install chromium) and run with --backend swiftshader.',
  'See README.md "Set-up" for the exact commands.',
].join('\n');

async function tryBackend(mod: DawnModule, backend: Exclude<NodeBackend, 'auto'>, opts: NodeRuntimeOptions): Promise<Runtime | null> {
  let flags: string[] = [];
  let adapterOptions: GPURequestAdapterOptions = { powerPreference: opts.powerPreference };
  if (backend === 'opengles') {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    flags = ['backend=opengles'];
    adapterOptions = { ...adapterOptions, featureLevel: 'compatibility' } as GPURequestAdapterOptions;
  } else if (backend === 'swiftshader') {
    // Must be set before the Vulkan loader initialises.
    process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
    flags = ['backend=vulkan'];
  } else {
    flags = ['backend=vulkan'];
  }
  flags = [...flags, ...(opts.dawnFlags ?? [])];
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const gpu = acquireInstance(mod, flags);
  // Dawn prints its limit warnings synchronously inside requestAdapter (first call per instance).
  const request = () => gpu.requestAdapter(adapterOptions);
  const adapter = await (opts.showDawnLimitWarnings ? request() : filterNativeStderr(request, DAWN_LIMIT_WARNING));
  if (!adapter) {
    releaseInstance(flags);
    return null;
  }
  // Sleep through most of each GPU wait: dawn.node polls with setImmediate while a promise is pending, taking a
  // core from lavapipe (train suite with it off: JSGHCA 0.44× → 0.34× PyTorch). CMHASH_IDLE_WAIT=0 turns it off.
  const rt = await Runtime.fromAdapter(adapter, { ...opts, idleWait: opts.idleWait ?? process.env.CMHASH_IDLE_WAIT !== '0', backend });
  rt.onDestroy = () => releaseInstance(flags);
  const nice = opts.niceMainThread === true ? 19 : typeof opts.niceMainThread === 'number' ? opts.niceMainThread : null;
  if (nice !== null && process.platform === 'linux') {
    rt.onFirstSubmit = () => {
      try {
        setPriority(0, nice);
      } catch {
        /* not permitted: keep default priority */
      }
    };
  }
  return rt;
}

/** Create a runtime in Node. Throws AdapterError with install instructions when no adapter exists. */
export async function createNodeRuntime(opts: NodeRuntimeOptions = {}): Promise<Runtime> {
  const mod = await loadDawn();
  const backend = opts.backend ?? (process.env.CMHASH_BACKEND as NodeBackend | undefined) ?? 'auto';
  const order: Exclude<NodeBackend, 'auto'>[] = backend === 'auto' ? ['vulkan', 'opengles'] : [backend];
  const tried: string[] = [];
  for (const b of order) {
    try {
      const rt = await tryBackend(mod, b, opts);
      if (rt) return rt;
      tried.push(`${b}: no adapter`);
    } catch (e) {
      tried.push(`${b}: ${(e as Error).message}`);
    }
  }
  throw new AdapterError(`${INSTALL_HINT}\nTried: ${tried.join('; ')}`);
}
