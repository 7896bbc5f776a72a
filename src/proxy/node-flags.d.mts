export declare const PROXY_NODE_FLAGS: readonly string[];
