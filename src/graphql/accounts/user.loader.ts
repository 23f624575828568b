import DataLoader from 'dataloader';
import type { User } from '../../accounts/model';
import type { GraphQLContext } from '../context';

const loaders = new WeakMap<GraphQLContext, DataLoader<string, User | null>>();

/**
 * The user of `id`, batched: every call in one operation (e.g. `Appointment.customer` across a page)
 * becomes one `usersByIds` query. One loader per context, so nothing is cached across requests.
 */
export function loadUser(ctx: GraphQLContext, id: string): Promise<User | null> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new DataLoader<string, User | null>((ids) => ctx.runtime.accounts.usersByIds(ids));
    loaders.set(ctx, loader);
  }
  return loader.load(id);
}
