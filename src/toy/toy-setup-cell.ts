// Cell 1: the network's values as a form. It shows what toy-form.ts says about each field and
// emits `form-change` (detail: the new ToyFormInput) when a field or switch changes.
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { formToQuery, toFields, type Field, type ToyForm, type ToyFormInput } from './toy-form';
import { num, toyBase, toyTheme } from './toy-styles';
import { ERA_PRESET, MAZUR_PRESET, type ToySetup } from './toy';

@customElement('toy-setup-cell')
export class ToySetupCell extends LitElement {
  @property({ attribute: false }) input!: ToyFormInput;
  @property({ attribute: false }) form!: ToyForm;
  @property() status: CellStatus = 'idle';
  @state() private copied = '';
  static override styles = [toyTheme, toyBase, css`.form { display: grid; grid-template-columns: repeat(auto-fill, minmax(112px, 1fr)); gap: 8px 12px; }`];

  private emit(input: ToyFormInput) {
    this.copied = '';
    this.dispatchEvent(new CustomEvent<ToyFormInput>('form-change', { detail: input, bubbles: true, composed: true }));
  }

  private edit(k: Field, v: string) {
    this.emit({ ...this.input, fields: { ...this.input.fields, [k]: v } });
  }

  private preset(s: ToySetup) {
    this.emit({ fields: toFields(s), biases: s.biases, learnBiases: s.learnBiases });
  }

  private async copyLink() {
    const url = `${location.origin}${location.pathname}?${formToQuery(this.input)}`;
    try {
      await navigator.clipboard.writeText(url);
      this.copied = 'Link copied.';
    } catch {
      this.copied = url;
    }
  }

  private field(k: Field, label: string) {
    const { errors, notes } = this.form;
    return html`<label
      >${label}
      <input type="text" inputmode="decimal" data-testid="toy-input-${k}" .value=${this.input.fields[k]} aria-invalid=${errors[k] ? 'true' : 'false'}
        aria-describedby="msg-${k}" @change=${(e: Event) => this.edit(k, (e.target as HTMLInputElement).value)} />
      <span class="err" id="msg-${k}" data-testid="toy-error-${k}">${errors[k] ?? ''}</span>
      ${notes[k] ? html`<span class="note" data-testid="toy-note-${k}">${notes[k]}</span>` : null}</label
    >`;
  }

  override render() {
    const { setup, errors } = this.form;
    const { biases, learnBiases } = this.input;
    return html`<nb-cell index="1" heading="Network and values" status=${this.status} run-label="Run">
      <div class="row">
        Presets: <button data-testid="toy-preset-era" @click=${() => this.preset(ERA_PRESET)}>ERA sheet</button>
        <button data-testid="toy-preset-mazur" @click=${() => this.preset(MAZUR_PRESET)}>Mazur</button>
        <button data-testid="toy-copy-link" @click=${this.copyLink}>Copy link</button>
        <span class="muted" data-testid="toy-copied" role="status">${this.copied}</span>
      </div>
      <div class="form">
        ${this.field('i1', 'input i1')} ${this.field('i2', 'input i2')} ${this.field('t1', 'target t1')} ${this.field('t2', 'target t2')}
        ${[1, 2, 3, 4, 5, 6, 7, 8].map((k) => this.field(`w${k}` as Field, `w${k}`))}
        ${this.field('lr', 'learning rate η')}
      </div>
      <div class="row">
        <label class="inline"
          ><input type="checkbox" data-testid="toy-biases" .checked=${biases}
            @change=${(e: Event) => this.emit({ ...this.input, biases: (e.target as HTMLInputElement).checked })} />
          biases b1 (hidden), b2 (output)</label
        >
        <label class="inline"
          ><input type="checkbox" data-testid="toy-learn-biases" ?disabled=${!biases} .checked=${learnBiases}
            @change=${(e: Event) => this.emit({ ...this.input, learnBiases: (e.target as HTMLInputElement).checked })} />
          learn the biases</label
        >
      </div>
      ${
        biases
          ? html`<div class="form">
            ${this.field('b1', 'b1 (both hidden neurons)')} ${this.field('b2', 'b2 (both outputs)')}
          </div>`
          : null
      }
      ${Object.keys(errors).length ? html`<div class="warn" role="alert" data-testid="toy-invalid">Fix the marked fields; nothing runs until then.</div>` : null}
      ${
        setup
          ? html`<p class="muted">Inputs ${num('i1', setup.i1)}, ${num('i2', setup.i2)}; targets ${num('t1', setup.t1)}, ${num('t2', setup.t2)}.
            The GPU computes in float32 (about 7 significant digits, |x| up to 3.4e38).</p>`
          : null
      }
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-setup-cell': ToySetupCell;
  }
}
