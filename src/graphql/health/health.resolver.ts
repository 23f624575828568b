import { Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { Health } from './health.type';

@Resolver()
export class HealthResolver {
  @Query(() => Health, { description: 'Liveness of this node and its dependencies. Public.' })
  async health(@Ctx() ctx: GraphQLContext): Promise<Health> {
    const databaseUp = await ctx.runtime.checkDatabase();
    return { status: databaseUp ? 'ok' : 'degraded', database: ctx.runtime.database.pool.kind, databaseUp, eventStore: ctx.runtime.eventStore.name };
  }
}
