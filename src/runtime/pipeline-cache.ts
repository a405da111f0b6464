/**
 * Compute pipelines cached by (kernel, entry point, override constants). Shapes travel in uniforms,
 * so one pipeline serves every shape. Async compilation is de-duplicated (one promise per key), and
 * WGSL compile errors are reported with the kernel file, line and column.
 */
import { KernelCompileError } from './errors.js';

export type OverrideConstants = Record<string, number | boolean>;

export interface KernelSpec {
  /** Kernel family: the file name in kernels/ without `.wgsl`. */
  kernel: string;
  /** Entry point; defaults to `main`. */
  entry?: string;
  /** WGSL `override` constants (tile sizes, workgroup size, op codes, flags). */
  constants?: OverrideConstants;
}

export function specKey(spec: KernelSpec): string {
  const c = spec.constants;
  const consts = c ? Object.keys(c).sort().map((k) => `${k}=${Number(c[k])}`).join(',') : '';
  return `${spec.kernel}#${spec.entry ?? 'main'}{${consts}}`;
}

function numericConstants(c: OverrideConstants | undefined): Record<string, number> | undefined {
  if (!c) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(c)) out[k] = Number(v);
  return out;
}

/** [first resolved line, file in kernels/, first line in that file] runs, as scripts/embed-kernels.mjs writes them. */
export type LineMap = readonly (readonly [number, string, number])[];

/** The kernels/ file and line a line of a resolved kernel source came from (its own file when there is no map). */
export function sourceLocation(kernel: string, line: number, map?: LineMap): { file: string; line: number } {
  let run: (typeof map & {})[number] | undefined;
  for (const r of map ?? []) if (r[0] <= line) run = r;
  return run ? { file: run[1], line: run[2] + line - run[0] } : { file: `${kernel}.wgsl`, line };
}

export async function formatCompileErrors(kernel: string, source: string, module: GPUShaderModule, map?: LineMap): Promise<string | null> {
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length === 0) return null;
  const lines = source.split('\n');
  return errors
    .map((m) => {
      const text = lines[m.lineNum - 1] ?? '';
      const at = sourceLocation(kernel, m.lineNum, map);
      const via = at.file === `${kernel}.wgsl` ? '' : ` (included by kernels/${kernel}.wgsl)`;
      const path = at.file.includes('/') ? at.file : `kernels/${at.file}`; // generated lines name their descriptor file
      return `${path}:${at.line}:${m.linePos}: error: ${m.message}${via}\n    ${text.trim()}`;
    })
    .join('\n');
}

/**
 * The key a dispatch looks its pipeline up by: specKey without sorting the constants (in the caller's
 * order). One call site always passes its constants in the same order, so this finds the pipeline
 * without the sort, map and join of specKey; a miss falls back to the canonical key.
 */
function quickKey(spec: KernelSpec): string {
  let key = spec.entry === undefined ? spec.kernel : `${spec.kernel}#${spec.entry}`;
  const c = spec.constants;
  if (c) for (const k in c) key += `,${k}=${+c[k]!}`;
  return key;
}

export class PipelineCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  /** quickKey → pipeline, filled on the first get() of each call-site order. */
  private quick = new Map<string, GPUComputePipeline>();
  private inflight = new Map<string, Promise<GPUComputePipeline>>();
  /** Errors from synchronously created pipelines, surfaced at the runtime's next sync point. */
  readonly deferredErrors: Error[] = [];
  compiled = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly sources: Readonly<Record<string, string>>,
    private readonly lineMaps: Readonly<Record<string, LineMap>> = {},
  ) {}

  private source(kernel: string): string {
    const src = this.sources[kernel];
    if (src === undefined) {
      throw new KernelCompileError(`unknown kernel "${kernel}"; known: ${Object.keys(this.sources).sort().join(', ')}`);
    }
    return src;
  }

  private module(kernel: string): GPUShaderModule {
    let m = this.modules.get(kernel);
    if (!m) {
      m = this.device.createShaderModule({ code: this.source(kernel), label: `kernels/${kernel}.wgsl` });
      this.modules.set(kernel, m);
    }
    return m;
  }

  private descriptor(spec: KernelSpec): GPUComputePipelineDescriptor {
    return {
      label: specKey(spec),
      layout: 'auto',
      compute: { module: this.module(spec.kernel), entryPoint: spec.entry ?? 'main', constants: numericConstants(spec.constants) },
    };
  }

  has(spec: KernelSpec): boolean {
    return this.pipelines.has(specKey(spec));
  }

  /**
   * Synchronous lookup for the dispatch path. A miss compiles synchronously; a compile error is
   * captured with an error scope and thrown (with WGSL line numbers) at the next sync point.
   */
  get(spec: KernelSpec): GPUComputePipeline {
    const qk = quickKey(spec);
    const quick = this.quick.get(qk);
    if (quick) return quick;
    const pipeline = this.getCanonical(spec);
    this.quick.set(qk, pipeline);
    return pipeline;
  }

  private getCanonical(spec: KernelSpec): GPUComputePipeline {
    const key = specKey(spec);
    const hit = this.pipelines.get(key);
    if (hit) return hit;
    this.device.pushErrorScope('validation');
    const pipeline = this.device.createComputePipeline(this.descriptor(spec));
    const module = this.module(spec.kernel);
    void this.device.popErrorScope().then(async (err) => {
      if (!err) return;
      const detail = (await formatCompileErrors(spec.kernel, this.source(spec.kernel), module, this.lineMaps[spec.kernel])) ?? err.message;
      this.deferredErrors.push(new KernelCompileError(`pipeline ${key} failed:\n${detail}`));
    });
    this.pipelines.set(key, pipeline);
    this.compiled++;
    return pipeline;
  }

  /** Async compile with de-duplication; rejects with a KernelCompileError naming file:line:col. */
  getAsync(spec: KernelSpec): Promise<GPUComputePipeline> {
    const key = specKey(spec);
    const hit = this.pipelines.get(key);
    if (hit) return Promise.resolve(hit);
    let p = this.inflight.get(key);
    if (p) return p;
    p = (async () => {
      const module = this.module(spec.kernel);
      const detail = await formatCompileErrors(spec.kernel, this.source(spec.kernel), module, this.lineMaps[spec.kernel]);
      if (detail) throw new KernelCompileError(`kernel ${key} failed to compile:\n${detail}`);
      try {
        const pipeline = await this.device.createComputePipelineAsync(this.descriptor(spec));
        this.pipelines.set(key, pipeline);
        this.compiled++;
        return pipeline;
      } catch (e) {
        throw new KernelCompileError(`pipeline ${key} failed: ${(e as Error).message}`);
      }
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Compile many pipelines in parallel (warm-up before timing or training). */
  async prepare(specs: KernelSpec[]): Promise<void> {
    await Promise.all(specs.map((s) => this.getAsync(s)));
  }

  get size(): number {
    return this.pipelines.size;
  }
}
