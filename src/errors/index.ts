export { ErrorCode } from './error-code';
export { DomainError, badInput, invalidImage, notFound, isDomainError } from './domain-error';
export { CancelledError, throwIfCancelled } from './cancelled-error';
