// A `function` step for programs/account-help.yaml: the user's own retriever. It finds the
// customer's account by email in the shop's records and hands the LM step a short profile, one
// fact per line.
import { readFileSync } from "node:fs";

interface Customer {
  customer_id: string;
  name: string;
  email: string;
  tier: string;
  member_since: string;
  city: string;
  loyalty_points: number;
  orders: string[];
}

const { customers } = JSON.parse(readFileSync(new URL("../tools/shop-data.json", import.meta.url), "utf8")) as { customers: Customer[] };

export function findAccount(inputs: { email: string }): { profile: string } {
  const email = String(inputs.email).trim().toLowerCase();
  const c = customers.find((x) => x.email === email);
  if (!c) throw new Error(`no account with the email ${email}`);
  const profile = [
    `Name: ${c.name}.`,
    `Customer id: ${c.customer_id}.`,
    `Membership tier: ${c.tier}.`,
    `Loyalty points: ${c.loyalty_points}.`,
    `Member since ${c.member_since}.`,
    `Home city: ${c.city}.`,
    `Orders placed: ${c.orders.join(", ")}.`,
  ].join("\n");
  return { profile };
}
