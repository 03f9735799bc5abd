import { registerEnumType } from 'type-graphql';

/** The embedding space's distance function (see src/metric/metric.ts). */
export enum MetricEnum {
  euclidean = 'euclidean',
  cosine = 'cosine',
}

registerEnumType(MetricEnum, {
  name: 'Metric',
  description: 'Distance function of the embedding space. euclidean: ||a−b||₂; cosine: 1 − cos(a,b).',
});
