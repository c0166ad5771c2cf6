// The kernel rule each Conv2d and Linear of a training plan follows, as the plan report prints it.
import { convDims, fusesWithPool } from './conv-layer';
import { linearGemm } from './layers';
import { convTile } from './ops/conv2d';
import { tileText } from './ops/gemm';
import { convChoice } from './ops/gemm_conv2d';
import type { Runtime } from './runtime';
import type { LayerInfo } from './spec';

/**
 * The kernel rule each Conv2d and Linear of a training plan follows at batch N (printed with the
 * plan report): "layer 9 Conv2d 128→256: forward gemm 128×128×16 tile; dx …; dw …".
 */
export function layerRules(rt: Runtime, infos: LayerInfo[], N: number): string[] {
  const fusePool = rt.tuning.fuseConvPool;
  const first = infos.findIndex((l) => l.params.length > 0);
  return infos.flatMap((l, i) => {
    const next = infos[i + 1];
    if (l.type === 'Conv2d' && l.general) {
      const what = [l.sh * l.sw > 1 && `stride ${l.sh}×${l.sw}`, l.dh * l.dw > 1 && `dilation ${l.dh}×${l.dw}`, l.groups > 1 && `groups ${l.groups}`];
      const passes = ['forward', ...(i > first ? ['dx'] : []), 'dw'].map((p) => `${p} conv2d_general`);
      return [
        `layer ${i} Conv2d ${l.inC}→${l.outC} ${l.kh}×${l.kw} at ${l.inShape[1]}×${l.inShape[2]} (${what.filter(Boolean).join(', ')}): ${passes.join('; ')}`,
      ];
    }
    if (l.type === 'Conv2d') {
      const d = convDims(l, N);
      const pooled = fusePool && fusesWithPool(l, next);
      const bn = next?.type === 'BatchNorm2d' && infos[i + 2]?.type === 'ReLU';
      const inHead = infos[i - 1]?.type === 'AdaptiveAvgPool2d' && infos[i + 1]?.type === 'Flatten';
      if (inHead) return [`layer ${i} Conv2d ${l.inC}→${l.outC}: the fused classifier head`];
      const fwd = pooled
        ? 'forward conv1x1_pool (direct)'
        : bn
          ? `forward direct ${convTile(rt, d).B}×${convTile(rt, d).T} with the BatchNorm statistics epilogue`
          : null;
      const passes = [
        fwd ?? `forward ${convChoice(rt, d, 'forward').text}`,
        ...(i > first ? [`dx ${convChoice(rt, d, 'input', pooled).text}`] : []),
        `dw ${convChoice(rt, d, 'weight', pooled).text}`,
      ];
      return [`layer ${i} Conv2d ${l.inC}→${l.outC} ${l.kh}×${l.kw} at ${l.inShape[1]}×${l.inShape[2]}: ${passes.join('; ')}`];
    }
    if (l.type === 'Linear') {
      if (infos[i - 1]?.type === 'Flatten' && infos[i - 2]?.type === 'AdaptiveAvgPool2d' && next?.type === 'LogSoftmax')
        return [`layer ${i} Linear ${l.inF}→${l.outF}: the fused classifier head`];
      const text = (dims: { M: number; N: number; K: number }) => {
        const p = linearGemm(rt, dims);
        return !p ? 'matmul' : `${tileText(p.tile)}${p.S > 1 ? `, split ${p.S}` : ''}`;
      };
      const passes = [
        `forward ${text({ M: N, N: l.outF, K: l.inF })}`,
        ...(i > first ? [`dx ${text({ M: N, N: l.inF, K: l.outF })}`] : []),
        `dw ${text({ M: l.outF, N: l.inF, K: N })}`,
      ];
      return [`layer ${i} Linear ${l.inF}→${l.outF}: ${passes.join('; ')}`];
    }
    return [];
  });
}
