// Read a Kantara consent receipt (claims from `grant_receipt`) into the parts a person reads.

export interface ReceiptView {
  id: string;
  controller: string;
  controllerUrl: string | null;
  purpose: string;
  /** DPV local name, e.g. `DirectMarketing`. */
  category: string;
  data: string[];
  consentAt: number | null;
  jurisdiction: string;
  events: { event: string; at: number }[];
  summary: string;
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** `https://w3id.org/dpv#DirectMarketing` or `dpv:DirectMarketing` → `DirectMarketing`. */
export function dpvLocalName(iri: string): string {
  const hash = iri.lastIndexOf('#');
  if (hash >= 0) return iri.slice(hash + 1);
  return iri.startsWith('dpv:') ? iri.slice(4) : iri;
}

export function readReceipt(claims: Record<string, unknown>): ReceiptView {
  const controller = obj(arr(claims.piiControllers)[0]);
  const service = obj(arr(claims.services)[0]);
  const purpose = obj(arr(service.purposes)[0]);
  return {
    id: str(claims.consentReceiptID) || str(claims.jti),
    controller: str(controller.piiController),
    controllerUrl: str(controller.url) || null,
    purpose: str(purpose.purpose),
    category: dpvLocalName(str(arr(purpose.purposeCategory)[0])),
    data: arr(purpose.piiCategory).map(str).filter(Boolean),
    consentAt: num(claims.consentTimestamp),
    jurisdiction: str(claims.jurisdiction),
    events: arr(claims.events)
      .map(obj)
      .map((e) => ({ event: str(e.event), at: num(e.timestamp) ?? 0 }))
      .filter((e) => e.event),
    summary: str(claims.summary),
  };
}
