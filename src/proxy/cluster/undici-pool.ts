/**
 * undici's Pool, loaded on its own. The package entry (`undici`) eagerly loads every API it
 * offers — fetch, WebSocket, EventSource, caches, mock agents — which costs ~10 MB of memory
 * per process; the proxy needs only Pool (and the Client it creates). Typed as the public class.
 */
import type { Pool as PublicPool } from 'undici';
import PoolImpl from 'undici/lib/dispatcher/pool.js';

export const Pool = PoolImpl as unknown as typeof PublicPool;
export type Pool = PublicPool;
