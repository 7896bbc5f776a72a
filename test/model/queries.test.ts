import { describe, expect, it } from 'vitest';
import { clauseCovers, isCatchAllClause, sameClauses, stringImplies } from '../../src/model/match';
import { canonicalHost, hostsOverlap } from '../../src/model/hosts';
import type { MeshModel } from '../../src/model/mesh';

describe('stringImplies', () => {
  it.each([
    [{ exact: '/a' }, { exact: '/a' }, true],
    [{ exact: '/a' }, { exact: '/b' }, false],
    [{ exact: '/api/x' }, { prefix: '/api' }, true],
    [{ prefix: '/api/x' }, { prefix: '/api' }, true],
    [{ prefix: '/api' }, { prefix: '/api/x' }, false],
    [{ prefix: '/api' }, { exact: '/api' }, false],
    [{ exact: 'jason' }, { regex: 'jason|anna' }, true],
    [{ exact: 'jasonx' }, { regex: 'jason|anna' }, false], // RE2 full match
    [{ regex: 'a.*' }, { regex: 'a.*' }, true],
    [{ regex: 'ab.*' }, { regex: 'a.*' }, false], // undecided: not covered
    [{ regex: 'x' }, { prefix: '' }, true],
    [{ exact: 'x' }, { regex: '([' }, false], // invalid regex: not covered, no throw
  ] as const)('%j implies %j: %s', (narrow, broad, expected) => {
    expect(stringImplies(narrow, broad)).toBe(expected);
  });
});

describe('clauseCovers', () => {
  it('needs every condition of the broad clause to hold for the narrow one', () => {
    expect(clauseCovers({}, { path: { exact: '/x' }, methods: ['GET'] })).toBe(true);
    expect(clauseCovers({ path: { prefix: '/' } }, {})).toBe(true);
    expect(clauseCovers({ methods: ['GET', 'POST'] }, { methods: ['GET'] })).toBe(true);
    expect(clauseCovers({ methods: ['GET'] }, { methods: ['GET', 'POST'] })).toBe(false);
    expect(clauseCovers({ methods: ['GET'] }, {})).toBe(false);
    expect(clauseCovers({ headers: { a: { prefix: 'x' } } }, { headers: { a: { exact: 'xy' }, b: { exact: '1' } } })).toBe(true);
    expect(clauseCovers({ headers: { a: { prefix: 'x' } } }, { query: { a: { exact: 'xy' } } })).toBe(false);
    expect(clauseCovers({ sourceService: { namespace: 'n', name: 'a' } }, { sourceService: { namespace: 'n', name: 'a' } })).toBe(true);
    expect(clauseCovers({ sourceService: { namespace: 'n', name: 'a' } }, {})).toBe(false);
  });

  it('recognises catch-all clauses and equal clause sets', () => {
    expect(isCatchAllClause({ path: { prefix: '/' }, methods: [] })).toBe(true);
    expect(isCatchAllClause({ path: { prefix: '/a' } })).toBe(false);
    expect(sameClauses([{ methods: ['GET', 'POST'] }, {}], [{}, { methods: ['POST', 'GET'] }])).toBe(true);
    expect(sameClauses([{ methods: ['GET'] }], [{ methods: ['GET'] }, {}])).toBe(false);
  });
});

describe('hosts', () => {
  it('overlap with wildcards and gateway namespace prefixes', () => {
    expect(hostsOverlap('*', 'a.b')).toBe(true);
    expect(hostsOverlap('*.example.com', 'shop.example.com')).toBe(true);
    expect(hostsOverlap('*.example.com', 'example.com')).toBe(false);
    expect(hostsOverlap('*.example.com', '*.shop.example.com')).toBe(true);
    expect(hostsOverlap('ns/shop.example.com', 'SHOP.example.com')).toBe(true);
    expect(hostsOverlap('a.example.com', 'b.example.com')).toBe(false);
  });

  it('canonicalise in-mesh short names', () => {
    const model = { clusterDomain: 'cluster.local', teams: [{ namespace: 'shop' }], services: [] } as unknown as MeshModel;
    expect(canonicalHost('reviews', 'shop', model)).toBe('reviews.shop.svc.cluster.local');
    expect(canonicalHost('reviews.shop', 'x', model)).toBe('reviews.shop.svc.cluster.local');
    expect(canonicalHost('reviews.shop.svc', 'x', model)).toBe('reviews.shop.svc.cluster.local');
    expect(canonicalHost('api.example.com', 'shop', model)).toBe('api.example.com');
  });
});
