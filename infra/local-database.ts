/**
 * What `sst dev` connects to instead of RDS: the embedded PostgreSQL `npm start` runs
 * (tools/local-stack), which listens here or says why it cannot. Plain values, no SST.
 */
export const LOCAL_DATABASE = {
  host: "127.0.0.1",
  port: 54329,
  username: "postgres",
  password: "postgres",
  database: "dbos",
} as const;
