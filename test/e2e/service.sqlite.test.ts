import { defineServiceSuite } from './service-suite';
import { pixelEmbedder } from '../fixtures/pixel-embedder';

defineServiceSuite('service end-to-end (SQLite)', {
  databaseUrl: () => undefined,
  model: async () => {
      const embedder = pixelEmbedder();
      return { embedder, card: embedder.card };
    },
});
