/** Errors raised by cmhash. Each names the argument and the shapes involved so a user can fix the call. */
export class CmhashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong rank, mismatched or invalid shape. */
export class ShapeError extends CmhashError {}
/** Wrong or unsupported dtype. */
export class DTypeError extends CmhashError {}
/** No WebGPU adapter/device could be obtained. */
export class AdapterError extends CmhashError {}
/** A WGSL kernel failed to compile; the message carries file:line:col. */
export class KernelCompileError extends CmhashError {}
/** A GPU validation or out-of-memory error surfaced asynchronously. */
export class GpuError extends CmhashError {}
/** Malformed input data (files, NaNs, ranges). */
export class DataError extends CmhashError {}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
