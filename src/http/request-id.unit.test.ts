import { requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('requestIdOf (X-Request-Id)', () => {
  it.each(['0af7651916cd43dd8448eb211c80319c', '01HZX3J8Y9Q2W4E5R6T7Y8U9I0', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', 'trace:0af76519.1_x-y', 'a'.repeat(64)])(
    'keeps the id-shaped %s',
    (id) => expect(requestIdOf(id)).toBe(id),
  );

  it.each([undefined, '', 'short12', 'a'.repeat(65), 'has space 123', 'quote"1234567', 'new\nline1234', '{"a":"12345678"}', 'ünïcödé-12345'])('replaces %p with a new UUID', (header) => {
    expect(requestIdOf(header)).toMatch(UUID);
  });

  it('looks at the first of repeated headers', () => {
    expect(requestIdOf(['first-id-0001', 'second-id-0002'])).toBe('first-id-0001');
  });
});
