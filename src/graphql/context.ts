import type { Runtime } from '../runtime';

/** Built once per GraphQL operation (HTTP request or subscription operation). */
export interface GraphQLContext {
  readonly runtime: Runtime;
  readonly requestId: string;
}
