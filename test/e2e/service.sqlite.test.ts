import { defineServiceSuite } from './service-suite';
import { tinyModelOnce } from '../fixtures/tiny-model-once';

defineServiceSuite('service end-to-end (SQLite)', {
  databaseUrl: () => undefined,
  // A real (tiny, random-weight, calibrated) model directory, loaded by the server itself.
  model: () => tinyModelOnce(),
});
