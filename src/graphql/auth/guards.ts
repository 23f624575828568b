import type { Role, Viewer } from '../../accounts/model';
import { DomainError } from '../../domain/errors';
import type { GraphQLContext } from '../context';

/** The signed-in viewer, or UNAUTHENTICATED. */
export function requireViewer(ctx: Pick<GraphQLContext, 'viewer'>): Viewer {
  if (!ctx.viewer) throw new DomainError('UNAUTHENTICATED', 'Sign in first: send Authorization: Bearer <access token>');
  return ctx.viewer;
}

/** The signed-in viewer when it has one of `roles`; UNAUTHENTICATED when anonymous, else FORBIDDEN. */
export function requireRole(ctx: Pick<GraphQLContext, 'viewer'>, ...roles: readonly Role[]): Viewer {
  const viewer = requireViewer(ctx);
  if (!roles.includes(viewer.role)) throw new DomainError('FORBIDDEN', `This needs the role ${roles.join(' or ')}`, { requiredRoles: roles });
  return viewer;
}
