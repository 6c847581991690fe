/**
 * The same database as `url` (host, port, database name, query options such as `sslmode`), but
 * logged in as `user` with `password`: how the API's own role connects to the database the
 * worker was given.
 * @throws TypeError when `url` is not a URL.
 */
export function databaseUrlFor(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  // URL's setters leave `%` as it is, so encode everything first; pg decodes it back.
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
