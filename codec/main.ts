/**
 * `npm run codec-server`: decrypts payloads for the Temporal Web UI (`--ui-codec-endpoint`, or the
 * UI's own "Codec Server" setting) and for `temporal workflow show --codec-endpoint`.
 */
import { ConfigError } from '../domain/config.js';
import { loadCodecServerConfig } from './config.js';
import { startCodecServer } from './server.js';

async function main(): Promise<void> {
  const config = loadCodecServerConfig();
  const server = await startCodecServer(config);
  console.log(`codec-server: listening on ${server.url} (auth ${config.token === false ? 'OFF (local only)' : 'bearer token'}; origins ${config.allowedOrigins?.join(', ')})`);
  process.send?.({ type: 'ready', url: server.url });
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `codec-server: configuration error: ${err.message}` : `codec-server: fatal: ${String(err)}`);
  process.exit(1);
});
