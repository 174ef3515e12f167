// Worker entry of ust-fake-app.ts: tsx's loader does not follow a thread, so
// register it here before loading the TypeScript.
import { register } from 'tsx/esm/api';
register();
await import('./ust-fake-app.ts');
