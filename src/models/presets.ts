// The models the model cell offers: ours, the S5 notebook's, and published ERA solutions as
// ../shared/reference/era-solutions.md describes them (parameter counts as torchsummary gives them).
import type { LayerSpec } from '../engine/spec';
import era17130 from './era-17130.json';
import era17640 from './era-17640.json';
import era18962 from './era-18962.json';
import era7918 from './era-7918.json';
import defaultSpec from './mnist-default.json';
import s5 from './s5.json';

export interface Preset {
  id: string;
  label: string;
  params: number;
  spec: LayerSpec[];
}

export const PRESETS: Preset[] = [
  { id: 'mnist-default', label: 'our default: BatchNorm, Dropout, GAP, 1×1 head', params: 8880, spec: defaultSpec },
  { id: 's5', label: 'the S5 notebook: conv 1→32→64→128→256, fc 4096→50→10', params: 593200, spec: s5 },
  { id: 'era-18962', label: 'ERA solution: [conv, conv] × 3 blocks, AvgPool2d(7), Linear 32→16→10', params: 18962, spec: era18962 },
  { id: 'era-17130', label: 'ERA solution: no padding, 1×1, Dropout2d, AvgPool2d(5), Linear 16→10', params: 17130, spec: era17130 },
  { id: 'era-17640', label: 'ERA solution: bias-free, 1×1 transition, GAP, no FC', params: 17640, spec: era17640 },
  { id: 'era-7918', label: 'ERA solution: 10-channel convs, two 1×1s, GAP', params: 7918, spec: era7918 },
];
