// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { sanitizeSvg } from '../src/lib/svg';

const QR =
  '<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="330" height="330" viewBox="0 0 330 330" shape-rendering="crispEdges"><path fill="#ffffff" d="M0 0h330v330H0z"/><path fill="#000000" d="M40 40h10v10H40z"/></svg>';

describe('sanitizeSvg', () => {
  it('keeps the QR code shapes', () => {
    const svg = sanitizeSvg(QR);
    expect(svg).not.toBeNull();
    expect(svg?.getAttribute('viewBox')).toBe('0 0 330 330');
    const paths = svg?.querySelectorAll('path') ?? [];
    expect(paths.length).toBe(2);
    expect(paths[1]?.getAttribute('d')).toBe('M40 40h10v10H40z');
    expect(paths[1]?.getAttribute('fill')).toBe('#000000');
  });

  it('drops scripts, handlers, links, styles and foreign content', () => {
    const evil =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" style="x">' +
      '<script>alert(1)</script><style>*{}</style>' +
      '<a xlink:href="javascript:alert(1)"><path d="M0 0"/></a>' +
      '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>' +
      '<rect width="1" height="1" fill="url(javascript:alert(1))" onclick="x"/>' +
      '<image href="https://evil.example/x.png"/></svg>';
    const svg = sanitizeSvg(evil);
    expect(svg).not.toBeNull();
    const html = svg?.outerHTML ?? '';
    expect(html).not.toMatch(/script|onload|onclick|style|javascript|foreignObject|image|href|<a/i);
    expect(svg?.querySelector('rect')?.getAttribute('width')).toBe('1');
    expect(svg?.querySelector('rect')?.hasAttribute('fill')).toBe(false);
  });

  it('refuses what is not SVG', () => {
    expect(sanitizeSvg('<html><body>hi</body></html>')).toBeNull();
    expect(sanitizeSvg('not xml at all <')).toBeNull();
  });
});
