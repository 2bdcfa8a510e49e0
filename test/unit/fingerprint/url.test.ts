import { describe, expect, it } from 'vitest';
import { connectionFromUrl } from '../../../lib/adapters/db/index.js';

describe('database URLs', () => {
  it('reads a PostgreSQL URL with an encoded password and TLS', () => {
    expect(
      connectionFromUrl('postgresql://app:p%40ss%2Fw@db.example.com:6543/orders?sslmode=require'),
    ).toEqual({
      engine: 'postgres',
      host: 'db.example.com',
      port: 6543,
      user: 'app',
      password: 'p@ss/w',
      database: 'orders',
      ssl: 'require',
    });
  });

  it('fills in default ports and databases', () => {
    expect(connectionFromUrl('postgres://app@10.0.0.5')).toMatchObject({ port: 5432, database: 'app' });
    expect(connectionFromUrl('mysql://root:x@[::1]')).toMatchObject({
      engine: 'mysql',
      host: '::1',
      port: 3306,
      database: '',
    });
    expect(connectionFromUrl('mariadb://u@h/shop?ssl-mode=VERIFY_IDENTITY')).toMatchObject({
      engine: 'mysql',
      database: 'shop',
      ssl: 'verify-full',
    });
  });

  it("checks an RDS endpoint against the RDS authorities with verify-full, any other host against Node's", () => {
    const rds = connectionFromUrl(
      'postgres://app:x@orders.abc123.eu-west-1.rds.amazonaws.com/orders?sslmode=verify-full',
    );
    expect(rds.ssl).toBe('verify-full');
    expect(rds.ca?.length).toBeGreaterThan(50);
    expect(
      connectionFromUrl('postgres://app:x@db.example.com/orders?sslmode=verify-full').ca,
    ).toBeUndefined();
    expect(
      connectionFromUrl('postgres://app:x@orders.abc123.eu-west-1.rds.amazonaws.com/orders?sslmode=require')
        .ca,
    ).toBeUndefined();
  });

  it('refuses other schemes and malformed URLs, without echoing the password', () => {
    expect(() => connectionFromUrl('redis://h/0')).toThrow(/unsupported database URL scheme "redis"/);
    expect(() => connectionFromUrl('postgres://u:secret@h/a/b')).toThrow(/more than one path segment/);
    expect(() => connectionFromUrl('postgres://u:secret@h/a/b')).not.toThrow(/secret/);
    expect(() => connectionFromUrl('postgres://u@h/db?sslmode=maybe')).toThrow(/unknown sslmode "maybe"/);
    expect(() => connectionFromUrl('localhost:5432')).toThrow();
    // A malformed percent-escape is a usage error naming the option and the part, not a URIError.
    for (const [url, part] of [
      ['postgres://app:50%off@h/db', 'password'],
      ['postgres://us%e9r:x@h/db', 'user name'],
      ['mysql://u:x@h/sales%', 'database name'],
    ] as const) {
      expect(() => connectionFromUrl(url, '--before')).toThrow(
        expect.objectContaining({
          name: 'ConfigError',
          message: expect.stringContaining(`--before: the ${part} in`),
        }),
      );
    }
    expect(() => connectionFromUrl('postgres://app:50%off@h/db')).not.toThrow(/50%off/);
    expect(() => connectionFromUrl('not a url with secret')).toThrow(
      expect.objectContaining({ name: 'ConfigError' }),
    );
  });
});
