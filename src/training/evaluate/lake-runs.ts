/**
 * Lake et al.'s one-shot run format: each line of runNN/class_labels.txt is
 * "runNN/test/itemXX.png runNN/training/classYY.png" (paths relative to the
 * folder that holds the runs): the query and the training image of its class.
 */
import { DomainError, ErrorCode } from '../../errors';

/** Parses class_labels.txt into (test path, training path) pairs relative to the runs dir. */
export function parseClassLabels(text: string): Array<{ test: string; train: string }> {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [test, train] = l.split(/\s+/);
      if (!test || !train) throw new DomainError(ErrorCode.DATASET_INVALID, `malformed class_labels.txt line: '${l}'`);
      return { test, train };
    });
}
