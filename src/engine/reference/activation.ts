// float64 reference for ReLU and Sigmoid; backward from the forward output, as the kernels do.
type A = ArrayLike<number>;

export const reluForward = (x: A) => Float64Array.from(x, (v) => (v > 0 || Number.isNaN(v) ? v : 0));
export const reluBackward = (y: A, dy: A) => Float64Array.from(dy, (g, i) => (y[i] > 0 ? g : 0));
export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
export const sigmoidForward = (x: A) => Float64Array.from(x, sigmoid);
export const sigmoidBackward = (y: A, dy: A) => Float64Array.from(dy, (g, i) => g * y[i] * (1 - y[i]));
