/** The one local account: every local ARN has its region and account id. */
import { LOCAL_ACCOUNT, LOCAL_REGION, localArn } from '../../../../local/topology/local-account';

it('builds ARNs in the local account', () => {
  expect(localArn('lambda', 'function:Consumer')).toBe(
    `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:Consumer`,
  );
  expect(LOCAL_ACCOUNT).toMatch(/^\d{12}$/);
});
