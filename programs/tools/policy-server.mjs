#!/usr/bin/env node
// A small MCP server over stdio (the official SDK's server API) serving the shop's policies as one
// tool, `find_policy`. Started by dspx from programs/order-agent.yaml (`tools: policies: { mcp: … }`).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import { CATEGORIES, findPolicy } from "./policy.mjs";

const server = new McpServer({ name: "fernhill-policies", version: "1.0.0" });

server.registerTool(
  "find_policy",
  {
    description:
      "The shop's policy on a topic: returns and return windows, refunds, shipping costs and times, exchanges, damaged items, warranty claims, cancellations, price match, gift cards, loyalty points.",
    inputSchema: {
      topic: z.string().describe("What the policy question is about, in the customer's words"),
      category: z.enum(CATEGORIES).optional().describe("The product category, when the rule depends on it (return windows do)"),
    },
  },
  async ({ topic, category }) => ({ content: [{ type: "text", text: JSON.stringify(findPolicy(topic, category)) }] }),
);

await server.connect(new StdioServerTransport());
