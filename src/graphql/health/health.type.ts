import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Whether this node can serve, and the state of its dependencies.' })
export class Health {
  @Field({ description: '"ok" when every dependency answers, else "degraded".' })
  status!: string;

  @Field({ description: 'postgres or pglite' })
  database!: string;

  @Field()
  databaseUp!: boolean;

  @Field({ description: 'postgres, pglite or eventstoredb' })
  eventStore!: string;
}
