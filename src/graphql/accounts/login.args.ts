import { ArgsType, Field } from 'type-graphql';

/** An args class keeps the contract's argument order (separate @Arg parameters print reversed). */
@ArgsType()
export class LoginArgs {
  @Field()
  email!: string;

  @Field()
  password!: string;
}
