import { LitElement, html } from 'lit';
import { customElement } from 'lit/decorators.js';

@customElement('mnist-section')
export class MnistSection extends LitElement {
  async runAll(): Promise<void> {}
  override render() {
    return html`<p>MNIST section</p>`;
  }
}
