import { Field, InputType } from 'type-graphql';
import type { Role } from '../../accounts/model';
import { RoleEnum } from './role.enum';

@InputType({ description: 'Self-service sign-up. Roles ADMIN and AUDITOR are refused (FORBIDDEN).' })
export class RegisterInput {
  @Field()
  email!: string;

  @Field({ description: 'At least 8 characters.' })
  password!: string;

  @Field({ description: '1 to 200 characters.' })
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;
}
