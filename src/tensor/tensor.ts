/**
 * Tensor: shape, dtype and a refcounted GPU buffer. Reshapes share storage. Release GPU memory with
 * `dispose()` or a `tidy()` scope.
 */
import type { Runtime } from '../runtime/runtime.js';
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import { BYTES_PER_ELEMENT, typedArrayFor, type AnyTypedArray, type DType } from './dtype.js';
import { trackTensor, untrackTensor } from './scope.js';
import { resolveReshape, sizeOf, validateShape, type Shape } from './shape.js';

/** A GPU buffer shared by a tensor and its reshaped views. */
export class Storage {
  private refs = 1;
  constructor(readonly runtime: Runtime, readonly buffer: GPUBuffer, readonly bytes: number) {}

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) this.runtime.release(this.buffer);
  }
}

/** Backward rule recorded on the tape: maps the output gradient to one gradient per input. */
export interface GradNode {
  op: string;
  inputs: readonly Tensor[];
  backward: (gradOutput: Tensor) => readonly (Tensor | null | undefined)[];
}

let nextId = 0;

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 0)} MiB`;

/**
 * Every tensor is bound whole to kernels, so it must fit the device's maxStorageBufferBindingSize (and
 * maxBufferSize). Checked here, at creation, so the error names the tensor instead of surfacing later
 * as validation errors at read().
 */
export function checkAllocation(runtime: Runtime, shape: Shape, dtype: DType, bytes: number): void {
  const lim = runtime.limits;
  for (const [name, max] of [['maxStorageBufferBindingSize', lim.maxStorageBufferBindingSize], ['maxBufferSize', lim.maxBufferSize]] as const) {
    if (bytes > max) {
      throw new ShapeError(`Tensor.empty: a ${dtype} tensor of shape ${fmtShape(shape)} needs ${bytes} bytes (${mib(bytes)}), over this device's ${name} of ${max} bytes (${mib(max)}). Process the data in smaller pieces (e.g. a smaller --batch, fewer rows per call, or a chunked op), or use a device with a larger limit ('cmhash doctor' prints the limits)`);
    }
  }
}

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  /** Set by the autograd tape on leaves that need gradients and on outputs of recorded ops. */
  requiresGrad = false;
  /** Accumulated gradient (leaves only), filled by backward(). */
  grad: Tensor | null = null;
  /** How this tensor was computed, when recorded on the tape. */
  node: GradNode | null = null;
  private disposed = false;

  constructor(readonly storage: Storage, shape: Shape, readonly dtype: DType) {
    validateShape('Tensor', shape);
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    if (this.size * BYTES_PER_ELEMENT[dtype] > storage.bytes) {
      throw new ShapeError(`Tensor: shape ${fmtShape(shape)} (${dtype}) needs ${this.size * BYTES_PER_ELEMENT[dtype]} bytes, storage has ${storage.bytes}`);
    }
    trackTensor(this);
  }

  /** Allocate an uninitialised tensor on `runtime`. */
  static empty(runtime: Runtime, shape: Shape, dtype: DType = 'f32'): Tensor {
    validateShape('Tensor.empty', shape);
    const bytes = Math.max(4, sizeOf(shape) * BYTES_PER_ELEMENT[dtype]);
    checkAllocation(runtime, shape, dtype, bytes);
    return new Tensor(new Storage(runtime, runtime.createStorage(bytes), bytes), shape, dtype);
  }

  get runtime(): Runtime {
    return this.storage.runtime;
  }

  get buffer(): GPUBuffer {
    this.assertLive('buffer');
    return this.storage.buffer;
  }

  get rank(): number {
    return this.shape.length;
  }

  get byteLength(): number {
    return this.size * BYTES_PER_ELEMENT[this.dtype];
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  assertLive(what = 'tensor'): void {
    if (this.disposed) throw new CmhashError(`${what}: tensor #${this.id} ${fmtShape(this.shape)} was disposed`);
  }

  /** A view with a new shape sharing this storage (one dimension may be -1). Not recorded on the tape. */
  view(shape: Shape): Tensor {
    this.assertLive('view');
    return new Tensor(this.storage.retain(), resolveReshape(this.shape, shape), this.dtype);
  }

  /** Copy to the host: Float32Array / Uint32Array / Int32Array. One submit and one map. */
  async read(): Promise<AnyTypedArray> {
    this.assertLive('read');
    const buf = await this.runtime.read(this.storage.buffer, 0, this.byteLength);
    return typedArrayFor(this.dtype, buf, this.size);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new ShapeError(`item: tensor has shape ${fmtShape(this.shape)}, expected one element`);
    return (await this.read())[0]!;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.node = null;
    this.grad?.dispose();
    this.grad = null;
    this.storage.release();
    untrackTensor(this);
  }

  toString(): string {
    return `Tensor#${this.id}(${fmtShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', grad' : ''})`;
  }
}
