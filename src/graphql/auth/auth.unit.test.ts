import type { IncomingMessage } from 'node:http';
import { DomainError } from '../../domain/errors';
import { clientAddressOf, requireRole, requireViewer } from '.';

const req = (remoteAddress: string | undefined, forwarded?: string | string[]): IncomingMessage =>
  ({ socket: { remoteAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

describe('clientAddressOf', () => {
  it('takes the socket peer and ignores X-Forwarded-For unless the proxy is trusted', () => {
    expect(clientAddressOf(req('10.0.0.5', '203.0.113.7'), false)).toBe('10.0.0.5');
  });
  it('behind a trusted proxy takes the last X-Forwarded-For entry (the one the proxy wrote)', () => {
    expect(clientAddressOf(req('10.0.0.5', '198.51.100.1, 203.0.113.7'), true)).toBe('203.0.113.7');
    expect(clientAddressOf(req('10.0.0.5', ['198.51.100.1', '203.0.113.8 ']), true)).toBe('203.0.113.8');
    expect(clientAddressOf(req('10.0.0.5'), true)).toBe('10.0.0.5');
    expect(clientAddressOf(req(undefined), false)).toBe('unknown');
  });
});

describe('guards', () => {
  const customer = { viewer: { id: 'u1', role: 'CUSTOMER' as const } };
  it('requireViewer: the viewer, or UNAUTHENTICATED when anonymous', () => {
    expect(requireViewer(customer)).toBe(customer.viewer);
    expect(() => requireViewer({ viewer: null })).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });
  it('requireRole: FORBIDDEN for another role, UNAUTHENTICATED when anonymous', () => {
    expect(requireRole(customer, 'CUSTOMER', 'ADMIN')).toBe(customer.viewer);
    expect(() => requireRole(customer, 'ADMIN', 'AUDITOR')).toThrow(new DomainError('FORBIDDEN', 'This needs the role ADMIN or AUDITOR', { requiredRoles: ['ADMIN', 'AUDITOR'] }));
    expect(() => requireRole({ viewer: null }, 'ADMIN')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });
});
