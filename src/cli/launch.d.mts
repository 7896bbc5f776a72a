/** Types of launch.mjs (plain JavaScript: bin/weft.mjs runs it before tsx is registered). */
export declare const PRECOMPILED_COMMANDS: string[];
export declare function launchPrecompiled(name: string, args: string[]): Promise<number | undefined>;
