// A brand's event check written from docs/protocol.md §4 alone, with npm `jose`:
//   node verify_event.mjs '<grant JWT>' '<SET>' '<origin>'
// Verifies the SET with the key of the grant's consumer (the grant's header jwk), checks typ,
// iss, aud and sub_id, and prints {"ok": true, "event": <type>} or {"ok": false, "err": …}.
import * as jose from 'jose';

const [grant, set, origin] = process.argv.slice(2);
try {
  const grantHeader = jose.decodeProtectedHeader(grant);
  const consumerKey = await jose.importJWK(grantHeader.jwk, 'EdDSA');
  const grantClaims = (await jose.jwtVerify(grant, consumerKey, { audience: origin })).payload;
  const urn = 'urn:ietf:params:oauth:jwk-thumbprint:sha-256:' + (await jose.calculateJwkThumbprint(grantHeader.jwk));
  const { payload, protectedHeader } = await jose.jwtVerify(set, consumerKey, {
    typ: 'secevent+jwt', audience: origin, issuer: urn,
  });
  if (protectedHeader.kid !== undefined && protectedHeader.kid !== (await jose.calculateJwkThumbprint(protectedHeader.jwk))) {
    throw Object.assign(new Error('kid is not the thumbprint'), { code: 'invalid_key' });
  }
  if (payload.sub_id?.format !== 'opaque' || payload.sub_id?.id !== grantClaims.jti) {
    throw Object.assign(new Error('sub_id is not the grant'), { code: 'invalid_request' });
  }
  const types = Object.keys(payload.events ?? {});
  if (types.length !== 1) throw Object.assign(new Error('not one event'), { code: 'invalid_request' });
  console.log(JSON.stringify({ ok: true, event: types[0], jti: payload.jti }));
} catch (e) {
  const err = e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'invalid_key'
    : e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && e.claim === 'aud' ? 'invalid_audience'
    : e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && e.claim === 'iss' ? 'invalid_issuer'
    : e.code?.startsWith('invalid_') ? e.code : 'invalid_request';
  console.log(JSON.stringify({ ok: false, err, description: e.message }));
  process.exitCode = 1;
}
