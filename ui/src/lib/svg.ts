// Rebuild an SVG document (the QR code from `qr_svg`) as DOM nodes, keeping only plain shapes and
// presentation attributes. Nothing is parsed as HTML, no script, link, style or event handler
// survives, and no `data:` URL is needed, so it works under `img-src 'self'` too.

const SVG_NS = 'http://www.w3.org/2000/svg';

const ELEMENTS = new Set(['svg', 'g', 'path', 'rect', 'polygon', 'circle']);

const ATTRIBUTES = new Set([
  'viewBox', 'width', 'height', 'x', 'y', 'd', 'points', 'cx', 'cy', 'r',
  'fill', 'fill-rule', 'stroke', 'stroke-width', 'shape-rendering', 'transform', 'version',
  'preserveAspectRatio',
]);

/** Colours and numbers only: `#000000`, `none`, `0 0 320 320`, `M4 4h1v1H4z`, `crispEdges`. */
const SAFE_VALUE = /^[\w\s#.,\-+%()]*$/;

function copyInto(doc: Document, src: Element, depth: number): Element | null {
  if (depth > 8) return null;
  const name = src.localName;
  if (src.namespaceURI !== SVG_NS || !ELEMENTS.has(name)) return null;
  const out = doc.createElementNS(SVG_NS, name);
  for (const attr of Array.from(src.attributes)) {
    if (attr.namespaceURI !== null) continue;
    if (!ATTRIBUTES.has(attr.name)) continue;
    if (!SAFE_VALUE.test(attr.value)) continue;
    if (attr.name === 'transform' && /url/i.test(attr.value)) continue;
    out.setAttribute(attr.name, attr.value);
  }
  for (const child of Array.from(src.children)) {
    const c = copyInto(doc, child, depth + 1);
    if (c) out.appendChild(c);
  }
  return out;
}

/** The sanitised `<svg>` element, or null when the text is not an SVG document. */
export function sanitizeSvg(text: string, doc: Document = document): SVGSVGElement | null {
  if (typeof DOMParser === 'undefined') return null;
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = parsed.documentElement;
  if (!root || root.getElementsByTagName('parsererror').length > 0) return null;
  const svg = copyInto(doc, root, 0);
  if (!svg || svg.localName !== 'svg') return null;
  return svg as SVGSVGElement;
}
