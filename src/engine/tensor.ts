import type { Binding } from './runtime';

export type Shape = readonly number[];

/** A float32 (unless said otherwise) GPU tensor: a buffer or a slice of one, and its shape. */
export interface Tensor {
  buf: Binding;
  shape: Shape;
}

export function numel(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
