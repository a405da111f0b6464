/**
 * Scopes for GPU memory: `tidy(fn)` disposes every tensor created inside `fn` except those it
 * returns (which move to the enclosing scope). GPU memory never depends on the garbage collector.
 */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];
let liveTensors = 0;

export function trackTensor(t: Disposable): void {
  liveTensors++;
  scopes[scopes.length - 1]?.add(t);
}

export function untrackTensor(t: Disposable): void {
  liveTensors--;
  scopes[scopes.length - 1]?.delete(t);
}

/** Number of tensors created and not yet disposed (all scopes). */
export function liveTensorCount(): number {
  return liveTensors;
}

/** Exclude a tensor from the current scope so that tidy() does not dispose it. */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (!value || typeof value !== 'object' || depth > 4) return;
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) {
    out.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, depth + 1);
}

/**
 * Run `fn` in a new scope. Tensors in the return value (a tensor, an array, or a plain object of
 * them) survive; everything else created inside is disposed. `fn` must be synchronous: an async
 * function would leave the scope before its tensors exist.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    for (const t of scope) if (!t.isDisposed) t.dispose();
    throw new Error('tidy(fn): fn must be synchronous (it returned a Promise)');
  }
  const kept = new Set<Disposable>();
  collect(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}
