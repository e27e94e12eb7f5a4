/** The verification API's routes, for the front door's route table. */
import type { Route } from '../server.ts';
import { introspectRoutes } from './introspect.ts';
import { type ApiDeps, whoamiRoute } from './whoami.ts';

export const apiRoutes = (deps: ApiDeps & { introspectionSecret: string | undefined }): Route[] => [
  whoamiRoute(deps),
  ...introspectRoutes({ ...deps, secret: deps.introspectionSecret }),
];
