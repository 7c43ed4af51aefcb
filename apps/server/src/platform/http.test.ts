import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../test/harness.js';
import { buildUser, tokenFor } from '../test/factories.js';
import { compileRouteSchemas } from './http.js';

const t = useTestApp();

describe('HTTP platform', () => {
  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "a@b.c",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'malformed_json', message: 'The request body is not valid JSON' },
    });
  });

  it('answers wrong types with 400 validation_failed naming the field, without coercion', async () => {
    const res = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: 'a@example.com', password: 12345 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.issues[0]).toEqual({
      path: 'body.password',
      message: 'must be string',
    });
  });

  it('answers unknown fields and missing fields with 400 validation_failed', async () => {
    const unknown = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: 'a@example.com', password: 'x', admin: true },
    });
    expect(unknown.body.error).toMatchObject({
      code: 'validation_failed',
      message: 'body.admin is not a known field',
    });
    const missing = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: 'a@example.com' },
    });
    expect(missing.body.error.message).toBe('body.password is required');
  });

  it('answers a non-JSON content type with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'text/xml' },
      payload: '<login/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('answers an oversized body with 413', async () => {
    const res = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: 'a@example.com', password: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers an unknown route with 404 route_not_found', async () => {
    const res = await api(t.app, 'GET', '/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('route_not_found');
  });

  it('answers a malformed id with 400, not a database error', async () => {
    const user = await buildUser(t.services);
    const res = await api(t.app, 'GET', "/api/v1/users/1'%20or%201=1", {
      as: await tokenFor(t.services, user),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('returns a request id, and echoes one it was given', async () => {
    const generated = await api(t.app, 'GET', '/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await api(t.app, 'GET', '/healthz', { headers: { 'x-request-id': 'trace-abc' } });
    expect(given.headers['x-request-id']).toBe('trace-abc');
  });

  it('sends security headers: CSP without unsafe-inline, nosniff', async () => {
    const res = await api(t.app, 'GET', '/healthz');
    expect(String(res.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('reports liveness and readiness', async () => {
    expect((await api(t.app, 'GET', '/healthz')).statusCode).toBe(200);
    const ready = await api(t.app, 'GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.body.checks.database).toBe('ok');
  });

  it('serves an OpenAPI 3.1 document with every API route and the error codes', async () => {
    const res = await api(t.app, 'GET', '/api/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const path of [
      '/api/v1/auth/login',
      '/api/v1/me',
      '/api/v1/users/{id}',
      '/api/v1/tokens',
      '/api/v1/invitations',
    ]) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect(res.body.info.description).toContain('validation_failed');
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('compiles every route schema (compiled on first use in a running server)', () => {
    expect(compileRouteSchemas(t.app)).toBeGreaterThan(200);
  });
});
