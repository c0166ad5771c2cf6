// A torchsummary-style table for a model spec (torchsummary.summary(model, (1, 28, 28))):
// each layer as Type-index with its output shape and parameter count, the totals, the sizes in
// MB as torchsummary computes them, and multiply-adds per image.
import { parseSpec, type LayerInfo } from './spec';
import { numel } from './tensor';

export interface SummaryRow {
  name: string;
  outShape: number[];
  params: number;
  /** Multiply-adds per image (convolutions and linear layers). */
  macs: number;
}

export interface Summary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  inputMB: number;
  forwardBackwardMB: number;
  paramsMB: number;
  totalMB: number;
  macs: number;
}

function macs(l: LayerInfo): number {
  if (l.type === 'Conv2d') return numel(l.outShape) * (l.inC / l.groups) * l.kh * l.kw;
  if (l.type === 'Linear') return l.inF * l.outF;
  return 0;
}

export function summarize(spec: unknown, inShape: number[]): Summary {
  const layers = parseSpec(spec, inShape);
  const rows = layers.map((l) => ({
    name: `${l.type}-${l.index + 1}`,
    outShape: l.outShape,
    params: l.params.reduce((s, p) => s + numel(p.shape), 0),
    macs: macs(l),
  }));
  const totalParams = rows.reduce((s, r) => s + r.params, 0);
  const MB = 1024 ** 2;
  // torchsummary: input = |prod(input) · batch(-1)| · 4 B; forward/backward = 2 · Σ outputs · 4 B.
  const inputMB = (numel(inShape) * 4) / MB;
  const forwardBackwardMB = (2 * rows.reduce((s, r) => s + numel(r.outShape), 0) * 4) / MB;
  const paramsMB = (totalParams * 4) / MB;
  return {
    rows,
    totalParams,
    trainableParams: totalParams,
    nonTrainableParams: 0,
    inputMB,
    forwardBackwardMB,
    paramsMB,
    totalMB: inputMB + forwardBackwardMB + paramsMB,
    macs: rows.reduce((s, r) => s + r.macs, 0),
  };
}

/** The table as torchsummary prints it. */
export function summaryText(s: Summary): string {
  const line = '-'.repeat(64);
  const row = (a: string, b: string, c: string) => `${a.padStart(20)}  ${b.padStart(25)} ${c.padStart(15)}`;
  const out = [line, row('Layer (type)', 'Output Shape', 'Param #'), '='.repeat(64)];
  for (const r of s.rows) out.push(row(r.name, `[-1, ${r.outShape.join(', ')}]`, r.params.toLocaleString('en-US')));
  out.push(
    '='.repeat(64),
    `Total params: ${s.totalParams.toLocaleString('en-US')}`,
    `Trainable params: ${s.trainableParams.toLocaleString('en-US')}`,
    `Non-trainable params: ${s.nonTrainableParams}`,
    line,
    `Input size (MB): ${s.inputMB.toFixed(2)}`,
    `Forward/backward pass size (MB): ${s.forwardBackwardMB.toFixed(2)}`,
    `Params size (MB): ${s.paramsMB.toFixed(2)}`,
    `Estimated Total Size (MB): ${s.totalMB.toFixed(2)}`,
    line,
    `Multiply-adds per image: ${s.macs.toLocaleString('en-US')}`,
  );
  return out.join('\n');
}
