/** The supervised models' learning-rate schedule: halve every few epochs, times the training loop's factor. */

/**
 * Learning rates of a model's optimiser groups: base × (the training loop's schedule factor) × 0.5^⌊epoch / halveEvery⌋
 * (MODELS.md: halve every 10 epochs [ours], not SSAH's per-epoch √10).
 */
export class HalvingLr {
  lrScale = 1;
  epochScale = 1;
  constructor(readonly halveEvery: number, private readonly optim: { setScale(...factors: number[]): void }) {}
  startEpoch(epoch: number): void {
    this.epochScale = this.halveEvery > 0 ? 0.5 ** Math.floor(epoch / this.halveEvery) : 1;
    this.apply();
  }
  setLrScale(scale: number): void {
    this.lrScale = scale;
    this.apply();
  }
  apply(): void {
    this.optim.setScale(this.lrScale, this.epochScale);
  }
  getState(): { lrScale: number; epochScale: number } {
    return { lrScale: this.lrScale, epochScale: this.epochScale };
  }
  setState(s: { lrScale: number; epochScale: number }): void {
    this.lrScale = s.lrScale;
    this.epochScale = s.epochScale;
    this.apply();
  }
}
