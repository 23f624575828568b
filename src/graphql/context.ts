import type { Viewer } from '../accounts/model';
import type { Runtime } from '../runtime';

/** Built once per GraphQL operation (HTTP request or subscription operation). */
export interface GraphQLContext {
  readonly runtime: Runtime;
  readonly requestId: string;
  /** Who sends the operation (a valid access token), null when anonymous. See graphql/auth. */
  readonly viewer: Viewer | null;
  /** The client's address (rate limits); honours X-Forwarded-For only with TRUST_PROXY. */
  readonly clientAddress: string;
}
