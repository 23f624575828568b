import { Field, ID, ObjectType } from 'type-graphql';
import type { Role } from '../../accounts/model';
import { RoleEnum } from './role.enum';

@ObjectType({ description: 'A person with an account.' })
export class User {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;
}
