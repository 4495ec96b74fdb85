/** Types of policy.mjs (plain JavaScript, so the MCP server runs on Node without a build). */
export declare const CATEGORIES: string[];
export declare function findPolicy(topic: string, category?: string): Record<string, string>;
