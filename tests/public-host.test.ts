import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicHost, publicHttpUrl } from '../src/public-host.ts';

/** Through `new URL`, as every caller does: it normalizes numeric and IPv6 forms first. */
const publicUrl = (url: string) => !!publicHttpUrl(url);

test('loopback, private, CGNAT, link-local, unique-local and local names are not public, in every spelling', () => {
  const refused = [
    'http://127.0.0.1/', 'https://127.8.9.10:8443/x', 'http://localhost/', 'http://LOCALHOST./', 'http://app.localhost/', 'http://printer.local/',
    'http://router.home.arpa/', 'http://metadata.google.internal/', 'http://nas/', 'http://0.0.0.0/', 'http://0/',
    'http://10.1.2.3/', 'http://172.16.0.1/', 'http://172.31.255.255/', 'http://192.168.1.1/', 'http://100.64.0.1/', 'http://100.127.255.255/',
    'http://169.254.169.254/latest/meta-data/', 'http://224.0.0.1/', 'http://255.255.255.255/',
    // numeric forms URL normalizes to 127.0.0.1
    'http://2130706433/', 'http://0x7f000001/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://127.1/',
    // IPv6
    'http://[::1]/', 'http://[::]/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[fe80::1]/', 'http://[febf::1]/', 'http://[fc00::1]/', 'http://[fd12:3456::1]/',
    'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[::ffff:10.0.0.1]/', 'http://[::ffff:169.254.169.254]/', 'http://[::127.0.0.1]/',
    'http://[64:ff9b::a00:1]/', 'http://[2002:c0a8:101::1]/', 'http://[ff02::1]/',
  ];
  for (const url of refused) assert.equal(publicUrl(url), false, url);
});

test('public names and addresses pass; the edges of each private range are public', () => {
  const allowed = [
    'https://example.com/file', 'https://ipfs.io/ipfs/x', 'http://8.8.8.8/', 'https://172.15.255.255/', 'https://172.32.0.0/', 'https://100.63.255.255/',
    'https://100.128.0.0/', 'https://169.253.1.1/', 'https://192.169.0.1/', 'https://11.0.0.1/', 'https://[2606:4700::1111]/', 'https://[::ffff:8.8.8.8]/',
    'https://[2002:808:808::1]/', 'https://localhost.example.com/',
  ];
  for (const url of allowed) assert.equal(publicUrl(url), true, url);
});

test('only http(s) without credentials; hostnames as given are classified too', () => {
  for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'https://user:pw@example.com/', 'javascript:alert(1)', 'not a url']) assert.equal(publicUrl(url), false, url);
  assert.equal(publicHttpUrl('http://127.0.0.1:5555/x', { anyHost: true })?.port, '5555', 'tests may reach their own local servers');
  assert.equal(isPublicHost('[::ffff:192.168.0.1]'), false);
  assert.equal(isPublicHost('::ffff:192.168.0.1'), false);
  assert.equal(isPublicHost('1.2.3'), false, 'a numeric form that was not normalized is not vouched for');
  assert.equal(isPublicHost('[1:2:3]'), false, 'not an IPv6 address');
  assert.equal(isPublicHost('example.org'), true);
});
