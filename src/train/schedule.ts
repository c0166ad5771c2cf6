// Learning-rate (and momentum) schedules with PyTorch's semantics, as a pure function of the
// optimizer step: StepLR (stepped per epoch) and OneCycleLR (stepped per batch).

export type Schedule =
  | { type: 'constant' }
  | { type: 'StepLR'; step_size: number; gamma: number }
  | {
      type: 'OneCycleLR';
      pct_start?: number;
      div_factor?: number;
      final_div_factor?: number;
      anneal_strategy?: 'cos' | 'linear';
      cycle_momentum?: boolean;
      base_momentum?: number;
      max_momentum?: number;
    };

export interface ScheduleInput {
  /** Base lr (constant, StepLR) or max_lr (OneCycleLR). */
  lr: number;
  momentum: number;
  epochs: number;
  stepsPerEpoch: number;
}

export type LrAt = (step: number) => { lr: number; momentum: number };

export function makeSchedule(s: Schedule, i: ScheduleInput): LrAt {
  switch (s.type) {
    case 'constant':
      return () => ({ lr: i.lr, momentum: i.momentum });
    case 'StepLR':
      return (step) => ({ lr: i.lr * s.gamma ** Math.floor(Math.floor(step / i.stepsPerEpoch) / s.step_size), momentum: i.momentum });
    case 'OneCycleLR': {
      const total = i.epochs * i.stepsPerEpoch;
      const pct = s.pct_start ?? 0.3;
      const initial = i.lr / (s.div_factor ?? 25);
      const min = initial / (s.final_div_factor ?? 1e4);
      const cycle = s.cycle_momentum ?? true;
      const mLo = s.base_momentum ?? 0.85;
      const mHi = s.max_momentum ?? 0.95;
      const anneal =
        (s.anneal_strategy ?? 'cos') === 'cos'
          ? (a: number, b: number, p: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1)
          : (a: number, b: number, p: number) => (b - a) * p + a;
      // torch.optim.lr_scheduler.OneCycleLR (three_phase = False).
      const phases = [
        { end: pct * total - 1, lr: [initial, i.lr], m: [mHi, mLo] },
        { end: total - 1, lr: [i.lr, min], m: [mLo, mHi] },
      ];
      return (step) => {
        let start = 0;
        for (let k = 0; k < phases.length; k++) {
          const ph = phases[k];
          if (step <= ph.end || k === phases.length - 1) {
            // A phase of zero length (very short runs, where PyTorch divides by zero) is complete.
            const p = ph.end > start ? (step - start) / (ph.end - start) : 1;
            return { lr: anneal(ph.lr[0], ph.lr[1], p), momentum: cycle ? anneal(ph.m[0], ph.m[1], p) : i.momentum };
          }
          start = ph.end;
        }
        throw new Error('unreachable');
      };
    }
  }
}
