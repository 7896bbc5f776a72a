export declare function compareWithDist(file: string, content: string | Buffer): 'added' | 'changed' | 'same';
export declare function stageFile(staging: string, rel: string, content: string | Buffer, made: Set<string>): void;
export declare function stageTwin(staging: string, rel: string, twin: string, content: string | Buffer | undefined, made: Set<string>): void;
export declare function faultPoint(): void;
