// Public API of `ttng/ctl`: the session daemon's control protocol and client,
// so that programs get the same control as the `ttng` CLI.
export * from './protocol.js';
export { TtngClient, withClient, spawnDaemon, sessiondScript } from './client.js';
export type { ConnectOptions } from './client.js';
export {
  ttngPaths,
  homeDir,
  clientSocketCandidates,
  readCurrentSession,
  writeCurrentSession,
  clearCurrentSession,
  TRACING_GROUP,
  GLOBAL_RUN_DIR,
} from './paths.js';
export type { TtngPaths } from './paths.js';
