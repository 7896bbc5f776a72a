// undici publishes types for its entry point only; see undici-pool.ts for why the proxy loads
// this module directly. Its export is the Pool class of the public typings.
declare module 'undici/lib/dispatcher/pool.js' {
  const Pool: unknown;
  export default Pool;
}
