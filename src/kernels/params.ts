/**
 * Uniform packing from the kernel descriptors (src/kernels/descriptors.ts): fields by name, at the
 * offsets WGSL gives the generated `struct Params` (scalars align to 4 bytes, vec4f and
 * array<vec4u, 2> to 16), so no wrapper places padding by hand and a missing or misspelt field is a
 * type error.
 */
import { KERNELS, type DescribedKernel, type UniformType } from './descriptors.js';

type Fields<K extends DescribedKernel> = (typeof KERNELS)[K]['uniforms'];
/** The values of kernel K's uniforms: numbers for scalars, up to 4 numbers for vec4f, up to 8 for dims. */
export type UniformValues<K extends DescribedKernel> = {
  readonly [F in keyof Fields<K>]: Fields<K>[F] extends 'vec4f' | 'dims' ? readonly number[] : number;
};

const SIZE: Record<UniformType, number> = { u32: 4, i32: 4, f32: 4, vec4f: 16, dims: 32 };
const ALIGN: Record<UniformType, number> = { u32: 4, i32: 4, f32: 4, vec4f: 16, dims: 16 };

export interface UniformLayout {
  fields: { name: string; type: UniformType; offset: number }[];
  /** Bytes of the uniform block: the struct's size rounded up to 16 (and at least 16). */
  size: number;
}

const roundUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** WGSL's layout of a struct with these members, in order. */
export function uniformLayout(uniforms: Readonly<Record<string, UniformType>>): UniformLayout {
  let off = 0;
  const fields = Object.entries(uniforms).map(([name, type]) => {
    off = roundUp(off, ALIGN[type]);
    const f = { name, type, offset: off };
    off += SIZE[type];
    return f;
  });
  return { fields, size: Math.max(16, roundUp(off, 16)) };
}

const layouts = new Map<string, UniformLayout>();

export function layoutOf(kernel: DescribedKernel): UniformLayout {
  let l = layouts.get(kernel);
  if (!l) layouts.set(kernel, (l = uniformLayout(KERNELS[kernel].uniforms)));
  return l;
}

/** Pack kernel K's uniform block. Rank-limited arrays (dims) are zero-filled; too many values is an error. */
export function packUniforms<K extends DescribedKernel>(kernel: K, values: UniformValues<K>): Uint8Array {
  const bytes = new Uint8Array(layoutOf(kernel).size);
  packUniformsInto(kernel, values, new DataView(bytes.buffer));
  return bytes;
}

let scratch = new DataView(new ArrayBuffer(256));

/**
 * Kernel K's uniform block packed into a scratch buffer that the next call overwrites: for a caller that
 * hands it straight to rt.dispatch (which copies it into the uniform arena), so a dispatch allocates no
 * block of its own.
 */
export function packUniformsScratch<K extends DescribedKernel>(kernel: K, values: UniformValues<K>): Uint8Array {
  const size = layoutOf(kernel).size;
  if (size > scratch.byteLength) scratch = new DataView(new ArrayBuffer(size));
  const bytes = new Uint8Array(scratch.buffer, 0, size);
  bytes.fill(0);
  packUniformsInto(kernel, values, scratch);
  return bytes;
}

/** Write kernel K's uniforms at their offsets into `view` (which must be zeroed: unused dims stay 0). */
function packUniformsInto<K extends DescribedKernel>(kernel: K, values: UniformValues<K>, view: DataView): void {
  const l = layoutOf(kernel);
  const vals = values as Readonly<Record<string, number | readonly number[]>>;
  for (const f of l.fields) {
    const v = vals[f.name];
    if (v === undefined) throw new RangeError(`${kernel}: uniform ${f.name} is missing`);
    switch (f.type) {
      case 'u32': view.setUint32(f.offset, (v as number) >>> 0, true); break;
      case 'i32': view.setInt32(f.offset, (v as number) | 0, true); break;
      case 'f32': view.setFloat32(f.offset, v as number, true); break;
      case 'vec4f':
      case 'dims': {
        const arr = v as readonly number[];
        const cap = f.type === 'vec4f' ? 4 : 8;
        if (arr.length > cap) throw new RangeError(`${kernel}: uniform ${f.name} has ${arr.length} values, at most ${cap}${f.type === 'dims' ? ' (the kernels support rank ≤ 8)' : ''}`);
        for (let i = 0; i < arr.length; i++) {
          if (f.type === 'vec4f') view.setFloat32(f.offset + 4 * i, arr[i]!, true);
          else view.setUint32(f.offset + 4 * i, arr[i]! >>> 0, true);
        }
        break;
      }
    }
  }
}
