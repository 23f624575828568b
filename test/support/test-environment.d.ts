/** Types of test-environment.js (plain CommonJS: jest.config.js loads it before any TypeScript). */
export declare const DEFAULT_SERVER_URL: string;
export declare function serverUrl(): string;
export declare function chromiumPath(): string | null;
export declare function decideTestEnvironment(rootDir: string): Promise<string[]>;
