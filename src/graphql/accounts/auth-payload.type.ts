import { Field, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../scalars';
import { User } from './user.type';

@ObjectType({ description: 'A session: send `Authorization: Bearer <accessToken>`; trade the refresh token for a new pair before it expires.' })
export class AuthPayload {
  @Field({ description: 'JWT (HS256), valid for 15 minutes.' })
  accessToken!: string;

  @Field(() => DateTimeScalar, { description: 'When the access token stops being accepted.' })
  accessTokenExpiresAt!: number;

  @Field({ description: 'Opaque, single use, valid for 30 days. Using one twice revokes the whole session.' })
  refreshToken!: string;

  @Field(() => User)
  user!: User;
}
