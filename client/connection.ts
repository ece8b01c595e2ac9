/**
 * The Temporal connection from the environment: the TEMPORAL_* section of the schema
 * (domain/config.ts) with the TLS files read and the API key wrapped in Secret. Used by
 * RefundsClient.connect (hence the HTTP API), the CLI, the worker and `npm start`.
 */
import { readFileSync } from 'node:fs';
import { Secret } from '../activities/secret.js';
import { ConfigError, temporalSettings, type Env } from '../domain/config.js';

export interface TemporalConfig {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS: on for Temporal Cloud, or with a client certificate. */
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer }; serverNameOverride?: string; serverRootCACertificate?: Buffer };
  apiKey?: Secret;
}

function readTlsFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  const { tls, apiKey, ...rest } = temporalSettings(env);
  const config: TemporalConfig = rest;
  if (tls) {
    config.tls = {
      ...(tls.certFile && tls.keyFile
        ? { clientCertPair: { crt: readTlsFile('TEMPORAL_TLS_CERT', tls.certFile), key: readTlsFile('TEMPORAL_TLS_KEY', tls.keyFile) } }
        : {}),
      ...(tls.caFile ? { serverRootCACertificate: readTlsFile('TEMPORAL_TLS_CA', tls.caFile) } : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    };
  }
  if (apiKey) config.apiKey = new Secret(apiKey);
  return config;
}

/** What Connection.connect and NativeConnection.connect take from it (the API key revealed here only). */
export function connectionOptions(config: TemporalConfig): { address: string; tls?: NonNullable<TemporalConfig['tls']>; apiKey?: string } {
  return {
    address: config.address,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey.reveal() } : {}),
  };
}
