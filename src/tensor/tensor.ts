/**
 * Tensor: shape, dtype and a refcounted GPU buffer. Reshapes share storage. Release GPU memory with
 * `dispose()` or a `tidy()` scope.
 */
import type { Runtime } from '../runtime/runtime.js';
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import { BYTES_PER_ELEMENT, typedArrayFor, type AnyTypedArray, type DType } from './dtype.js';
import { trackTensor, untrackTensor } from './scope.js';
import { resolveReshape, sizeOf, validateShape, type Shape } from './shape.js';

/**
 * A GPU buffer (or a byte range of one) shared by a tensor and its reshaped views. A sub-range
 * (`Storage.slice`: optimiser arenas hold every parameter of a model in one buffer) keeps its parent
 * alive; kernels bind it as `{ buffer, offset, size }` through `binding`.
 */
export class Storage {
  private refs = 1;
  /**
   * What kernels bind: the buffer, this storage's offset and size (one object, reused by every bind). It
   * covers whole vec4s (the size rounded up to 16 bytes), so kernels that bind tensors as vec4s (the
   * elementwise ones, kernels/vec4_grid.wgsl) reach every element: the rounding stays inside the buffer
   * (the pool's sizes are multiples of 16) and belongs to no other tensor (a slice starts at a multiple
   * of minStorageBufferOffsetAlignment, itself a multiple of 16).
   */
  readonly binding: GPUBufferBinding;

  constructor(
    readonly runtime: Runtime, readonly buffer: GPUBuffer, readonly bytes: number,
    readonly byteOffset = 0, private readonly parent: Storage | null = null,
  ) {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (byteOffset % 16 !== 0 || byteOffset + size > buffer.size) {
      throw new RangeError(`Storage: bytes [${byteOffset}, ${byteOffset + bytes}) rounded up to whole vec4s (${size} bytes) must start at a multiple of 16 and lie in the ${buffer.size}-byte buffer`);
    }
    this.binding = byteOffset === 0 && !parent ? { buffer } : { buffer, offset: byteOffset, size };
  }

  /**
   * A sub-range of this storage, starting `byteOffset` bytes in (a multiple of the device's
   * minStorageBufferOffsetAlignment, so it can be bound on its own). It holds a reference to this storage.
   */
  slice(byteOffset: number, bytes: number): Storage {
    const align = this.runtime.limits.minStorageBufferOffsetAlignment;
    if (byteOffset % align !== 0 || byteOffset < 0 || byteOffset + bytes > this.bytes) {
      throw new RangeError(`Storage.slice: bytes [${byteOffset}, ${byteOffset + bytes}) must lie in the ${this.bytes}-byte storage and start at a multiple of ${align}`);
    }
    return new Storage(this.runtime, this.buffer, bytes, this.byteOffset + byteOffset, this.retain());
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs !== 0) return;
    if (this.parent) this.parent.release();
    else this.runtime.release(this.buffer);
  }
}

/** Backward rule recorded on the tape: maps the output gradient to one gradient per input. */
export interface GradNode {
  op: string;
  inputs: readonly Tensor[];
  /**
   * Input gradients from the output's. With `sumsInto`, backward() gets `into[i]`, the gradient input i has
   * gathered so far (or undefined), and returns into[i] + its own gradient for every i where into[i] is given
   * (e.g. summed in a GEMM's store: one pass, not the GEMM's and the tape's add).
   */
  backward: (gradOutput: Tensor, into?: readonly (Tensor | undefined)[]) => readonly (Tensor | null | undefined)[];
  sumsInto?: boolean;
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
  /**
   * Where backward() puts this leaf's first gradient (a range of an optimiser's gradient arena), instead
   * of a fresh tensor; null for a fresh one.
   */
  gradSlot: Tensor | null = null;
  /** How this tensor was computed, when recorded on the tape. */
  node: GradNode | null = null;
  private disposed = false;
  /** Where the data lives; replaced only by moveTo(). */
  storage: Storage;

  constructor(storage: Storage, shape: Shape, readonly dtype: DType) {
    this.storage = storage;
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

  /** The storage as kernels bind it (the whole buffer, or the tensor's range of an arena). */
  get buffer(): GPUBufferBinding {
    this.assertLive('buffer');
    return this.storage.binding;
  }

  /** The GPU buffer holding the data, for copies and reads: the data starts at `byteOffset`. */
  get gpuBuffer(): GPUBuffer {
    this.assertLive('gpuBuffer');
    return this.storage.buffer;
  }

  get byteOffset(): number {
    return this.storage.byteOffset;
  }

  /**
   * Move this tensor's data into `storage` (same byte size or more), keeping the tensor object (and its
   * requiresGrad, grad and the modules that hold it): optimisers move parameters into one arena buffer.
   * Views taken earlier keep the old storage.
   */
  moveTo(storage: Storage): void {
    this.assertLive('moveTo');
    if (storage.bytes < this.byteLength) throw new ShapeError(`moveTo: ${this} needs ${this.byteLength} bytes, storage has ${storage.bytes}`);
    if (this.byteLength > 0) this.runtime.copy(this.storage.binding, 0, storage.binding, 0, Math.ceil(this.byteLength / 4) * 4);
    this.storage.release();
    this.storage = storage;
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
    const buf = await this.runtime.read(this.storage.binding, 0, this.byteLength);
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
