export declare function compareWithDist(file: string, content: string | Buffer): 'added' | 'changed' | 'same';
export declare function stageFile(staging: string, rel: string, content: string | Buffer, made: Set<string>): void;
export declare function faultPoint(): void;
