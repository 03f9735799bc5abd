import { createContext } from 'preact';

/** Who the server takes this tab for (Query.viewer), refreshed on sign-in and sign-out. */
export interface Viewer {
  role: 'NONE' | 'SEARCH' | 'READ' | 'ENROLL' | 'ADMIN';
  authenticated: boolean;
  seesIdentityNames: boolean;
  seesPersonalData: boolean;
}

export const ANONYMOUS: Viewer = { role: 'NONE', authenticated: false, seesIdentityNames: false, seesPersonalData: false };

export interface Session {
  viewer: Viewer;
  isAdmin: boolean;
  canEnroll: boolean;
}

export const SessionContext = createContext<Session>({
  viewer: ANONYMOUS,
  isAdmin: false,
  canEnroll: false,
});

export const VIEWER_QUERY = `query Viewer { viewer { role authenticated seesIdentityNames seesPersonalData } }`;
