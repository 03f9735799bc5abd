/**
 * Stable error codes carried in GraphQL `extensions.code` and in CLI failures.
 * Clients switch on these strings: never rename one, only add.
 */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  INVALID_IMAGE = 'INVALID_IMAGE',
  /** The model has a face stage and no face was found in the image. */
  NO_FACE_DETECTED = 'NO_FACE_DETECTED',
  IMAGE_TOO_LARGE = 'IMAGE_TOO_LARGE',
  UNSUPPORTED_IMAGE = 'UNSUPPORTED_IMAGE',
  /** An image's shorter side is under SIAMESE_MIN_IMAGE_SIDE pixels (details: width, height, minSide). */
  IMAGE_TOO_SMALL = 'IMAGE_TOO_SMALL',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  TOO_MANY_IMAGES = 'TOO_MANY_IMAGES',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  ADMIN_DISABLED = 'ADMIN_DISABLED',
  RATE_LIMITED = 'RATE_LIMITED',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** The operation type is not served on this transport (queries and mutations over WebSocket: use HTTP POST /graphql). */
  OPERATION_NOT_SUPPORTED = 'OPERATION_NOT_SUPPORTED',
  MODEL_INCOMPATIBLE = 'MODEL_INCOMPATIBLE',
  TRAINING_IN_PROGRESS = 'TRAINING_IN_PROGRESS',
  DATASET_INVALID = 'DATASET_INVALID',
  /** A model trained on data erased while its run was going (right to erasure): it is deleted, never promoted or activated. */
  TRAINED_ON_ERASED_DATA = 'TRAINED_ON_ERASED_DATA',
  /** Every image-decoding slot is taken and the wait queue is full (or the wait ran out): retry after `retryAfterMs`. */
  SERVER_BUSY = 'SERVER_BUSY',
  /** An image took longer than SIAMESE_DECODE_TIMEOUT_MS to decode and embed. */
  DECODE_TIMEOUT = 'DECODE_TIMEOUT',
  /** The disk (or quota) holding the database or the index is full: the write was not made; reads still work. Retry once space is freed. */
  STORAGE_FULL = 'STORAGE_FULL',
  /** The database or the data directory cannot be written (read-only filesystem, permissions): the write was not made. */
  STORAGE_UNAVAILABLE = 'STORAGE_UNAVAILABLE',
  /** DATABASE_READ_URL is not a streaming standby of DATABASE_URL's cluster and database (checked at start; issue 18 read scaling). */
  READ_REPLICA_MISMATCH = 'READ_REPLICA_MISMATCH',
  /**
   * DATABASE_URL reaches a transaction pooler it was not told about (no `pgbouncer=true`), its pooled connections are in
   * another schema, or DATABASE_DIRECT_URL is not the same primary and database (checked at start; db/pooler.ts).
   */
  POOLER_MISCONFIGURED = 'POOLER_MISCONFIGURED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}
