// Cells 1–3: transforms (augmentation on the GPU, before and after), the dataset (counts per
// class, samples), and the data loaders (batches per epoch).
import { css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import '../../ui/digit-grid';
import '../../ui/nb-cell';
import { fmt, fmtBytes, fmtInt, fmtSeconds } from '../../ui/format';
import { loadingBar, SessionElement } from './base';

@customElement('mnist-transforms-cell')
export class TransformsCell extends SessionElement {
  override render() {
    const s = this.s;
    const p = s.preview;
    const preset = (rotation: string, cropP: string) => {
      this.session.setForm('rotation', rotation);
      this.session.setForm('cropP', cropP);
    };
    return html`<nb-cell index="1" heading="Transforms" status=${s.status.transforms ?? 'idle'} message=${s.messages.transforms ?? ''}
        ?run-disabled=${Boolean(s.noGpu)} @run=${this.session.runTransforms}>
      <div class="form">${this.field('rotation', 'random rotation ± degrees')} ${this.field('cropP', 'centre-crop 22 → 28, probability')}</div>
      <div class="row">
        <button data-testid="mnist-s5-transforms" @click=${() => preset('15', '0.1')}>S5 transforms (±15°, crop p = 0.1)</button>
        <button @click=${() => preset('7', '0')}>Default (±7°)</button>
        <span class="muted">then Normalize(0.1307, 0.3081); the test set is only normalised.</span>
      </div>
      ${loadingBar(s)}
      ${
        p
          ? html`<div class="grid2">
              <div><div class="muted">before</div><digit-grid .images=${p.before} columns="8" scale="2"></digit-grid></div>
              <div><div class="muted">after (as the model sees them)</div><digit-grid .images=${p.after} columns="8" scale="2"></digit-grid></div>
            </div>
            <p class="muted" data-testid="mnist-augment-timing">Augmentation runs on the GPU, in a WGSL kernel that also gathers the batch from the resident data set:
              ${fmt(p.gpuMsPerBatch, 3)} ms per batch of 128 here; the same transform in JavaScript, as a CPU worker would do it, takes
              ${fmt(p.cpuMsPerBatch, 3)} ms.</p>`
          : null
      }
    </nb-cell>`;
  }
}

@customElement('mnist-dataset-cell')
export class DatasetCell extends SessionElement {
  static override styles = [...SessionElement.styles, css`.bar { height: 8px; }`];

  override render() {
    const s = this.s;
    const i = s.info;
    return html`<nb-cell index="2" heading="Dataset" status=${s.status.dataset ?? 'idle'} message=${s.messages.dataset ?? ''}
        ?run-disabled=${Boolean(s.noGpu)} @run=${this.session.runDataset}>
      ${
        !i
          ? html`<p class="muted">Run to load MNIST (60,000 + 10,000 digits, about 11 MB) from this site.</p>${loadingBar(s)}`
          : html`<div class="grid2">
              <table data-testid="mnist-class-counts">
                <tr><th>digit</th><th>train</th><th></th><th>test</th></tr>
                ${i.trainPerClass.map((n, c) => html`<tr><td>${c}</td><td>${fmtInt(n)}</td><td><span class="bar" style="width:${(80 * n) / Math.max(...i.trainPerClass)}px"></span></td><td>${fmtInt(i.testPerClass[c])}</td></tr>`)}
                <tr><th>all</th><th data-testid="mnist-train-count">${fmtInt(i.trainCount)}</th><th></th><th data-testid="mnist-test-count">${fmtInt(i.testCount)}</th></tr>
              </table>
              ${s.samples ? html`<div><div class="muted">the first 8 training images of each digit</div><digit-grid .images=${s.samples.images} columns="8" scale="2"></digit-grid></div>` : null}
            </div>
            <p class="muted">Loaded and checked (SHA-256) in ${fmtSeconds(i.loadMs / 1000)}; kept on the GPU as uint8 (${fmtBytes((i.trainCount + i.testCount) * 784)}).</p>`
      }
    </nb-cell>`;
  }
}

@customElement('mnist-loaders-cell')
export class LoadersCell extends SessionElement {
  override render() {
    const s = this.s;
    const c = s.parsed;
    const n = Math.min(s.info?.trainCount ?? 60000, c.trainLimit ?? Infinity);
    const t = Math.min(s.info?.testCount ?? 10000, c.testLimit ?? Infinity);
    const b = c.config?.batch;
    return html`<nb-cell index="3" heading="Data loaders" status=${s.status.loaders ?? 'idle'} message=${s.messages.loaders ?? ''}
        ?run-disabled=${Boolean(s.noGpu)} @run=${this.session.runLoaders}>
      <div class="form">
        ${this.field('batch', 'batch size')} ${this.field('seed', 'shuffle seed')}
        ${this.field('trainLimit', 'train on the first … (empty: all)')} ${this.field('testLimit', 'test on the first … (empty: all)')}
      </div>
      ${
        b
          ? html`<p data-testid="mnist-loader-summary">Train: ${fmtInt(n)} images → ${Math.ceil(n / b)} batches of ${b}${n % b ? `, the last one ${n % b} (kept)` : ''}, reshuffled every epoch with seed ${c.config!.seed}.
            Test: ${fmtInt(t)} images → ${Math.ceil(t / b)} batches, in order.</p>`
          : null
      }
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-transforms-cell': TransformsCell;
    'mnist-dataset-cell': DatasetCell;
    'mnist-loaders-cell': LoadersCell;
  }
}
