/**
 * A small, strict XML 1.0 well-formedness checker for tests: legal characters only, matched tags, quoted
 * and unique attributes, only the predefined entities and legal character references, no `]]>` in text.
 * Returns the element tree with attribute values and text decoded, so tests can check round trips.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const ILLEGAL_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function parseXml(xml: string): XmlElement {
  const bad = ILLEGAL_CHAR.exec(xml);
  if (bad) throw new Error(`illegal character U+${bad[0].codePointAt(0)!.toString(16).padStart(4, "0")} at ${bad.index}`);
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${pos}: ${JSON.stringify(xml.slice(pos, pos + 30))}`);
  };
  const skipSpace = () => {
    while (pos < xml.length && " \t\r\n".includes(xml[pos]!)) pos++;
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(xml);
    if (!m) fail("expected a name");
    pos += m![0].length;
    return m![0];
  };
  const reference = (): string => {
    // at '&'
    const end = xml.indexOf(";", pos);
    if (end < 0) fail("unterminated reference");
    const body = xml.slice(pos + 1, end);
    let text: string;
    if (body in PREDEFINED) text = PREDEFINED[body]!;
    else if (/^#[0-9]+$/.test(body) || /^#x[0-9a-fA-F]+$/.test(body)) {
      const cp = body[1] === "x" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (cp > 0x10ffff) fail("character reference out of range");
      text = String.fromCodePoint(cp);
      if (ILLEGAL_CHAR.test(text)) fail(`reference to an illegal character ${body}`);
    } else return fail(`unknown entity &${body};`);
    pos = end + 1;
    return text;
  };
  const attrValue = (): string => {
    const quote = xml[pos];
    if (quote !== '"' && quote !== "'") fail("attribute value not quoted");
    pos++;
    let value = "";
    for (;;) {
      if (pos >= xml.length) fail("unterminated attribute value");
      const ch = xml[pos]!;
      if (ch === quote) break;
      if (ch === "<") fail("'<' in an attribute value");
      if (ch === "&") value += reference();
      else {
        // Attribute-value normalisation: literal whitespace becomes a space.
        value += ch === "\t" || ch === "\n" || ch === "\r" ? " " : ch;
        pos++;
      }
    }
    pos++;
    return value;
  };
  const element = (): XmlElement => {
    if (xml[pos] !== "<") fail("expected '<'");
    pos++;
    const el: XmlElement = { name: name(), attrs: {}, children: [] };
    for (;;) {
      const before = pos;
      skipSpace();
      if (xml.startsWith("/>", pos)) {
        pos += 2;
        return el;
      }
      if (xml[pos] === ">") {
        pos++;
        break;
      }
      if (pos === before) fail("expected whitespace before an attribute");
      const attr = name();
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
      skipSpace();
      if (xml[pos] !== "=") fail("expected '='");
      pos++;
      skipSpace();
      el.attrs[attr] = attrValue();
    }
    let text = "";
    const flush = () => {
      if (text) el.children.push(text);
      text = "";
    };
    for (;;) {
      if (pos >= xml.length) fail(`unclosed <${el.name}>`);
      if (xml.startsWith("</", pos)) {
        flush();
        pos += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (xml[pos] !== ">") fail("expected '>'");
        pos++;
        return el;
      }
      if (xml.startsWith("<!--", pos)) {
        const end = xml.indexOf("-->", pos + 4);
        if (end < 0) fail("unterminated comment");
        if (xml.slice(pos + 4, end).includes("--")) fail("'--' in a comment");
        pos = end + 3;
        continue;
      }
      if (xml.startsWith("<![CDATA[", pos)) {
        const end = xml.indexOf("]]>", pos + 9);
        if (end < 0) fail("unterminated CDATA");
        text += xml.slice(pos + 9, end);
        pos = end + 3;
        continue;
      }
      if (xml[pos] === "<") {
        flush();
        el.children.push(element());
        continue;
      }
      if (xml.startsWith("]]>", pos)) fail("']]>' in text");
      if (xml[pos] === "&") text += reference();
      else if (xml[pos] === "\r") {
        // End-of-line normalisation.
        text += "\n";
        pos += xml[pos + 1] === "\n" ? 2 : 1;
      } else text += xml[pos++];
    }
  };

  if (xml.startsWith("<?xml")) {
    const end = xml.indexOf("?>");
    if (end < 0) fail("unterminated XML declaration");
    if (!/^<\?xml version="1\.0"( encoding="UTF-8")?\?>$/.test(xml.slice(0, end + 2))) fail("bad XML declaration");
    pos = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (pos !== xml.length) fail("content after the root element");
  return root;
}

/** Child elements named `name`. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== "string" && c.name === name);
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return children(el, name)[0];
}

/** Concatenated text content (direct text only). */
export function text(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === "string").join("");
}
