// What the test pass gets right and wrong, from the model's outputs for every test image
// (Trainer.testOutputs, beside Trainer.evaluate): the confusion matrix, the accuracy and the first
// misclassified images. The prediction is the arg-max of the log-probabilities (the first on a tie).

export interface Misclassified {
  /** Position in the test split. */
  index: number;
  label: number;
  pred: number;
  /** The model's probability for its (wrong) prediction. */
  prob: number;
}

export interface Confusion {
  /** matrix[label][prediction]: how many test images of that label got that prediction. */
  matrix: number[][];
  /** Percent of images whose prediction is their label. */
  accuracy: number;
  /** The first `maxWrong` misclassified images, in split order. */
  wrong: Misclassified[];
}

/**
 * `logProbs` holds `classes` log-probabilities per image, image after image, one image per label.
 * Refuses outputs that do not match the labels, and a label with no output.
 */
export function confusion(logProbs: Float32Array, labels: ArrayLike<number>, classes: number, maxWrong: number): Confusion {
  const n = labels.length;
  if (logProbs.length !== n * classes)
    throw new Error(`confusion matrix: ${logProbs.length} outputs for ${n} test images × ${classes} classes (${n * classes} expected)`);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const wrong: Misclassified[] = [];
  let right = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < classes))
      throw new Error(`confusion matrix: label ${label} of test image ${i} has no output (the model has ${classes})`);
    const row = logProbs.subarray(i * classes, (i + 1) * classes);
    let p = 0;
    for (let c = 1; c < classes; c++) if (row[c] > row[p]) p = c;
    matrix[label][p]++;
    if (p === label) right++;
    else if (wrong.length < maxWrong) wrong.push({ index: i, label, pred: p, prob: Math.exp(row[p]) });
  }
  return { matrix, accuracy: (100 * right) / n, wrong };
}
