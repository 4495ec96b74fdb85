// Tools over the (fictional) Fernhill Outfitters shop, for programs/order-agent.yaml. Each export
// is a name-free tool: a description, a JSON Schema of its parameters and run(args). They read
// shop-data.json and answer JSON, as a real back-office API would.
import { readFileSync } from "node:fs";

interface Item {
  product_id: string;
  name: string;
  quantity: number;
}
interface Order {
  order_id: string;
  customer_id: string;
  items: Item[];
  [key: string]: unknown;
}
interface Product {
  product_id: string;
  name: string;
  category: string;
  price: string;
  stock: string;
  [key: string]: unknown;
}
interface Customer {
  customer_id: string;
  name: string;
  email: string;
  orders: string[];
  [key: string]: unknown;
}
interface Shop {
  customers: Customer[];
  products: Product[];
  orders: Order[];
}

const shop = JSON.parse(readFileSync(new URL("./shop-data.json", import.meta.url), "utf8")) as Shop;

function text(args: unknown, key: string): string {
  const value = args !== null && typeof args === "object" ? (args as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" ? value.trim() : "";
}

export const lookupOrder = {
  description: "Look up an order: its status, dates, carrier and tracking number, payment, total and the items in it.",
  parameters: {
    type: "object",
    properties: { order_id: { type: "string", description: "The order id, such as A1042" } },
    required: ["order_id"],
    additionalProperties: false,
  },
  run(args: unknown): unknown {
    const id = text(args, "order_id").toUpperCase();
    const order = shop.orders.find((o) => o.order_id === id);
    if (!order) throw new Error(`no order ${id}; order ids look like A1001`);
    return order;
  },
};

export const getProduct = {
  description: "Details of one product: category, price, stock, warranty, material, weight, battery and care.",
  parameters: {
    type: "object",
    properties: { product_id: { type: "string", description: "The product id, such as P-101" } },
    required: ["product_id"],
    additionalProperties: false,
  },
  run(args: unknown): unknown {
    const id = text(args, "product_id").toUpperCase();
    const product = shop.products.find((p) => p.product_id === id);
    if (!product) throw new Error(`no product ${id}; product ids look like P-101`);
    return product;
  },
};

/** Lower-case words of three letters or more, cut to five letters (so "kettles" finds "kettle"). */
function keys(value: string): string[] {
  return (value.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length >= 3).map((w) => w.slice(0, 5));
}

export const searchProducts = {
  description: "Search the catalogue by name or keywords; answers the best matches with their id, price and stock.",
  parameters: {
    type: "object",
    properties: { query: { type: "string", description: "Words to search for, such as a product's name" } },
    required: ["query"],
    additionalProperties: false,
  },
  run(args: unknown): unknown {
    const asked = new Set(keys(text(args, "query")));
    const ranked = shop.products
      .map((p, index) => ({ p, index, hits: new Set(keys(`${p.name} ${p.category} ${String(p["material"] ?? "")}`).filter((k) => asked.has(k))).size }))
      .filter((r) => r.hits > 0)
      .sort((a, b) => b.hits - a.hits || a.index - b.index)
      .slice(0, 3);
    return { results: ranked.map(({ p }) => ({ product_id: p.product_id, name: p.name, price: p.price, stock: p.stock })) };
  },
};

export const findCustomer = {
  description: "Find a customer account by email: name, membership tier, loyalty points, member since, city and order ids.",
  parameters: {
    type: "object",
    properties: { email: { type: "string", description: "The customer's email address" } },
    required: ["email"],
    additionalProperties: false,
  },
  run(args: unknown): unknown {
    const email = text(args, "email").toLowerCase();
    const customer = shop.customers.find((c) => c.email === email);
    if (!customer) throw new Error(`no customer with the email ${email}`);
    return customer;
  },
};
