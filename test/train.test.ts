/** Training loop, checkpoints (safetensors + JSON side file) and exact resume, with a tiny test model. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRuntime } from './helpers.js';
import * as lib from '../src/node.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { deserializeCheckpoint, serializeCheckpoint, type Checkpoint } from '../src/train/checkpoint.js';
import { train, type TrainConfig } from '../src/train/loop.js';
import { loadCheckpointDir, saveCheckpointDir } from '../src/train/node/files.js';
import { progressHooks } from '../src/train/node/progress.js';
import { lrScale, parseLrSchedule } from '../src/train/schedule.js';
import { smallDataset } from './fixtures/small-dataset.js';
import { createModel, registerModel, listModels } from '../src/models/registry.js';
import type { HashModel } from '../src/models/types.js';
// @ts-expect-error plain JS fixture shared with the CLI plugin
import { tinyModelFactory } from './fixtures/tiny-model.mjs';
import { expectDataError } from './expect-error.js';

const tmp = mkdtempSync(join(tmpdir(), 'cmhash-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe('safetensors', () => {
  const tensors = () => new Map<string, { shape: number[]; data: Float32Array | Uint32Array | Int32Array | Uint8Array }>([
    ['w', { shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => Math.fround(i * 0.37 - 2)) }],
    ['b', { shape: [5], data: Float32Array.from([1, -1, Math.fround(Math.PI), -0, 1e-30]) }],
    ['idx', { shape: [2, 2], data: Uint32Array.from([0, 1, 0xffffffff, 7]) }],
    ['neg', { shape: [3], data: Int32Array.from([-5, 0, 2 ** 31 - 1]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);

  it('round trips every dtype, shape and metadata; header is 8-byte aligned', () => {
    const bytes = encodeSafetensors(tensors(), { epoch: '3' });
    const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(hlen % 8).toBe(0);
    const back = decodeSafetensors(bytes, 'x.safetensors');
    expect(back.metadata).toEqual({ epoch: '3' });
    for (const [k, v] of tensors()) {
      const t = back.tensors.get(k)!;
      expect(t.shape, k).toEqual(v.shape);
      expect(Array.from(t.data), k).toEqual(Array.from(v.data));
      expect(t.data.constructor, k).toBe(v.data.constructor);
    }
  });

  it('reads a file laid out as the reference writer does (F64 and F16 converted to f32)', () => {
    // Hand-built: header {"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}}
    const header = JSON.stringify({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, h: { dtype: 'F16', shape: [2], data_offsets: [16, 20] } });
    const hb = new TextEncoder().encode(header);
    const buf = new Uint8Array(8 + hb.length + 20);
    const dv = new DataView(buf.buffer);
    dv.setBigUint64(0, BigInt(hb.length), true);
    buf.set(hb, 8);
    const d0 = 8 + hb.length;
    dv.setFloat64(d0, 1.5, true); dv.setFloat64(d0 + 8, -0.25, true);
    dv.setUint16(d0 + 16, 0x3c00, true); dv.setUint16(d0 + 18, 0xc000, true); // 1.0, -2.0
    const t = decodeSafetensors(buf).tensors;
    expect(Array.from(t.get('a')!.data)).toEqual([1.5, -0.25]);
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2]);
  });

  it('rejects corrupted files with a DataError naming the file and the tensor', () => {
    const good = encodeSafetensors(tensors());
    expectDataError(() => decodeSafetensors(good.subarray(0, 5), 'f.st'), /f\.st: truncated: 5 bytes/);
    expectDataError(() => decodeSafetensors(good.subarray(0, 40), 'f.st'), /f\.st: truncated or not safetensors: header length/);
    expectDataError(() => decodeSafetensors(good.subarray(0, good.length - 4), 'f.st'), /f\.st: tensor '\w+': data_offsets .* run past the end|data section has/);
    const badJson = good.slice(); badJson[9] = 0x7b; badJson[10] = 0x7b;
    expectDataError(() => decodeSafetensors(badJson, 'f.st'), /f\.st: header is not valid UTF-8 JSON/);
    const mk = (h: object, dataBytes: number) => {
      const hb = new TextEncoder().encode(JSON.stringify(h));
      const b = new Uint8Array(8 + hb.length + dataBytes);
      new DataView(b.buffer).setBigUint64(0, BigInt(hb.length), true);
      b.set(hb, 8);
      return b;
    };
    expectDataError(() => decodeSafetensors(mk({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), 'f.st'), /tensor 'w': 8 bytes for shape \[3\] of F32 \(needs 12\)/);
    expectDataError(() => decodeSafetensors(mk({ w: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, 4), 'f.st'), /tensor 'w': unknown dtype "Q7"/);
    expectDataError(() => decodeSafetensors(mk({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8), 'f.st'), /overlapping or missing data/);
  });
});

describe('progress display', () => {
  const fakeStream = (tty: boolean) => {
    let text = '';
    const stream = { isTTY: tty, columns: 120, write: (s: string) => { text += s; return true; }, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream };
    return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
  };
  it('a bar with loss and items/s on a TTY, plain lines otherwise', () => {
    for (const tty of [true, false]) {
      const f = fakeStream(tty);
      const p = progressHooks({ epochs: 3, stream: f.stream, tty });
      for (let step = 1; step <= 4; step++) p.onStep!({ epoch: 0, step, steps: 4, loss: 0.5 / step, itemsPerSec: 321 });
      p.onEpoch!({ epoch: 1, loss: 0.25, seconds: 1.5, itemsPerSec: 321, val: { i2t: 0.5, t2i: 0.25, mean: 0.375 } });
      p.stop();
      const out = f.text();
      expect(out).toContain('epoch 1/3: loss 0.2500 | 321 items/s | 1.5 s | val mAP I→T 0.5000 T→I 0.2500');
      if (tty) expect(out).toMatch(/epoch 1\/3 \[.*\] 4\/4 \| loss 0\.1250 \| 321 items\/s/);
      else expect(out.split('\n').filter(Boolean).length).toBe(1);
    }
  });
});

describe('schedules', () => {
  it('parses and evaluates', () => {
    expect(lrScale(parseLrSchedule('step:2:0.5'), 5, 10)).toBe(0.25);
    expect(lrScale(parseLrSchedule('cosine'), 0, 10)).toBe(1);
    expect(lrScale(parseLrSchedule('warmup:4'), 1, 10)).toBe(0.5);
    expect(() => parseLrSchedule('step:0:1')).toThrow(/every must be a positive integer/);
  });
});

/** A small slice of the default dataset: 160 training rows, 32 validation, 48 queries. */
describe('training loop with exact resume', () => {
  const config: TrainConfig = { epochs: 4, batchSize: 32, seed: 5, evalEvery: 2, patience: 0, checkpointEvery: 2, lrSchedule: { kind: 'step', every: 2, gamma: 0.5 } };
  const factory = tinyModelFactory(lib);

  async function weights(m: HashModel): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const [k, t] of m.namedParameters()) out.set(k, Array.from(await t.read()));
    return out;
  }

  it('registry: registered models are listed and built; unknown names list what exists', async () => {
    const rt = await getRuntime();
    registerModel('tiny', factory, { description: 'test' });
    expect((await listModels()).find((m) => m.name === 'tiny')?.batchSize).toBe(32); // the default batch
    expect(() => registerModel('tiny-b1', factory, { batchSize: 1 })).toThrow(/registerModel 'tiny-b1': batchSize must be an integer ≥ 2, got 1/);
    const m = await createModel('tiny', rt, { bits: 16, seed: 1, dims: { imageDim: 4, textDim: 3, numLabels: 2 } });
    expect(m.info.bits).toBe(16);
    m.dispose();
    await expect(createModel('nope', rt, { bits: 16, seed: 1, dims: { imageDim: 4, textDim: 3, numLabels: 2 } })).rejects.toThrow(/unknown model 'nope'. Available in this build: .*tiny/);
  });

  it('save → load → resume matches an uninterrupted run bit for bit', async () => {
    const rt = await getRuntime();
    const ds = smallDataset();
    const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
    const make = () => factory(rt, { bits: 16, seed: 3, dims, lr: 0.2 }) as HashModel;

    // Uninterrupted run, keeping the epoch-2 checkpoint (through the on-disk format).
    const a = make();
    let mid: Checkpoint | null = null;
    const evals: number[] = [];
    const resA = await train(a, ds, config, {
      saveCheckpoint: async (c, tag) => {
        if (tag === 'last' && c.meta.loop.epoch === 2) {
          saveCheckpointDir(join(tmp, 'ck2'), c);
          mid = loadCheckpointDir(join(tmp, 'ck2'));
        }
      },
      onEval: ({ metrics }) => evals.push(metrics.meanMap),
    });
    expect(mid).not.toBeNull();
    expect(resA.state.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(evals.length).toBe(2);
    expect(resA.state.history[3]!.lrScale).toBe(0.5);
    const wa = await weights(a);

    // Fresh model (same seed), resumed from the checkpoint: identical weights and losses.
    const b = make();
    const resB = await train(b, ds, config, {}, mid!);
    const wb = await weights(b);
    for (const [k, v] of wa) expect(wb.get(k), k).toEqual(v);
    expect(resB.state.history.map((h) => h.loss)).toEqual(resA.state.history.map((h) => h.loss));
    expect(resB.state.history.map((h) => h.val)).toEqual(resA.state.history.map((h) => h.val));

    // Negative control: dropping the optimizer state from the checkpoint changes the result.
    const c = make();
    const noState: Checkpoint = { ...mid!, stateTensors: new Map() };
    await train(c, ds, config, {}, noState);
    const wc = await weights(c);
    expect([...wa.keys()].some((k) => JSON.stringify(wc.get(k)) !== JSON.stringify(wa.get(k)))).toBe(true);
    for (const m of [a, b, c]) m.dispose();
  });

  it('early stop, corrupted checkpoints and a wrong model are reported clearly', async () => {
    const rt = await getRuntime();
    const ds = smallDataset();
    const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
    // lr 0 → validation mAP never improves after the first evaluation: patience 1 stops at epoch 2.
    const m = factory(rt, { bits: 16, seed: 3, dims, lr: 0 }) as HashModel;
    let last: Checkpoint | null = null;
    const res = await train(m, ds, { ...config, epochs: 6, evalEvery: 1, patience: 1, lrSchedule: undefined }, { saveCheckpoint: async (c, t) => { if (t === 'last') last = c; } });
    expect(res.stoppedEarly).toBe(true);
    expect(res.state.epoch).toBe(2);
    expect(last!.meta.loop.stopped).toBe(true);
    // minEpochs: the same run cannot stop before epoch 4 (the warm-up guard of issue 12), and then stops at once.
    const floor = factory(rt, { bits: 16, seed: 3, dims, lr: 0 }) as HashModel;
    const held = await train(floor, ds, { ...config, epochs: 6, evalEvery: 1, patience: 1, minEpochs: 4, lrSchedule: undefined });
    expect(held.stoppedEarly).toBe(true);
    expect(held.state.epoch).toBe(4);
    expect(held.best!.epoch).toBe(1);
    floor.dispose();
    await expect(train(m, ds, { ...config, minEpochs: -1 })).rejects.toThrow(/minEpochs must be an integer ≥ 0, got -1/);

    const dir = join(tmp, 'ck-bad');
    saveCheckpointDir(dir, last!);
    const files = serializeCheckpoint(last!);
    writeFileSync(join(dir, 'model.safetensors'), files['model.safetensors'].subarray(0, files['model.safetensors'].length - 10));
    expectDataError(() => loadCheckpointDir(dir), /ck-bad\/model\.safetensors: /);
    writeFileSync(join(dir, 'model.safetensors'), files['model.safetensors']);
    writeFileSync(join(dir, 'checkpoint.json'), files['checkpoint.json'].replace('cmhash-checkpoint/1', 'other/9'));
    expectDataError(() => loadCheckpointDir(dir), /checkpoint\.json: field 'format'/);
    expect(() => deserializeCheckpoint({ model: files['model.safetensors'], state: null, json: '{' }, 'w')).toThrow(/w\/checkpoint\.json: not valid JSON/);
    // Weights of another shape.
    const other = factory(rt, { bits: 16, seed: 3, dims: { ...dims, textDim: dims.textDim + 1 }, lr: 0 }) as HashModel;
    await expect(train(other, { ...ds, textDim: ds.textDim + 1, text: new Float32Array(ds.n * (ds.textDim + 1)) }, config, {}, last!)).rejects.toThrow(/trained with textDim 10, dataset .* has 11/);
    m.dispose();
    other.dispose();
  });
});
