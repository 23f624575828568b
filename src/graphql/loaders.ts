import DataLoader from 'dataloader';
import type { AppointmentView, ProviderView, ServiceView } from '../projections/queries/views';
import type { GraphQLContext } from './context';

export interface Loaders {
  readonly provider: DataLoader<string, ProviderView | null>;
  readonly service: DataLoader<string, ServiceView | null>;
  readonly servicesOfProvider: DataLoader<string, ServiceView[]>;
  readonly appointment: DataLoader<string, AppointmentView | null>;
}

const perContext = new WeakMap<GraphQLContext, Loaders>();

/**
 * Read-model loaders, one set per operation: a page of 50 appointments asking for `provider`,
 * `service` and `customer` costs three queries, not 150. Nothing is cached across operations.
 */
export function loaders(ctx: GraphQLContext): Loaders {
  let l = perContext.get(ctx);
  if (!l) {
    const q = ctx.runtime.readSide.queries;
    l = {
      provider: new DataLoader((ids) => q.providersByIds(ids)),
      service: new DataLoader((ids) => q.servicesByIds(ids)),
      servicesOfProvider: new DataLoader((ids) => q.servicesOfProviders(ids)),
      appointment: new DataLoader((ids) => q.appointmentsByIds(ids)),
    };
    perContext.set(ctx, l);
  }
  return l;
}
