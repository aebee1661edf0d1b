import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAwsError, describeAwsError, type AwsErrorKind } from '../../src/ec2/errors.js';

function awsError(name: string, status?: number, message = 'm'): Error {
  return Object.assign(new Error(message), {
    name,
    ...(status !== undefined && { $metadata: { httpStatusCode: status } }),
  });
}

const cases: [string, unknown, AwsErrorKind][] = [
  ['RequestLimitExceeded (EC2 sends 503)', awsError('RequestLimitExceeded', 503), 'throttled'],
  ['Throttling', awsError('Throttling', 400), 'throttled'],
  ['any 429', awsError('Whatever', 429), 'throttled'],
  ['InternalError', awsError('InternalError', 500), 'unavailable'],
  ['503 Unavailable', awsError('Unavailable', 503), 'unavailable'],
  [
    'connection refused',
    Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    'unavailable',
  ],
  ['request timeout', awsError('TimeoutError'), 'unavailable'],
  ['AuthFailure', awsError('AuthFailure', 401), 'denied'],
  ['UnauthorizedOperation', awsError('UnauthorizedOperation', 403), 'denied'],
  ['no credentials', awsError('CredentialsProviderError'), 'denied'],
  ['no region', new Error('Region is missing'), 'denied'],
  ['InvalidInstanceType', awsError('InvalidInstanceType', 400), 'invalid'],
  ['InvalidSubnetID.NotFound', awsError('InvalidSubnetID.NotFound', 400), 'invalid'],
  ['abort', awsError('AbortError'), 'aborted'],
  ['something else', new Error('boom'), 'unknown'],
];

for (const [what, err, kind] of cases) {
  test(`classifies ${what} as ${kind}`, () => {
    assert.equal(classifyAwsError(err), kind);
  });
}

test('describes an error by its name and message', () => {
  assert.equal(
    describeAwsError(awsError('RequestLimitExceeded', 503, 'Request limit exceeded.')),
    'RequestLimitExceeded: Request limit exceeded.',
  );
});
