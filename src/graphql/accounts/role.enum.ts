import { registerEnumType } from 'type-graphql';
import { ROLES, type Role } from '../../accounts/model';

/** `enum Role`: the same strings as the accounts module's `Role` union. */
export const RoleEnum = Object.fromEntries(ROLES.map((r) => [r, r])) as { readonly [R in Role]: R };

registerEnumType(RoleEnum, { name: 'Role', description: 'What a user may do. Self-service sign-up offers CUSTOMER and PROVIDER.' });
