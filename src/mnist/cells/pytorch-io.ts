// The model cell's way in and out of PyTorch: the presets, a box to paste a model.py (read by the
// strict subset reader; a refusal names line, column and construct and leaves the spec as it was),
// and the current spec as model.py (copied or downloaded), whose Net loads our exported weights.
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { copyPyTorch } from '../../engine/pytorch/copy';
import { pastePyTorch } from '../../engine/pytorch/parse';
import { countParams, parseSpec, type LayerSpec } from '../../engine/spec';
import { PRESETS } from '../../models/presets';
import { specToText } from '../form';
import { SessionElement } from './base';

@customElement('mnist-pytorch-io')
export class PyTorchIo extends SessionElement {
  static override styles = [
    ...SessionElement.styles,
    css`
      textarea { width: 100%; box-sizing: border-box; min-height: 90px; font: 12px/1.35 ui-monospace, monospace; }
      label.preset { flex: 1 1 260px; min-width: 0; max-width: 480px; }
      select { width: 100%; }
      summary { cursor: pointer; font-size: 13px; }
    `,
  ];

  @state() private pasteError = '';
  @state() private note = '';
  @state() private pasted = '';

  private paste() {
    try {
      const spec = pastePyTorch(this.pasted);
      this.session.setSpec(specToText(spec));
      const n = countParams(parseSpec(spec, [1, 28, 28])).toLocaleString('en-US');
      this.pasteError = '';
      this.note = `Read ${spec.length} layers, ${n} parameters${spec.some((l) => l.name) ? '; the weights export under its module names' : ''}.`;
    } catch (e) {
      this.pasteError = (e as Error).message;
      this.note = '';
    }
  }

  private modelPy(): string | null {
    const v = this.s.spec.value;
    return Array.isArray(v) && !this.s.spec.error ? copyPyTorch(v as LayerSpec[]) : null;
  }

  private async copy() {
    const py = this.modelPy();
    if (py === null) return;
    try {
      await navigator.clipboard.writeText(py);
      this.note = `Copied model.py (${py.split('\n').length} lines) to the clipboard.`;
    } catch {
      this.note = 'The clipboard is not available here; download model.py instead.';
    }
  }

  private download() {
    const py = this.modelPy();
    if (py === null) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([py], { type: 'text/x-python' }));
    a.download = 'model.py';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 0);
  }

  override render() {
    const text = this.s.specText;
    const current = PRESETS.find((p) => specToText(p.spec) === text);
    const ok = !this.s.spec.error;
    return html`<div class="row">
        <label class="preset"
          >preset
          <select data-testid="mnist-preset" @change=${(e: Event) => this.pick((e.target as HTMLSelectElement).value)}>
            ${current ? null : html`<option value="" selected>your model</option>`}
            ${PRESETS.map((p) => html`<option value=${p.id} ?selected=${p === current}>${p.params.toLocaleString('en-US')} · ${p.label}</option>`)}
          </select></label
        >
        <button data-testid="mnist-copy-pytorch" ?disabled=${!ok} @click=${this.copy}>Copy as PyTorch</button>
        <button data-testid="mnist-download-pytorch" ?disabled=${!ok} @click=${this.download}>model.py</button>
      </div>
      <details>
        <summary>Paste PyTorch (a class Net(nn.Module) or an nn.Sequential)</summary>
        <textarea data-testid="mnist-paste" spellcheck="false" rows="6" aria-label="PyTorch model code" .value=${this.pasted}
          @input=${(e: Event) => (this.pasted = (e.target as HTMLTextAreaElement).value)}></textarea>
        <div class="row"><button data-testid="mnist-paste-apply" ?disabled=${!this.pasted.trim()} @click=${this.paste}>Read into the spec</button></div>
        ${this.pasteError ? html`<div class="warn" role="alert" data-testid="mnist-paste-error">${this.pasteError}</div>` : null}
      </details>
      <div class="muted" role="status" data-testid="mnist-pytorch-note">${this.note}</div>`;
  }

  private pick(id: string) {
    const p = PRESETS.find((x) => x.id === id);
    if (p) this.session.setSpec(specToText(p.spec));
    this.note = '';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-pytorch-io': PyTorchIo;
  }
}
