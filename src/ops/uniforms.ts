/**
 * Packs a WGSL uniform struct. Fields are appended in declaration order; `dims` writes an
 * `array<vec4u, 2>` (up to 8 values, 16-byte aligned as WGSL requires for uniform arrays).
 */
export class Uniforms {
  private view: DataView;
  private buf: ArrayBuffer;
  private off = 0;

  constructor(capacity = 256) {
    this.buf = new ArrayBuffer(capacity);
    this.view = new DataView(this.buf);
  }

  u32(v: number): this {
    this.view.setUint32(this.off, v >>> 0, true);
    this.off += 4;
    return this;
  }

  i32(v: number): this {
    this.view.setInt32(this.off, v | 0, true);
    this.off += 4;
    return this;
  }

  f32(v: number): this {
    this.view.setFloat32(this.off, v, true);
    this.off += 4;
    return this;
  }

  /** Pad to a 16-byte boundary. */
  align16(): this {
    this.off = Math.ceil(this.off / 16) * 16;
    return this;
  }

  /** `array<vec4u, 2>`: up to 8 unsigned values, zero-filled. */
  dims(values: readonly number[]): this {
    if (values.length > 8) throw new RangeError(`rank ${values.length} exceeds the kernels' maximum of 8`);
    this.align16();
    for (let i = 0; i < 8; i++) this.view.setUint32(this.off + i * 4, values[i] ?? 0, true);
    this.off += 32;
    return this;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buf, 0, Math.max(16, Math.ceil(this.off / 16) * 16));
  }
}
