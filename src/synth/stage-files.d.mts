export declare function compareWithDist(file: string, content: string): 'added' | 'changed' | 'same';
export declare function stageFile(staging: string, rel: string, content: string, made: Set<string>): void;
export declare function faultPoint(): void;
