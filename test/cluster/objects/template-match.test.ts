import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestMatches } from '../../../src/cluster/objects/template-match.js';

const server = {
  metadata: { creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'web:1',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        resources: { requests: { cpu: '500m', memory: '1Gi' } },
      },
    ],
    dnsPolicy: 'ClusterFirst',
  },
};

const cases: { name: string; manifest: unknown; same: boolean }[] = [
  {
    name: 'the manifest without the defaulted fields',
    manifest: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'web:1',
            ports: [{ containerPort: 8080 }],
            resources: { requests: { cpu: 0.5, memory: '1024Mi' } },
          },
        ],
      },
    },
    same: true,
  },
  {
    name: 'a new image',
    manifest: { spec: { containers: [{ name: 'web', image: 'web:2' }] } },
    same: false,
  },
  {
    name: 'a second container',
    manifest: { spec: { containers: [{ name: 'web' }, { name: 'side' }] } },
    same: false,
  },
  { name: 'a new label', manifest: { metadata: { labels: { app: 'web', v: '2' } } }, same: false },
  {
    name: 'a different request',
    manifest: { spec: { containers: [{ name: 'web', resources: { requests: { cpu: '600m' } } }] } },
    same: false,
  },
  {
    name: 'null fields are absent',
    manifest: { metadata: { creationTimestamp: null } },
    same: true,
  },
];
for (const c of cases) {
  test(`manifest vs the cluster's template: ${c.name}`, () => {
    assert.equal(manifestMatches(c.manifest, server), c.same);
  });
}
