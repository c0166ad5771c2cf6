// The part of PyTorch's API a pasted model may use, with each call's positional parameter order
// (as torch 1.13–2.x define them), shared by the reader (parse.ts) and the writer (copy.ts).

/** nn.X constructors: parameters in PyTorch's positional order. */
export const MODULES: Record<string, string[]> = {
  Conv2d: ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'],
  BatchNorm2d: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'],
  ReLU: ['inplace'],
  Sigmoid: [],
  MaxPool2d: ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'],
  AdaptiveAvgPool2d: ['output_size'],
  AvgPool2d: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'],
  Flatten: ['start_dim', 'end_dim'],
  Dropout: ['p', 'inplace'],
  Dropout2d: ['p', 'inplace'],
  Linear: ['in_features', 'out_features', 'bias'],
  GroupNorm: ['num_groups', 'num_channels', 'eps', 'affine'],
  LayerNorm: ['normalized_shape', 'eps', 'elementwise_affine'],
  LogSoftmax: ['dim'],
};

/** How many leading parameters the writer passes by position (the required ones). */
export const POSITIONAL: Record<string, number> = {
  Conv2d: 3,
  BatchNorm2d: 1,
  MaxPool2d: 1,
  AvgPool2d: 1,
  AdaptiveAvgPool2d: 1,
  Linear: 2,
  Dropout: 1,
  Dropout2d: 1,
  GroupNorm: 2,
  LayerNorm: 1,
};

/**
 * Functions called on the tensor in forward, as layers: the PyTorch function (after aliases are
 * resolved), its parameters after the input, and the layer type it is.
 */
export const FUNCTIONS: Record<string, { type: string; params: string[] }> = {
  'torch.nn.functional.relu': { type: 'ReLU', params: ['inplace'] },
  'torch.relu': { type: 'ReLU', params: [] },
  'torch.sigmoid': { type: 'Sigmoid', params: [] },
  'torch.nn.functional.max_pool2d': { type: 'MaxPool2d', params: ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'] },
  'torch.nn.functional.avg_pool2d': { type: 'AvgPool2d', params: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'] },
  'torch.nn.functional.adaptive_avg_pool2d': { type: 'AdaptiveAvgPool2d', params: ['output_size'] },
  'torch.nn.functional.log_softmax': { type: 'LogSoftmax', params: ['dim'] },
  'torch.nn.functional.dropout': { type: 'Dropout', params: ['p', 'training', 'inplace'] },
  'torch.nn.functional.dropout2d': { type: 'Dropout2d', params: ['p', 'training', 'inplace'] },
  'torch.flatten': { type: 'Flatten', params: ['start_dim', 'end_dim'] },
};
