export { ApiKeyService, API_KEY_CACHE_MS, API_KEY_PREFIX, hashApiKey, isApiKeyShaped } from './api-key.service';
export type { AuthenticatedKey, KeyCheck, ApiKeyServiceOptions } from './api-key.service';
export { ROLES, ANONYMOUS_ROLES, API_KEY_ROLES, roleAtLeast, roleRank, isApiKeyRole, nameRole } from './roles';
export type { Role, AnonymousRole, ApiKeyRole, AccessSettings } from './roles';
