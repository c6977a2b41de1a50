import pg from 'pg';

/**
 * One statement on a fresh connection to 127.0.0.1:`port` (a published link). Readiness probes use it with short
 * timeouts — readiness means a NEW client can connect and be answered; operator actions with longer ones.
 */
export async function queryOnce<T extends pg.QueryResultRow>(
  port: number,
  user: string,
  sql: string,
  params: unknown[] = [],
  database = 'postgres',
  timeouts: { connectMs?: number; queryMs?: number } = {},
): Promise<T[]> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    database,
    connectionTimeoutMillis: timeouts.connectMs ?? 1000,
    query_timeout: timeouts.queryMs ?? 2000,
  });
  client.on('error', () => {}); // a dropped connection is reported by the query, not as an unhandled event
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function postgresAnswers(port: number, user: string): Promise<boolean> {
  const rows = await queryOnce<{ ok: number }>(port, user, 'SELECT 1 AS ok');
  return rows[0]?.ok === 1;
}

export async function replicaStreaming(primaryPort: number, user: string, applicationName: string): Promise<boolean> {
  const rows = await queryOnce<{ state: string }>(
    primaryPort,
    user,
    'SELECT state FROM pg_stat_replication WHERE application_name = $1',
    [applicationName],
  );
  if (rows[0]?.state !== 'streaming') throw new Error(`replica '${applicationName}' is ${rows[0]?.state ?? 'not connected'}`);
  return true;
}
