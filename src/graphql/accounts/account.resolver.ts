import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { AuthPayload } from './auth-payload.type';
import { LoginArgs } from './login.args';
import { RegisterInput } from './register.input';
import { loadUser } from './user.loader';
import { User } from './user.type';

@Resolver()
export class AccountResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous.' })
  async me(@Ctx() ctx: GraphQLContext): Promise<User | null> {
    return ctx.viewer ? loadUser(ctx, ctx.viewer.id) : null;
  }

  @Mutation(() => AuthPayload, { description: 'Self-service sign-up (CUSTOMER or PROVIDER); signs the new user in.' })
  register(@Arg('input', () => RegisterInput) input: RegisterInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return ctx.runtime.accounts.register(input, ctx.clientAddress);
  }

  @Mutation(() => AuthPayload, { description: 'Sign in. Wrong credentials: UNAUTHENTICATED; too many attempts: RATE_LIMITED.' })
  login(@Args(() => LoginArgs) { email, password }: LoginArgs, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return ctx.runtime.accounts.login(email, password, ctx.clientAddress);
  }

  @Mutation(() => AuthPayload, { description: 'Trade a refresh token for a new pair; the old one is spent.' })
  refreshToken(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return ctx.runtime.accounts.refresh(refreshToken);
  }
}
